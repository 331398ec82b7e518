import ArgumentParser
import Foundation
import Shared

struct ImportHarmTableCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import-harm-table",
        abstract: "Converts a CSV export of the official Cambridge Crime Harm Index sheet into HarmRank's harm table.",
        discussion: """
            Reads columns such as HO_CODE, HOME_OFFICE_CLASSIFICATION and CCHI Score. Prints what it inferred \
            (subgroups, VAWG, rounding, rows skipped) on standard error: check it before loading the table with \
            --harm-table.
            """)

    @Argument(help: "The CSV export of the official sheet.")
    var file: String

    @Option(name: .shortAndLong, help: "Where to write the table (default: standard output).")
    var output: String?

    @Option(help: "Which score to keep when a Home Office code has several rows: lowest, median or highest.")
    var perCode: String = CambridgeHarmTableImport.PerCode.lowest.rawValue

    func run() throws {
        guard let choice = CambridgeHarmTableImport.PerCode(rawValue: perCode) else {
            throw ValidationError("--per-code must be lowest, median or highest, not '\(perCode)'")
        }
        do {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let result = try CambridgeHarmTableImport(known: try HarmTable.shipped(), perCode: choice)
                .convert(csv: text, file: file)
            for note in result.notes { FileHandle.standardError.write(Data("note: \(note)\n".utf8)) }
            let summary = "\(result.table.offences.count) offence codes"
            if let output {
                try result.table.csv.write(toFile: output, atomically: true, encoding: .utf8)
                FileHandle.standardError.write(Data("wrote \(summary) to \(output)\n".utf8))
            } else {
                print(result.table.csv, terminator: "")
            }
        } catch let error as DataFileError {
            throw ValidationError(error.description)
        }
    }
}
