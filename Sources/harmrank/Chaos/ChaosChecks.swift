import Foundation
import Logging
import Shared
import Synchronization
import TestSupport

/// What a chaos run must end with, once the services have finished the input: each check printed, and false when
/// any failed.
///
/// - the services finish: IngestService has judged every record and no instance's group lags;
/// - every record accounted for: IngestService's outcomes over all its instances equal the recomputation's
///   (accepted, duplicate, stale, rejected), and each rejected record has its dead letter;
/// - nothing lost: no instance reports missing messages, and every instance is ready;
/// - every list of every RankService replica, and the last snapshot of each list on `rankings`, equal the
///   recomputation, and each list's versions on `rankings` rise by one from the oldest held, none used twice;
/// - no version of an alert on `alerts.dauntless` twice, every alert there delivered to the webhook at least once, and every
///   NotifyService replica showing exactly those alerts.
struct ChaosChecks {
    let stack: ServiceStack
    let kafka: KafkaConfiguration
    let topics: TopicCatalogue
    let token: String
    let webhook: ChaosWebhook
    let expected: Recomputation
    let records: Int
    let logger: Logger
    let say: (String) -> Void

    func run(settle: Duration) async throws -> Bool {
        let settled = await eventually(within: settle) { await self.settled() }
        var failures: [String] = []
        func check(_ passed: Bool, _ what: String, _ detail: @autoclosure () -> String) {
            say((passed ? "ok    " : "FAIL  ") + what + (passed ? "" : ": " + detail()))
            if !passed { failures.append(what) }
        }
        check(settled, "every record judged and every group caught up", "not within \(settle)")

        var outcomes: [String: Int] = [:]
        for port in ports(of: "IngestService") {
            outcomes.merge(try await status(port)?["outcomes"] as? [String: Int] ?? [:], uniquingKeysWith: +)
        }
        let want = [
            "accepted": expected.accepted, "duplicate": expected.duplicates, "stale": expected.stale,
            "rejected": expected.rejections.count,
        ].filter { $0.value > 0 }
        check(outcomes == want, "every record accounted for (\(records))", "counted \(outcomes), expected \(want)")
        let deadLetters = try await deadLetterSources()
        check(deadLetters == expected.rejections.count, "a dead letter for every rejected record",
              "\(deadLetters) records dead-lettered, \(expected.rejections.count) rejected")

        var unready: [String] = []
        var missing = 0
        for (service, port) in zip(stack.services, stack.ports) {
            let status = try await status(port)
            if status?["ready"] as? Bool != true { unready.append(service.name) }
            missing += status?["messagesMissing"] as? Int ?? 0
        }
        check(unready.isEmpty && missing == 0, "nothing lost, every instance ready",
              "\(missing) messages missing; not ready: \(unready.joined(separator: ", "))")

        let lists = expected.lists()
        // Every replica settles within a publish interval or two of the last score; the publisher too, unless it
        // was struck last and its successor is still being elected.
        var wrong: [String] = []
        var (latest, versionProblems) = ([String: RankingMessage](), [String]())
        var snapshotsWrong: [HarmList] = []
        _ = await eventually(within: .seconds(90)) {
            wrong = await self.listsDiffering(from: lists)
            guard let read = try? await self.rankings() else { return false }
            (latest, versionProblems) = read
            snapshotsWrong = HarmList.scoredFromCrimes.filter { list in
                let shown = list == .stopSearchWards ? self.expected.wards.wards.count : 100
                return latest[list.rawValue]?.entries.map(\.id) != lists[list]!.prefix(shown).map(\.id)
            }
            return wrong.isEmpty && snapshotsWrong.isEmpty
        }
        check(wrong.isEmpty, "every list of every RankService replica exact", wrong.joined(separator: "; "))
        check(snapshotsWrong.isEmpty, "the last snapshot of every list on rankings exact",
              snapshotsWrong.map(\.rawValue).joined(separator: ", "))
        check(versionProblems.isEmpty, "every list's versions on rankings rising by one", versionProblems.joined(separator: "; "))

        var alertProblems: [String] = []
        _ = await eventually(within: .seconds(120)) {
            alertProblems = (try? await self.alertProblems()) ?? ["the alert topic could not be read"]
            return alertProblems.isEmpty
        }
        let sent = Set(try await alertsSent().map(\.id))
        check(alertProblems.isEmpty, "\(sent.count) alerts: each version on alerts.dauntless once, delivered, on every replica",
              alertProblems.joined(separator: "; "))
        say("webhook: \(webhook.delivered.values.reduce(0, +)) deliveries taken, \(webhook.refused) refused while it failed")
        return failures.isEmpty
    }

    // MARK: The services

    private func ports(of service: String) -> [Int] {
        zip(stack.services, stack.ports).filter { $0.0.name == service || $0.0.name.hasPrefix(service + "-") }.map(\.1)
    }

    private func answer(_ port: Int, _ path: String) async throws -> Any? {
        guard let (body, status) = try? await authenticatedGet(URL(string: "http://127.0.0.1:\(port)\(path)")!, token: token),
            status == 200
        else { return nil }
        return try JSONSerialization.jsonObject(with: body)
    }

    private func status(_ port: Int) async throws -> [String: Any]? { try await answer(port, "/v1/status") as? [String: Any] }

