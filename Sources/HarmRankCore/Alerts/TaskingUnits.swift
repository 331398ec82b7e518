import Foundation

/// A unit that acts on Dauntless+ alerts (CONTRACT.md section 11): a basic command unit, say, with the boroughs
/// it polices and, optionally, the webhook its alerts are posted to.
public struct TaskingUnit: Sendable, Hashable {
    /// Short and stable: how alerts, filters and audit entries name the unit.
    public let id: String
    /// The unit's name as people know it.
    public let name: String
    /// The borough names (as the ward registry spells them) the unit covers; nil for every borough (`*`).
    public let boroughs: Set<String>?
    /// Where the unit's alerts are posted, if anywhere.
    public let webhook: String?

    /// Whether the unit covers `borough`.
    public func covers(borough: String) -> Bool { boroughs?.contains(borough) ?? true }
}

/// The units alerts are routed to, read from a CSV file with the header `unit,name,boroughs,webhook`
/// (`boroughs` `;`-separated, or `*`; `webhook` may be empty). An alert goes to every unit covering the borough of
/// a ward of the suspect's counting domestic offences, and to `unassigned` when none does.
public struct TaskingUnits: Sendable {
    /// The columns the file must have.
    public static let header = ["unit", "name", "boroughs", "webhook"]
    /// Where an alert goes that no unit covers. No unit may take this id.
    public static let unassigned = "unassigned"

    /// In the file's order.
    public let units: [TaskingUnit]
    private let boroughOfWard: [String: String]

    /// Every unit's id, then `unassigned`: what an alert's `units` may hold.
    public var ids: [String] { units.map(\.id) + [Self.unassigned] }

    /// The unit of `id`, if there is one.
    public subscript(id: String) -> TaskingUnit? { units.first { $0.id == id } }

    /// Without a units file: one unit, `all`, covering everything.
    public init(coveringAll wards: WardRegistry) {
        units = [TaskingUnit(id: "all", name: "All units", boroughs: nil, webhook: nil)]
        boroughOfWard = Self.boroughs(of: wards)
    }

    /// Reads units from CSV text naming boroughs of `wards`; `file` names it in errors.
    public init(csv: String, file: String, wards: WardRegistry) throws(DataFileError) {
        let rows = CSVReader(csv).makeIterator()
        let columns = try CSVColumns(header: rows.next(), file: file, required: Self.header)
        let known = Set(wards.wards.map(\.borough))
        var units: [TaskingUnit] = []
        while let row = rows.next() {
            func fail(_ problem: String) -> DataFileError { DataFileError(file: file, line: row.line, problem: problem) }
            let id = try columns.value("unit", in: row)
            guard !id.isEmpty, id.utf8.allSatisfy({ Self.idCharacters.contains($0) }) else {
                throw fail("unit '\(id)' must be lower-case letters, digits and '-', for example central-west")
            }
            guard id != Self.unassigned else { throw fail("unit '\(id)' is reserved for alerts no unit covers") }
            guard !units.contains(where: { $0.id == id }) else { throw fail("unit '\(id)' appears twice") }
            let name = try columns.value("name", in: row)
            guard !name.isEmpty else { throw fail("unit '\(id)' has no name") }
            let listed = try columns.value("boroughs", in: row)
            var boroughs: Set<String>?
            if listed != "*" {
                let names = listed.split(separator: ";").map { String($0).trimmingASCIIWhitespace() }.filter { !$0.isEmpty }
                guard !names.isEmpty else { throw fail("unit '\(id)' lists no boroughs: name them, ';'-separated, or write *") }
                for borough in names where !known.contains(borough) {
                    let near = known.filter { $0.lowercased() == borough.lowercased() }.first
                    throw fail(
                        "unit '\(id)': borough '\(borough)' is not in the ward registry"
                            + (near.map { "; did you mean '\($0)'?" } ?? "; use the registry's borough_name"))
                }
                boroughs = Set(names)
            }
            let webhook = try columns.value("webhook", in: row)
            if !webhook.isEmpty, URL(string: webhook)?.scheme.map({ $0 == "http" || $0 == "https" }) != true {
                throw fail("unit '\(id)': webhook '\(webhook)' is not an http or https URL")
            }
            units.append(TaskingUnit(id: id, name: name, boroughs: boroughs, webhook: webhook.isEmpty ? nil : webhook))
        }
        guard !units.isEmpty else { throw DataFileError(file: file, line: nil, problem: "the file names no units") }
        self.units = units
        boroughOfWard = Self.boroughs(of: wards)
    }

    /// Reads units from the CSV file at `path`.
    public init(contentsOf path: String, wards: WardRegistry) throws(DataFileError) {
        try self.init(csv: try readDataFile(path), file: path, wards: wards)
    }

    /// The Metropolitan Police's 12 basic command units by borough, shipped as an example.
    public static func metropolitanCommandUnits(wards: WardRegistry) throws(DataFileError) -> TaskingUnits {
        try TaskingUnits(csv: try metropolitanCommandUnitsFile(), file: "met-command-units.csv (shipped)", wards: wards)
    }

    /// The text of the shipped example units file, to start a force's own from.
    public static func metropolitanCommandUnitsFile() throws(DataFileError) -> String {
        try readResource("met-command-units.csv")
    }

    /// The units an alert about offences in `wards` goes to, in the file's order; `[unassigned]` when none covers
    /// any of them.
    public func route(wards: some Sequence<String>) -> [String] {
        let boroughs = Set(wards.compactMap { boroughOfWard[$0] })
        let routed = units.filter { unit in boroughs.contains { unit.covers(borough: $0) } }.map(\.id)
        return routed.isEmpty ? [Self.unassigned] : routed
    }

    /// The webhooks of `units`, without repeats.
    public func webhooks(of units: [String]) -> [String] {
        var seen = Set<String>()
        return units.compactMap { self[$0]?.webhook }.filter { seen.insert($0).inserted }
    }

    private static let idCharacters = Set("abcdefghijklmnopqrstuvwxyz0123456789-".utf8)

    private static func boroughs(of wards: WardRegistry) -> [String: String] {
        Dictionary(uniqueKeysWithValues: wards.wards.map { ($0.code, $0.borough) })
    }
}
