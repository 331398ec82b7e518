import Foundation
import Shared

/// NDJSON offence records read from files for a command that works on history (`evaluate-hotspots`, `fairness`):
/// every line judged as IngestService judges it, on the event clock, with the rejected counted by reason.
struct OffenceFiles {
    /// Non-blank lines read.
    let lines: Int
    /// The valid records, every version, in file order.
    let offences: [OffenceRecord]
    /// Lines rejected, by reason.
    let rejected: [Rejection.Reason: Int]

    /// `read N records: V valid, R rejected (reason n, ...)`.
    var summary: String {
        let reasons = rejected.isEmpty
            ? ""
            : " (" + rejected.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \($0.value)" }
                .joined(separator: ", ") + ")"
        return "read \(lines) records: \(offences.count) valid, \(rejected.values.reduce(0, +)) rejected\(reasons)"
    }

    /// Reads `files` ('-' for standard input).
    static func read(_ files: [String], harmTable: HarmTable, wards: WardRegistry) async throws -> OffenceFiles {
        var lines: [[UInt8]] = []
        for file in files {
            var reader = try LineReader(file)
            while let line = reader.next() {
                guard line.contains(where: { $0 != UInt8(ascii: " ") && $0 != UInt8(ascii: "\r") }) else { continue }
                lines.append(line)
            }
        }
        let (offences, rejected) = await validate(
            lines, with: OffenceValidator(harmTable: harmTable, wards: wards, clockMode: .event))
        return OffenceFiles(lines: lines.count, offences: offences, rejected: rejected)
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
