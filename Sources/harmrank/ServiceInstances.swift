import ArgumentParser

/// How many instances of each service `up` runs, as `--instances ingest=2,score=3` says; one of each unless given.
struct ServiceInstances: Equatable {
    /// The short names the option takes, by service.
    static let shortNames = ["ingest": "IngestService", "score": "ScoreService", "rank": "RankService", "notify": "NotifyService"]
    /// Services whose instances share their group's partitions.
    static let sharing: Set<String> = ["IngestService", "ScoreService"]
    /// Services whose instances are replicas: each reads every partition (a group of its own) and one, elected,
    /// publishes.
    static let replicated: Set<String> = ["RankService", "NotifyService"]

    private var counts: [String: Int] = [:]

    init() {}

    /// Reads `ingest=2,score=3`; throws naming the part that is wrong and what is allowed.
    init(parsing text: String) throws {
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pair = part.split(separator: "=", omittingEmptySubsequences: false)
            guard pair.count == 2, let service = Self.shortNames[String(pair[0])] else {
                throw ValidationError(
                    "--instances '\(part)': write <service>=<count>, comma-separated, with service one of "
                        + "ingest, score, rank, notify (for example ingest=2,score=3)")
            }
            guard let count = Int(pair[1]), (1...16).contains(count) else {
                throw ValidationError("--instances '\(part)': the count must be a whole number from 1 to 16")
            }
            counts[service] = count
        }
    }

    /// How many instances of `service` (its full name) to run.
    func count(of service: String) -> Int { counts[service] ?? 1 }
}