    /// Every instance answers, IngestService has judged every record, and no instance lags.
    private func settled() async -> Bool {
        var judged = 0
        for port in ports(of: "IngestService") {
            judged += ((try? await status(port))??["outcomes"] as? [String: Int] ?? [:]).values.reduce(0, +)
        }
        guard judged == records else { return false }
        for port in stack.ports {
            guard let lag = (try? await status(port))??["lag"] as? [[String: Any]], !lag.isEmpty,
                lag.allSatisfy({ $0["lag"] as? Int == 0 })
            else { return false }
        }
        return true
    }

    /// How the replicas' lists differ from the recomputation, one line per list and replica.
    private func listsDiffering(from lists: [HarmList: [BruteForce.Entry]]) async -> [String] {
        var differing: [String] = []
        for port in ports(of: "RankService") {
            for list in HarmList.scoredFromCrimes {
                let shown = list == .stopSearchWards ? expected.wards.wards.count : 100
                let page = (try? await answer(port, "/v1/lists/\(list.rawValue)?limit=\(shown)")) as? [String: Any]
                let entries = page?["entries"] as? [[String: Any]] ?? []
                let got = entries.map { entry in
                    "\(entry["id"] as? String ?? "?") \(Int64((((entry["score"] as? Double) ?? -1) * 100).rounded()))"
                }
                let want = lists[list]!.prefix(shown).map { "\($0.id) \($0.score.hundredths)" }
                if got != want {
                    let first = zip(got, want).enumerated().first { $0.element.0 != $0.element.1 }?.offset ?? min(got.count, want.count)
                    differing.append("port \(port) \(list.rawValue) from rank \(first + 1)")
                }
            }
        }
        return differing
    }

    // MARK: The topics

    /// Every message `topic` holds, in partition and offset order.
    private func messages(of topic: String) async throws -> [KafkaMessage] {
        let administration = try KafkaAdministration(configuration: kafka, logger: logger)
        let count = try await administration.partitionCounts()[topic] ?? 0
        let held = try await administration.heldOffsets(of: (0..<count).map { TopicPartition(topic, $0) })
        let read = Mutex<[KafkaMessage]>([])
        try await PartitionReader.read(held, configuration: kafka, logger: logger) { batch in
            read.withLock { $0 += batch }
        }
        return read.withLock { $0 }.sorted { ($0.topicPartition, $0.offset) < ($1.topicPartition, $1.offset) }
    }

    /// Records dead-lettered, counted once each: a batch judged again after a crash sends its dead letters again,
    /// and each names the record it is about (`source`).
    private func deadLetterSources() async throws -> Int {
        var sources = Set<String>()
        for message in try await messages(of: topics.offencesRejected) {
            let json = try? JSONSerialization.jsonObject(with: Data(message.value ?? [])) as? [String: Any]
            sources.insert(json?["source"] as? String ?? "unreadable \(message.offset)")
        }
        return sources.count
    }

    /// The last snapshot of each list on `rankings`, and each list whose versions there do not rise by one.
    private func rankings() async throws -> (latest: [String: RankingMessage], problems: [String]) {
        var latest: [String: RankingMessage] = [:]
        var problems: [String] = []
        for message in try await messages(of: topics.rankings) {
            guard let snapshot = try? RankingMessage.decode(message.value ?? []) else {
                problems.append("offset \(message.offset) is not a snapshot")
                continue
            }
            // The topic is compacted (on the embedded broker, cut to its newest megabytes): a list's versions are
            // checked from the oldest held.
            if let previous = latest[snapshot.list]?.version, snapshot.version != previous + 1 {
                problems.append("\(snapshot.list) v\(snapshot.version) after v\(previous)")
            }
            latest[snapshot.list] = snapshot
        }
        return (latest, problems)
    }

    /// The alerts on `alerts.dauntless`, in order, by id and version.
    private func alertsSent() async throws -> [(id: String, version: Int)] {
        try await messages(of: topics.alertsDauntless).map { message in
            let alert = try? JSONDecoder().decode(Alert.self, from: Data(message.value ?? []))
            return (alert?.id ?? "unreadable \(message.offset)", alert?.version ?? 0)
        }
    }

    private func alertProblems() async throws -> [String] {
        let versions = try await alertsSent()
        let sent = versions.map(\.id)
        var problems: [String] = []
        let repeated = Dictionary(grouping: versions.map { "\($0.id) v\($0.version)" }, by: { $0 }).filter { $0.value.count > 1 }
            .keys.sorted()
        if !repeated.isEmpty { problems.append("on the topic more than once: \(repeated.joined(separator: " "))") }
        let undelivered = Set(sent).subtracting(webhook.delivered.keys).sorted()
        if !undelivered.isEmpty { problems.append("\(undelivered.count) never delivered, e.g. \(undelivered.prefix(3).joined(separator: " "))") }
        for port in ports(of: "NotifyService") {
            let alerts = (try? await answer(port, "/v1/alerts")) as? [String: Any]
            let shown = Set((alerts?["alerts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
            if shown != Set(sent) {
                problems.append(
                    "NotifyService on port \(port) shows \(shown.count) alerts, \(shown.subtracting(sent).count) not on the topic, "
                        + "\(Set(sent).subtracting(shown).count) of the topic's missing")
            }
        }
        return problems
    }
}

/// Polls `condition` every half second until it holds or `timeout` passes; whether it held.
func eventually(within timeout: Duration, _ condition: () async -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + timeout
    while ContinuousClock.now < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(500))
    }
    return await condition()
}
