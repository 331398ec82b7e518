import ArgumentParser

/// The hotspot grid and model (CONTRACT.md section 6). IngestService (which cell a record falls in, which
/// subgroups count) and RankService (the bandwidths) must agree, so every service takes the same settings.
public struct HotspotOptions: ParsableArguments {
    @Option(help: "Side of a hotspot grid cell in metres (HARMRANK_HOTSPOT_CELL_SIZE; default 250).")
    public var cellSize: String?

    @Option(help: "D: a record raises the hotspot risk of cells fewer than this many cells away (HARMRANK_HOTSPOT_DISTANCE_BANDWIDTH; default 8).")
    public var distanceBandwidth: String?

    @Option(help: "W: a record counts for hotspots for fewer than this many whole weeks (HARMRANK_HOTSPOT_TIME_BANDWIDTH; default 8).")
    public var timeBandwidth: String?

    @Option(help: "Comma-separated subgroups whose located records count for hotspots (HARMRANK_HOTSPOT_SUBGROUPS; default burglary-residential).")
    public var subgroups: String?

    public init() {}

    public func parameters(_ source: SettingSource = SettingSource()) throws -> HotspotParameters {
        var parameters = HotspotParameters()
        func integer(_ flag: String?, _ variable: String, _ option: String) throws -> Int? {
            guard let text = source.value(flag, variable) else { return nil }
            guard let value = Int(text) else { throw ConfigurationError("\(option) / \(variable) '\(text)': use a whole number") }
            return value
        }
        parameters.cellSize = try integer(cellSize, "HARMRANK_HOTSPOT_CELL_SIZE", "--cell-size") ?? parameters.cellSize
        parameters.distanceBandwidth =
            try integer(distanceBandwidth, "HARMRANK_HOTSPOT_DISTANCE_BANDWIDTH", "--distance-bandwidth") ?? parameters.distanceBandwidth
        parameters.timeBandwidth =
            try integer(timeBandwidth, "HARMRANK_HOTSPOT_TIME_BANDWIDTH", "--time-bandwidth") ?? parameters.timeBandwidth
        if let names = source.value(subgroups, "HARMRANK_HOTSPOT_SUBGROUPS") {
            parameters.subgroups = Set(
                try names.split(separator: ",").map { name in
                    guard let subgroup = Subgroup(rawValue: String(name)) else {
                        throw ConfigurationError(
                            "--subgroups / HARMRANK_HOTSPOT_SUBGROUPS: '\(name)' is not a subgroup; use \(Subgroup.allCases.map(\.rawValue).joined(separator: ", "))")
                    }
                    return subgroup
                })
        }
        if let problem = parameters.problem { throw ConfigurationError("hotspot settings: \(problem)") }
        return parameters
    }
}
