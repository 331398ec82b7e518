import ArgumentParser
import Foundation
import Logging
import Shared
import Synchronization

/// How long the lists and the alerts stop when their leader dies: two RankService and two NotifyService replicas,
/// and in each round a crime reported with every replica up (the reference), then one reported the moment both
/// leaders are killed outright. Each is timed from the moment it is sent (and the kill) to its suspect's first
/// `vawg100` snapshot on `rankings`, its alert on `alerts.dauntless`, and the alert's delivery to a webhook.
struct BenchFailoverCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-failover",
        abstract: "Measures how long after its leader is killed the next snapshot and the next alert come, against the same with no kill.")

    @Option(help: "Rounds: each a reference crime, then a crime sent as both leaders are killed.")
    var rounds = 3

    @Option(help: "The first of the ports the services take (then the webhook receiver's).")
    var httpPort = 9_600

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    func validate() throws {
        guard (1...20).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 20") }
    }

    /// Seconds from a crime's send to each effect; nil for one not seen within the round's wait.
    struct Timing: Encodable {
        var snapshot: Double?
        var alert: Double?
        var delivered: Double?
    }

    struct Round: Encodable {
        var reference: Timing
        var failover: Timing
    }

    func run() async throws {
        let logger = quietLogging("bench-failover")
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-failover-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let cluster = try CommandCluster(bootstrap: nil, logger: logger)
        let topics = TopicCatalogue(prefix: "harmrank.")
        try await cluster.createTopics(topics.specifications(partitions: 4))
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "harmrank-bench")
        let instances = try ServiceInstances(parsing: "rank=2,notify=2")
        let webhook = ChaosWebhook(port: httpPort + 6)
        webhook.start()
        defer { webhook.stop() }
        let environment = UpCommand.embeddedBrokerEnvironment.merging([
            "HARMRANK_BOOTSTRAP": cluster.bootstrapServers, "HARMRANK_DATA_DIR": directory.path,
            "HARMRANK_TOKENS": "\(TokenRegistry.randomToken()) bench admin", "HARMRANK_TOPIC_PREFIX": topics.prefix,
            "HARMRANK_PUBLISH_INTERVAL_MS": "20", "HARMRANK_WEBHOOKS": webhook.url,
            "HARMRANK_WEBHOOK_SECRET": TokenRegistry.randomToken(),
        ]) { $1 }
        let stack = ServiceStack(
            environment: environment, firstPort: httpPort, instances: instances, logDirectory: directory, logger: logger)
        try stack.start()
        let seen = Sightings()
        let tails = try [topics.rankings, topics.alertsDauntless].map { topic in
            try TopicTail(kafka: kafka, topic: topic, logger: logger) { message in seen.take(message, topics: topics) }
        }
        let following = tails.map { tail in Task { try await tail.run() } }
        defer { for task in following { task.cancel() } }
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        var figures: [Round] = []
        do {
            try await stack.waitUntilReady()
            for round in 1...rounds {
                let reference = try await timed("BENCH-REFERENCE-\(round)", producer, topics, seen, webhook)
                let leaders = ["RankService", "NotifyService"].compactMap { leader(of: $0, in: stack) }
                guard leaders.count == 2 else { throw StackError("round \(round): no leader of each found in the logs") }
                for leader in leaders { leader.crash() }
                let failover = try await timed("BENCH-FAILOVER-\(round)", producer, topics, seen, webhook)
                figures.append(Round(reference: reference, failover: failover))
                print("round \(round): killed \(leaders.map(\.name).joined(separator: " and ")); \(Self.row(reference)) with every replica up, \(Self.row(failover)) after the kill")
                try await stack.waitUntilReady(timeout: .seconds(180))
            }
        } catch {
            await producer.close()
            await stack.stop()
            throw error
        }
        await producer.close()
        await stack.stop()
        withExtendedLifetime(cluster) {}
        if let json { try JSONEncoder.api.encode(figures).write(to: URL(fileURLWithPath: json)) }
    }

    /// Sends a domestic crime by a new suspect and waits up to a minute for its snapshot, alert and delivery.
    private func timed(
        _ suspect: String, _ producer: KafkaProducer, _ topics: TopicCatalogue, _ seen: Sightings, _ webhook: ChaosWebhook
    ) async throws -> Timing {
        let crime = """
            {"crimeRef":"CR-\(suspect)","version":1,"offenceCode":"8N","occurredAt":"\(Instant.now.rfc3339)",\
            "flags":["domestic"],"suspects":["\(suspect)"],"victims":["V-\(suspect)"]}
            """
        let sent = ContinuousClock.now
        try await producer.send(PublishCommand.messages(crime, topic: topics.offencesRaw))
        var timing = Timing()
        while sent.duration(to: .now) < .seconds(60) {
            let (snapshot, alert) = seen.sighted(suspect)
            timing.snapshot = snapshot.map { sent.duration(to: $0).inSeconds }
            timing.alert = alert.map { sent.duration(to: $0).inSeconds }
            if timing.delivered == nil, let id = seen.alertId(of: suspect), webhook.delivered[id] != nil {
                timing.delivered = sent.duration(to: .now).inSeconds
            }
            if timing.snapshot != nil && timing.delivered != nil { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        return timing
    }

    /// The replica of `service` that leads now, by the last line of each replica's log that says it began or
    /// stopped leading, or that it started (a process killed outright says nothing more; its log goes on when it is
    /// started again).
    private func leader(of service: String, in stack: ServiceStack) -> SupervisedProcess? {
        stack.services.first { process in
            guard process.name == service || process.name.hasPrefix(service + "-"),
                let log = stack.logDirectory.map({ $0.appendingPathComponent("\(process.name).log") }),
                let text = try? String(contentsOf: log, encoding: .utf8)
            else { return false }
            let last = text.split(separator: "\n").last {
                $0.contains("leading: this replica") || $0.contains("no longer leading") || $0.contains("serving HTTP on")
            }
            return last?.contains("leading: this replica") == true
        }
    }

    static func row(_ timing: Timing) -> String {
        func seconds(_ value: Double?) -> String { value.map { String(format: "%.2f s", $0) } ?? "not seen" }
        return "snapshot \(seconds(timing.snapshot)), alert \(seconds(timing.alert)), delivered \(seconds(timing.delivered))"
    }

    /// When each suspect was first seen in a `vawg100` snapshot and in an alert, by this process's clock.
    final class Sightings: Sendable {
        private let state = Mutex((snapshots: [String: ContinuousClock.Instant](), alerts: [String: (ContinuousClock.Instant, String)]()))

        func take(_ message: KafkaMessage, topics: TopicCatalogue) {
            let now = ContinuousClock.now
            guard let value = message.value else { return }
            if message.topic == topics.rankings, let snapshot = try? RankingMessage.decode(value), snapshot.list == "vawg100" {
                state.withLock { state in
                    for entry in snapshot.entries where state.snapshots[entry.id] == nil { state.snapshots[entry.id] = now }
                }
            } else if message.topic == topics.alertsDauntless, let alert = try? JSONDecoder().decode(Alert.self, from: Data(value)) {
                state.withLock { state in if state.alerts[alert.suspect] == nil { state.alerts[alert.suspect] = (now, alert.id) } }
            }
        }

        func sighted(_ suspect: String) -> (snapshot: ContinuousClock.Instant?, alert: ContinuousClock.Instant?) {
            state.withLock { ($0.snapshots[suspect], $0.alerts[suspect]?.0) }
        }

        func alertId(of suspect: String) -> String? { state.withLock { $0.alerts[suspect]?.1 } }
    }
}
