import ArgumentParser
import Foundation
import Shared

/// `harmrank top LIST`: a list as a table in the terminal, read from RankService's API (so the read is audited).
struct TopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "top",
        abstract: "Shows a ranked list (vawg100, violence-harm, stop-search-wards, dauntless, hotspots) as a table.")

    @Argument(help: "The list.")
    var list: String

    @Option(help: "Entries to show.")
    var limit = 20

    @Option(help: "RankService's address.")
    var url = "http://127.0.0.1:8080"

    @Option(help: "Bearer token (default: the development token in tokens.txt of the data dir).")
    var token: String?

    @Option(help: "Directory holding tokens.txt (HARMRANK_DATA_DIR; default ./.harmrank).")
    var dataDir: String?

    func run() async throws {
        let token = try token ?? developmentToken()
        let (body, status) = try await authenticatedGet(URL(string: "\(url)/v1/lists/\(list)?limit=\(limit)")!, token: token)
        let json = try JSONSerialization.jsonObject(with: body) as? [String: Any] ?? [:]
        guard status == 200 else {
            throw ValidationError("\(json["error"] ?? "error"): \(json["detail"] ?? String(decoding: body, as: UTF8.self))")
        }
        print(Self.table(json))
    }

    private func developmentToken() throws -> String {
        let file = SettingSource().dataDirectory(dataDir).appendingPathComponent("tokens.txt")
        guard let text = try? String(contentsOf: file, encoding: .utf8),
            let line = text.split(separator: "\n").first(where: { !$0.hasPrefix("#") && $0.split(separator: " ").count >= 3 })
        else {
            throw ValidationError("no token: pass --token, or run 'harmrank up' (it writes \(file.path))")
        }
        return String(line.split(separator: " ")[0])
    }

    /// The list as aligned columns: rank, id, score, offences, last offence, then the list's own columns.
    static func table(_ json: [String: Any]) -> String {
        let entries = json["entries"] as? [[String: Any]] ?? []
        var rows = [["rank", "id", "score", "offences", "last offence"]]
        let wards = json["entity"] as? String == "ward"
        let dauntless = json["name"] as? String == "dauntless"
        if wards { rows[0] += ["ward", "borough"] }
        if dauntless { rows[0] += ["H", "F", "G", "R", "V", "rfg"] }
        for entry in entries {
            var row = [
                "\(entry["rank"] ?? "")", "\(entry["id"] ?? "")",
                Harm(roundingDays: (entry["score"] as? Double) ?? 0).description,
                "\(entry["offences"] ?? "")", String((entry["lastOffenceAt"] as? String ?? "").prefix(10)),
            ]
            if wards { row += [entry["name"] as? String ?? "", entry["borough"] as? String ?? ""] }
            if dauntless, let c = entry["components"] as? [String: Any] {
                row += ["harm", "frequency", "gravity", "recencyDays", "victims", "rfg"].map { "\(c[$0] ?? "")" }
            }
            rows.append(row)
        }
        let widths = rows[0].indices.map { column in rows.map { column < $0.count ? $0[column].count : 0 }.max() ?? 0 }
        let lines = rows.map { row in
            row.enumerated().map { $1.padding(toLength: widths[$0], withPad: " ", startingAt: 0) }.joined(separator: "  ")
        }
        let heading = "\(json["name"] ?? "") as of \(json["asOf"] ?? "-"): \(entries.count) of \(json["total"] ?? 0)"
        return ([heading] + lines).joined(separator: "\n")
    }
}
