import Foundation
import Testing

/// `harmrank import-policeuk` and `harmrank evaluate-hotspots` on the police.uk sample the project ships.
@Suite struct PoliceUKCommandTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/policeuk-met-2023-01-sample.csv")

    @Test func theImportPlacesRowsByTheirPointAndNamesWhatItSkippedWithExamples() async throws {
        let output = try temporaryDirectory().appendingPathComponent("sample.ndjson")
        let importing = try ChildProcess("harmrank", ["import-policeuk", Self.sample.path, "-o", output.path])
        #expect(await importing.exitStatus(within: .seconds(60)) == 0, "\(importing.errors)")
        #expect(importing.errors.contains("3295 placed by their point, 0 by their LSOA"), "\(importing.errors)")
        #expect(importing.errors.contains("skipped, outside the registry    6"), "\(importing.errors)")
        #expect(importing.errors.contains("e.g. outside the registry: 8536e93fb3ce (LSOA E01031444, -0.681541 50.792113)"))
        #expect(try String(contentsOf: output, encoding: .utf8).split(separator: "\n").count == 3295)
    }

    /// Four months made of the sample's one, given to the evaluation as police.uk CSVs, without importing first.
    @Test func theEvaluationReadsPoliceUKFilesAsTheyAreAndSaysWhatItRead() async throws {
        let directory = try temporaryDirectory()
        let text = try String(contentsOf: Self.sample, encoding: .utf8)
        var files: [String] = []
        for month in ["2022-10", "2022-11", "2022-12", "2023-01"] {
            let file = directory.appendingPathComponent("\(month)-metropolitan-street.csv")
            // Each month's crimes need ids of their own, or the later months would be read as new versions.
            let rows = text.split(separator: "\n").enumerated().map { index, row in
                index == 0 || row.hasPrefix(",") ? String(row) : month.replacingOccurrences(of: "-", with: "") + row
            }
            try (rows.joined(separator: "\n") + "\n").replacingOccurrences(of: ",2023-01,", with: ",\(month),")
                .write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        let evaluating = try ChildProcess("harmrank", ["evaluate-hotspots"] + files + ["--test-months", "1", "--no-sensitivity"])
        #expect(await evaluating.exitStatus(within: .seconds(120)) == 0, "\(evaluating.errors) \(evaluating.output)")
        let lines = evaluating.output.split(separator: "\n").map(String.init)
        #expect(lines.first == "read 13180 records: 13180 valid, 0 rejected", "\(lines.prefix(3))")
        #expect(evaluating.output.contains("rows read                        16000"))
        #expect(evaluating.output.contains("test months: 2023-01"), "\(evaluating.output)")
    }
}
