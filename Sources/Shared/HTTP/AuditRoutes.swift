import Foundation
import Hummingbird

/// `GET /v1/audit?since=&principal=&limit=` (admin): the audit log's latest entries, those at or after `since` and by
/// `principal` when given, and whether its chain is whole. Reading it is itself a read of who looked at whom, so it
/// is audited too.
public struct AuditRoutes: Sendable {
    let log: AuditLog

    public init(log: AuditLog) { self.log = log }

    struct Answer: Encodable {
        /// Entries in the file.
        var entries: Int
        /// `whole`, or where and how it breaks.
        var chain: String
        /// The latest `limit` entries that match, oldest first.
        var latest: [Entry]
    }

    struct Entry: Codable {
        var at: String
        var principal: String
        var address: String?
        var read: String
        var previous: String?
    }

    public func register(on router: Router<HarmRankRequestContext>) {
        router.requiring(.admin).get("/v1/audit") { request, context in
            let query = request.uri.queryParameters
            let limit = try Self.limit(query["limit"])
            let since = try query.instant("since")
            let principal = query["principal"].map(String.init)
            let text = (try? String(contentsOfFile: log.path, encoding: .utf8)) ?? ""
            let (entries, broken) = AuditChain.verify(text)
            let matching = text.split(separator: "\n").lazy.compactMap { line in
                try? JSONDecoder().decode(Entry.self, from: Data(line.utf8))
            }.filter { entry in
                (principal.map { entry.principal == $0 } ?? true)
                    && (since.map { since in (try? Instant.parseRFC3339(entry.at).get()).map { $0 >= since } ?? false } ?? true)
            }
            let latest = Array(matching.suffix(limit))
            log.record(
                context,
                read: "audit log, latest \(latest.count) entries" + (principal.map { " by \($0)" } ?? "")
                    + (since.map { " since \($0.rfc3339)" } ?? ""))
            return try jsonResponse(Answer(entries: entries, chain: broken.map { "broken at \($0)" } ?? "whole", latest: latest))
        }
    }

    static func limit(_ text: Substring?) throws -> Int {
        guard let text else { return 100 }
        guard let limit = Int(text), (1...10_000).contains(limit) else {
            throw APIError(.badRequest, code: "invalid-parameter", detail: "limit '\(text)' must be a whole number from 1 to 10000")
        }
        return limit
    }
}
