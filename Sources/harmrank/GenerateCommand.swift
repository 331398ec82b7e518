import ArgumentParser
import Foundation
import Shared

/// `harmrank generate`: synthetic London offence records as NDJSON, the same for the same seed.
struct GenerateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate",
        abstract: "Writes synthetic London offence records (NDJSON), seeded: revisions, duplicates, stale versions and bad records included.")

    @Option(help: "Seed: the same seed gives the same records.")
    var seed: UInt64 = 1

    @Option(help: "Crimes to generate (a London year is about 900,000); revisions, duplicates and bad records come on top.")
    var crimes = 100_000

    @Option(help: "First day crimes occur on, YYYY-MM-DD (UTC).")
    var start = "2025-01-01"

    @Option(help: "Days the crimes span.")
    var days = 365

    @Option(help: "Share of lines that are bad records, 0 to 0.5.")
    var badShare = 0.003

    @Option(name: .shortAndLong, help: "Write to this file instead of standard output.")
    var output: String?

    func validate() throws {
        guard crimes > 0 else { throw ValidationError("--crimes must be positive") }
        guard days > 0 else { throw ValidationError("--days must be positive") }
        guard (0...0.5).contains(badShare) else { throw ValidationError("--bad-share must be from 0 to 0.5") }
        _ = try startInstant()
    }

    func startInstant() throws -> Instant {
        guard case .success(let instant) = Instant.parseRFC3339(start + "T00:00:00Z") else {
            throw ValidationError("--start '\(start)': use a date as YYYY-MM-DD")
        }
        return instant
    }

    func run() throws {
        var options = LondonGenerator.Options(start: try startInstant())
        options.seed = seed
        options.crimes = crimes
        options.days = days
        options.badShare = badShare
        let generator = LondonGenerator(options: options, wards: try WardRegistry.shipped(), harmTable: try HarmTable.shipped())
        let lines = generator.lines()
        var text = lines.map(\.text).joined(separator: "\n")
        text.append("\n")
        if let output {
            try text.write(toFile: output, atomically: true, encoding: .utf8)
            FileHandle.standardError.write(Data("wrote \(text.utf8.count { $0 == UInt8(ascii: "\n") }) records to \(output)\n".utf8))
        } else {
            FileHandle.standardOutput.write(Data(text.utf8))
        }
    }
}
