import Foundation

/// One row of the harm table: what an offence code weighs and which lists it can count for.
public struct HarmOffence: Sendable, Hashable {
    /// The Home Office offence code.
    public let code: String
    /// The offence's title.
    public let title: String
    /// The Home Office subgroup, which decides the lists it can count for.
    public let subgroup: Subgroup
    /// Its CCHI weight: days of imprisonment at the starting point for a first offender.
    public let harm: Harm
    /// Whether it is violence against women and girls.
    public let vawg: Bool

    /// A row of the table.
    public init(code: String, title: String, subgroup: Subgroup, harm: Harm, vawg: Bool) {
        self.code = code
        self.title = title
        self.subgroup = subgroup
        self.harm = harm
        self.vawg = vawg
    }
}

/// The CCHI harm table of CONTRACT.md section 2, keyed by Home Office offence code.
public struct HarmTable: Sendable {
    /// The columns a harm table file must have, in this order.
    public static let header = ["offence_code", "title", "subgroup", "cchi_days", "vawg"]
    /// A life sentence is 5475 days in CCHI; this bound keeps every harm well inside 32 bits of hundredths.
    public static let maximumHarm = Harm(days: 500_000)

    /// Rows in file order, for writing the table back out.
    public let offences: [HarmOffence]
    private let byCode: [String: HarmOffence]

    /// The row of `code`, if the table has it.
    public subscript(code: String) -> HarmOffence? { byCode[code] }

    /// A table of `offences`; of two rows with one code the first counts.
    public init(offences: [HarmOffence]) {
        self.offences = offences
        self.byCode = Dictionary(offences.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// Parses the CSV format; the first problem found stops it, named by file and line.
    public init(csv: String, file: String) throws(DataFileError) {
        let rows = CSVReader(csv).makeIterator()
        let columns = try CSVColumns(header: rows.next(), file: file, required: Self.header)
        var offences: [HarmOffence] = []
        var lineOfCode: [String: Int] = [:]
        while let row = rows.next() {
            func fail(_ problem: String) -> DataFileError { DataFileError(file: file, line: row.line, problem: problem) }
            let code = try columns.value("offence_code", in: row)
            let title = try columns.value("title", in: row)
            let subgroupText = try columns.value("subgroup", in: row)
            let daysText = try columns.value("cchi_days", in: row)
            let vawgText = try columns.value("vawg", in: row)
            guard !code.isEmpty, code.count <= 32 else { throw fail("offence_code must be 1-32 characters") }
            if let earlier = lineOfCode[code] { throw fail("offence_code '\(code)' already appears on line \(earlier)") }
            guard !title.isEmpty else { throw fail("title is empty for offence_code '\(code)'") }
            guard let subgroup = Subgroup(rawValue: subgroupText) else {
                throw fail(
                    "subgroup '\(subgroupText)' is not one of \(Subgroup.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            guard let harm = Harm(decimal: Substring(daysText)) else {
                throw fail("cchi_days '\(daysText)' must be a number >= 0 with at most two decimal places, such as 182.25")
            }
            guard harm <= Self.maximumHarm else {
                throw fail("cchi_days '\(daysText)' is more than \(Self.maximumHarm) days, which no sentence reaches")
            }
            guard vawgText == "0" || vawgText == "1" else { throw fail("vawg '\(vawgText)' must be 0 or 1") }
            lineOfCode[code] = row.line
            offences.append(HarmOffence(code: code, title: title, subgroup: subgroup, harm: harm, vawg: vawgText == "1"))
        }
        guard !offences.isEmpty else { throw DataFileError(file: file, line: nil, problem: "the table has no rows") }
        self.init(offences: offences)
    }

    /// Reads a table from disk (`--harm-table`, `HARMRANK_HARM_TABLE`).
    public init(contentsOf path: String) throws(DataFileError) {
        try self.init(csv: try readDataFile(path), file: path)
    }

    /// The table shipped with HarmRank, built from public CCHI figures (README, "The default harm table").
    public static func shipped() throws(DataFileError) -> HarmTable {
        try HarmTable(csv: try readResource("harm-table.csv"), file: "harm-table.csv (shipped)")
    }

    /// The table in its CSV format, rows in table order; `title` quoted where it needs to be.
    public var csv: String {
        var lines = [Self.header.joined(separator: ",")]
        for offence in offences {
            lines.append(
                [offence.code, offence.title, offence.subgroup.rawValue, offence.harm.description, offence.vawg ? "1" : "0"]
                    .map(csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// `value` as a CSV field: quoted, with quotes doubled, when it holds a comma, a quote or a line break.
public func csvField(_ value: String) -> String {
    guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
    return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
}

func readDataFile(_ path: String) throws(DataFileError) -> String {
    do {
        return try String(contentsOfFile: path, encoding: .utf8)
    } catch {
        throw DataFileError(file: path, line: nil, problem: "cannot be read as UTF-8 text (\(error.localizedDescription))")
    }
}

/// A file shipped in `bundle`'s `Resources` folder (a `.resources` folder installed beside the executable).
package func readResource(_ name: String, in bundle: Bundle = .module) throws(DataFileError) -> String {
    guard let url = bundle.url(forResource: name, withExtension: nil, subdirectory: "Resources") else {
        throw DataFileError(
            file: name, line: nil,
            problem: "is missing from the installation (\(bundle.bundleURL.lastPathComponent) beside the executable)")
    }
    return try readDataFile(url.path)
}
