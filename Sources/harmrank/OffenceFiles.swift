import Foundation
import Shared

/// Offence records read from files for a command that works on history (`evaluate-hotspots`, `fairness`): NDJSON
/// records, or police.uk street-level CSVs imported as `harmrank import-policeuk` would (told apart by their
/// header); every record judged as IngestService judges it, on the event clock, with the rejected counted by reason.
struct OffenceFiles {
    /// Records read: non-blank NDJSON lines and the police.uk rows imported.
    let lines: Int
    /// The valid records, every version, in file order.
    let offences: [OffenceRecord]
    /// Lines rejected, by reason.
    let rejected: [Rejection.Reason: Int]
    /// What became of the police.uk rows read, if any were.
    let policeUK: PoliceUKImport.Counts?

    /// `read N records: V valid, R rejected (reason n, ...)`.
    var summary: String {
        let reasons = rejected.isEmpty
            ? ""
            : " (" + rejected.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
                .joined(separator: ", ") + ")"
        let imported = policeUK.map { "\n" + ImportPoliceUKCommand.summary($0).trimmingCharacters(in: .newlines) } ?? ""
        return "read \(lines) records: \(offences.count) valid, \(rejected.values.reduce(0, +)) rejected\(reasons)\(imported)"
    }

    /// Reads `files` ('-' for standard input).
    static func read(_ files: [String], harmTable: HarmTable, wards: WardRegistry) async throws -> OffenceFiles {
        var lines: [[UInt8]] = []
        var policeUK: PoliceUKImport.Counts?
        var importer: PoliceUKImport?
        for file in files {
            if file != "-", let text = try? String(contentsOfFile: file, encoding: .utf8),
                text.hasPrefix(PoliceUKImport.header[0] + ",") || text.hasPrefix("\u{FEFF}" + PoliceUKImport.header[0] + ",")
            {
                if importer == nil {
                    importer = try PoliceUKImport(
                        harmTable: harmTable, wards: wards, lsoas: try LSOALookup.shipped(wards: wards),
                        boundaries: try WardBoundaries.shipped())
                }
                var counts = policeUK ?? PoliceUKImport.Counts()
                lines += try importer!.records(csv: text, file: file, counts: &counts).map { Array($0.utf8) }
                policeUK = counts
                continue
            }
            var reader = try LineReader(file)
            while let line = reader.next() {
                guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
                lines.append(line)
            }
        }
        let (offences, rejected) = await validate(
            lines, with: OffenceValidator(harmTable: harmTable, wards: wards, clockMode: .event))
        return OffenceFiles(lines: lines.count, offences: offences, rejected: rejected, policeUK: policeUK)
    }

    /// Validation is most of the time a year of all crime types takes, so it runs on every core, in file order.
    private static func validate(_ lines: [[UInt8]], with validator: OffenceValidator) async -> ([OffenceRecord], [Rejection.Reason: Int]) {
        let chunks = max(1, ProcessInfo.processInfo.activeProcessorCount)
        let size = (lines.count + chunks - 1) / chunks
        let parts = await withTaskGroup(of: (Int, [OffenceRecord], [Rejection.Reason: Int]).self) { group in
            for chunk in 0..<chunks {
                group.addTask {
                    var offences: [OffenceRecord] = []
                    var rejected: [Rejection.Reason: Int] = [:]
                    for line in lines[min(lines.count, chunk * size)..<min(lines.count, (chunk + 1) * size)] {
                        switch validator.validate(line, receivedAt: .now) {
                        case .success(let offence): offences.append(offence)
                        case .failure(let rejection): rejected[rejection.reason, default: 0] += 1
                        }
                    }
                    return (chunk, offences, rejected)
                }
            }
            return await group.reduce(into: []) { $0.append($1) }.sorted { $0.0 < $1.0 }
        }
        return (parts.flatMap(\.1), parts.reduce(into: [:]) { $0.merge($1.2, uniquingKeysWith: +) })
    }
}
