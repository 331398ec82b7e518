import ArgumentParser
import Foundation
import Shared

/// `harmrank fairness FILE...`: whether each list leans on one part of London (CONTRACT.md section 11).
struct FairnessCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fairness",
        abstract: "Per borough and month: each list's people, their share of its score, and the borough's share of its offences.",
        discussion: """
            Scores the records' latest versions as the services do and takes each list's top --size at the end of \
            every month. A person counts in the borough where most of their harm in the list was recorded, and \
            their score is shared among boroughs by that harm; a ward counts in its borough. A borough whose \
            share of a list's score is more than --factor times its share of the list's offences, or less than \
            that share divided by --factor, is noted (unless it holds under --minimum-share of the offences). \
            No protected characteristic is used: the records carry none. Prints the last month's table and every \
            note; --json writes every month, --svg a chart of the last month. Example: \
            harmrank generate --crimes 200000 -o year.ndjson && harmrank fairness year.ndjson --svg fairness.svg
            """)

    @Argument(help: "NDJSON offence records; '-' reads standard input.")
    var files: [String]

    @Option(help: "How many people (or wards) of each list are looked at.")
    var size = 100

    @Option(help: "How far a borough's share of a list's score may depart from its share of the list's offences, as a factor, before it is noted.")
    var factor = 1.5

    @Option(help: "Boroughs with less than this share of a list's offences (percent) are shown but not noted: too few to judge.")
    var minimumShare = 0.5

    @Option(help: "Write every month's table as JSON to this file.")
    var json: String?

    @Option(help: "Write a chart of the last month as SVG to this file.")
    var svg: String?

    @OptionGroup var referenceData: ReferenceDataOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one NDJSON file, or '-' for standard input") }
        guard (1...10_000).contains(size) else { throw ValidationError("--size must be from 1 to 10000") }
        guard factor > 1 else { throw ValidationError("--factor must be above 1, for example 1.5") }
        guard (0...100).contains(minimumShare) else { throw ValidationError("--minimum-share must be a percentage from 0 to 100") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let (harmTable, wards) = try referenceData.load()
        let read = try await OffenceFiles.read(files, harmTable: harmTable, wards: wards)
        print(read.summary)
        let report = FairnessReport(
            records: read.offences, harmTable: harmTable, wards: wards, size: size, factor: factor,
            minimumOffenceShare: Int(minimumShare * 100))
        guard let lastMonth = report.rows.last?.month else {
            throw ValidationError("no record counts for any list: nothing to report")
        }
        let months = Set(report.rows.map(\.month)).sorted()
        print("months \(months.first!) to \(lastMonth); each list's top \(size) at the end of each month; noted beyond x\(factor)")
        for list in FairnessReport.lists {
            print("")
            print("\(list.rawValue), end of \(lastMonth)")
            print("borough".padding(toLength: 24, withPad: " ", startingAt: 0) + "in top".leftPadded(8) + "score %".leftPadded(9)
                + "offences %".leftPadded(12) + "ratio".leftPadded(7))
            for row in report.rows where row.month == lastMonth && row.list == list {
                print(
                    row.borough.padding(toLength: 24, withPad: " ", startingAt: 0) + String(row.entities).leftPadded(8)
                        + Self.percent(row.scoreShare).leftPadded(9) + Self.percent(row.offenceShare).leftPadded(12)
                        + (row.ratio.map { String(format: "%.2f", $0) } ?? "-").leftPadded(7) + (row.flagged ? "  noted" : ""))
            }
        }
        let notes = report.rows.filter(\.flagged)
        print("")
        print(notes.isEmpty ? "no borough departs from its share of offences by more than x\(factor) in any month" : "notes:")
        for row in notes {
            let direction = row.scoreShare > row.offenceShare ? "over" : "under"
            print(
                "  \(row.month) \(row.list.rawValue): \(row.borough) holds \(Self.percent(row.scoreShare))% of the score "
                    + "and \(Self.percent(row.offenceShare))% of the offences (\(direction)-represented)")
        }
        if let json {
            try JSONEncoder.api.encode(Report(report)).write(to: URL(fileURLWithPath: json))
            print("wrote \(json)")
        }
        if let svg {
            try Data(FairnessChart(report, month: lastMonth).svg.utf8).write(to: URL(fileURLWithPath: svg))
            print("wrote \(svg)")
        }
        print(String(format: "reported in %.2f s", started.duration(to: .now).inSeconds))
    }

    static func percent(_ perTenThousand: Int) -> String { String(format: "%.2f", Double(perTenThousand) / 100) }

    /// The JSON: the settings, then every row.
    struct Report: Encodable {
        struct Row: Encodable {
            let month: String
            let list: String
            let borough: String
            let entities: Int
            let scorePercent: Double
            let offencePercent: Double
            let noted: Bool
        }
        let size: Int
        let factor: Double
        let rows: [Row]

        init(_ report: FairnessReport) {
            size = report.size
            factor = report.factor
            rows = report.rows.map {
                Row(
                    month: $0.month, list: $0.list.rawValue, borough: $0.borough, entities: $0.entities,
                    scorePercent: Double($0.scoreShare) / 100, offencePercent: Double($0.offenceShare) / 100, noted: $0.flagged)
            }
        }
    }
}
