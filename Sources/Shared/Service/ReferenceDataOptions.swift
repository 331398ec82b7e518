import ArgumentParser

/// The harm table and ward registry: every service and every command that reads records loads them so.
public struct ReferenceDataOptions: ParsableArguments {
    @Option(help: "Harm table CSV replacing the shipped one (HARMRANK_HARM_TABLE).")
    public var harmTable: String?

    @Option(help: "Ward registry CSV replacing the 679 London wards shipped (HARMRANK_WARDS).")
    public var wards: String?

    public init() {}

    /// Where the harm table and the wards come from: their paths, or that they are the ones shipped.
    public func sources(_ source: SettingSource = SettingSource()) -> (harmTable: String, wards: String) {
        (source.value(harmTable, "HARMRANK_HARM_TABLE") ?? "shipped", source.value(wards, "HARMRANK_WARDS") ?? "shipped")
    }

    /// Throws `DataFileError`, naming the file, line and problem.
    public func load(_ source: SettingSource = SettingSource()) throws -> (harmTable: HarmTable, wards: WardRegistry) {
        (
            try source.value(harmTable, "HARMRANK_HARM_TABLE").map(HarmTable.init(contentsOf:)) ?? .shipped(),
            try source.value(wards, "HARMRANK_WARDS").map(WardRegistry.init(contentsOf:)) ?? .shipped()
        )
    }
}
