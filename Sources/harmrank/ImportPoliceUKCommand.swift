import ArgumentParser
import Foundation
import Shared

/// `harmrank import-policeuk FILE...`: police.uk street-level CSVs as place-only offence records (NDJSON), for
/// `harmrank publish` or `harmrank evaluate-hotspots`.
struct ImportPoliceUKCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-policeuk",
        abstract: "Converts police.uk street-level crime CSVs into place-only offence records (NDJSON).",
        discussion: """
            Each crime becomes version 1 of crimeRef 'puk:<crime id>', at the first instant (UTC) of its month, \
            with the offence code of its subgroup's first row in the harm table, the ward whose boundary holds its \
            point (else the ward its LSOA best fits) and the published point. Anti-social behaviour, rows outside the ward registry and rows without a crime \
            id are skipped; the counts go to standard error. Example: \
            harmrank import-policeuk 2023-*-metropolitan-street.csv | harmrank publish -
            """)

    @Argument(help: "police.uk street-level CSV files.")
    var files: [String]

    @Option(name: .shortAndLong, help: "Write the records to this file instead of standard output.")
    var output: String?

    @OptionGroup var referenceData: ReferenceDataOptions

    func validate() throws {
        guard !files.isEmpty else { throw ValidationError("name at least one police.uk CSV file") }
    }

    func run() throws {
        let (harmTable, wards) = try referenceData.load()
        let importer = try PoliceUKImport(
            harmTable: harmTable, wards: wards, lsoas: try LSOALookup.shipped(wards: wards), boundaries: try WardBoundaries.shipped())
        var counts = PoliceUKImport.Counts()
        var text = ""
        for file in files {
            let before = counts
            let csv: String
            do { csv = try String(contentsOfFile: file, encoding: .utf8) } catch {
                throw ValidationError("cannot read '\(file)' as UTF-8 text: \(error.localizedDescription)")
            }
            for record in try importer.records(csv: csv, file: file, counts: &counts) {
                text += record
                text += "\n"
            }
            FileHandle.standardError.write(Data("\(file): \(counts.rows - before.rows) rows, \(counts.imported - before.imported) imported\n".utf8))
        }
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
        FileHandle.standardError.write(Data(Self.summary(counts).utf8))
    }

    static func summary(_ counts: PoliceUKImport.Counts) -> String {
        var lines = [
            "rows read                        \(counts.rows)",
            "imported                         \(counts.imported): \(counts.placedByPoint) placed by their point, \(counts.placedByLSOA) by their LSOA; \(counts.importedWithoutPoint) kept without a point (none, or outside the registry's bounds)",
            "skipped, anti-social behaviour   \(counts.antisocialBehaviour)",
            "skipped, outside the registry    \(counts.outsideRegistry) (neither the point nor the LSOA in a ward)",
            "skipped, no crime id             \(counts.withoutCrimeID)",
            "skipped, month not YYYY-MM       \(counts.badMonth)",
        ]
        for (type, count) in counts.unknownType.sorted(by: { $0.key < $1.key }) {
            lines.append("skipped, unknown crime type      \(count) '\(type)'")
        }
        for (reason, examples) in counts.examples.sorted(by: { $0.key < $1.key }) {
            lines.append("  e.g. \(reason): \(examples.joined(separator: "; "))")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
