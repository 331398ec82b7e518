import Foundation
import Logging
import ServiceLifecycle
import Shared

/// The alerts on Kafka, as every replica keeps them: it follows `alerts.dauntless` (what the leader published) and
/// `alerts.changelog` (what it recorded: alerts, deliveries, and the steps people took) from their oldest messages, and takes
/// each into the `AlertStore`. A replica on an empty data directory so rebuilds every alert, and a replica elected
/// leader first reads both topics to their ends (`caughtUp`), so it publishes and delivers only what no leader has.
///
/// The leader publishes an alert on `alerts.dauntless` before it records it on the changelog: one killed between
/// the two has its alert found on `alerts.dauntless` by the next, which records it without publishing it again.
final class AlertChangelog: Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let published: TopicTail
    private let recorded: TopicTail

    init(
        store: AlertStore, producer: KafkaProducer, kafka: KafkaConfiguration, topics: TopicCatalogue, coolDown: Int64,
        routing: AlertRouting, outbox: Doorbell, logger: Logger
    ) throws {
        self.producer = producer
        topic = topics.alertsChangelog
        let take = Taking(store: store, coolDown: coolDown, routing: routing, outbox: outbox, logger: logger)
        published = try TopicTail(kafka: kafka, topic: topics.alertsDauntless, logger: logger) { message in
            try take.published(message)
        }
        recorded = try TopicTail(kafka: kafka, topic: topics.alertsChangelog, logger: logger) { message in
            try take.recorded(message)
        }
    }

    /// The tails, to run beside NotifyService's other services.
    var services: [Service] { [published, recorded] }

    /// Returns once every message both topics hold now is in the store.
    func caughtUp() async throws {
        try await published.caughtUp()
        try await recorded.caughtUp()
    }

    /// Returns once every message the changelog holds now is in the store: a step just recorded has then been taken
    /// in as every replica takes it, in the changelog's order, so should another replica's step on the same alert
    /// have come first, the store shows that one here too.
    func taken() async throws {
        try await recorded.caughtUp()
    }

    /// Erases `keys` from the changelog (tombstones, which compaction turns into nothing); returns once Kafka has
    /// acknowledged them.
    func erase(_ keys: [String]) async throws {
        guard !keys.isEmpty else { return }
        try await producer.send(keys.map { OutgoingMessage(topic: topic, key: $0, value: nil) })
    }

    /// Writes `facts` to the changelog; returns once Kafka has acknowledged them.
    func record(_ facts: [AlertChangelogMessage]) async throws {
        guard !facts.isEmpty else { return }
        try await producer.send(facts.map { $0.outgoing(topic: topic) })
    }

    /// What the tails do with each message: a store write that fails is thrown, and the tail hands the message over
    /// again; a message HarmRank did not write is logged and passed over.
    private struct Taking: Sendable {
        let store: AlertStore
        let coolDown: Int64
        let routing: AlertRouting
        /// Rung when a step read here is taken in, so a leader publishes its version at once.
        let outbox: Doorbell
        let logger: Logger

        func published(_ message: KafkaMessage) throws {
            guard let value = message.value, let alert = try? JSONDecoder().decode(Alert.self, from: Data(value)) else {
                logger.error("\(message.topicPartition)@\(message.offset): passed over: not an alert HarmRank wrote")
                return
            }
            try store.adopt(alert, recorded: false, coolDown: coolDown, webhooks: routing.webhooks(for: alert), at: .now)
        }

        func recorded(_ message: KafkaMessage) throws {
            // A tombstone: an alert past its retention, erased by a replica that purged it; each replica purges
            // its own store by the same rule.
            guard message.value != nil else { return }
            let fact: AlertChangelogMessage
            do {
                fact = try AlertChangelogMessage.decode(message.value ?? [])
            } catch {
                logger.error("\(message.topicPartition)@\(message.offset): passed over: \(error)")
                return
            }
            switch fact {
            case .alert(let alert):
                try store.adopt(alert, recorded: true, coolDown: coolDown, webhooks: routing.webhooks(for: alert), at: .now)
            case .delivered(let alertId, let url, let at): try store.delivered(alertId: alertId, url: url, at: at)
            case .acknowledged(let alertId, let by, let at):
                _ = try store.acknowledge(alertId, by: by, at: at)
                outbox.ring()
            case .assigned(let alertId, let assignee, let by, let at):
                _ = try store.assign(alertId, to: assignee, by: by, at: at)
                outbox.ring()
            case .closed(let alertId, let outcome, let note, let by, let at):
                _ = try store.close(alertId, outcome: outcome, note: note, by: by, at: at)
                outbox.ring()
            }
        }
    }
}
