import AsyncHTTPClient
import Crypto
import Foundation
import Logging
import NIOCore
import ServiceLifecycle
import Shared
import Synchronization

/// Empties the alert store's outbox, on the leader alone: every alert onto `alerts.dauntless` (key suspect), and
/// again as a new version after each step a person takes on it; each new alert then onto `alerts.changelog`, and to every webhook as a JSON POST signed with HMAC-SHA256
/// (`X-HarmRank-Signature: sha256=<hex>` over the body), each delivery recorded on the changelog. A failed delivery
/// is retried with exponential back-off (1 s doubling to an hour) and never given up: the alert stays in the store,
/// and the log shows what is pending. A redirect is a failed delivery: a signed alert goes only to the address
/// configured for it.
///
/// A replica elected leader first reads both alert topics to their ends (`AlertChangelog.caughtUp`): what its
/// predecessor published and delivered is then marked so in its store, and is not sent again.
final class AlertDelivery: Service, Sendable {
    private let store: AlertStore
    private let producer: KafkaProducer
    private let topic: String
    private let changelog: AlertChangelog
    private let secret: [UInt8]?
    private let alertsRaised: Doorbell
    private let leadership: Leadership
    /// The term of leadership in which this replica last caught up with the alert topics.
    private let caughtUpTerm = Atomic<Int>(0)
    private let logger: Logger
    /// Its own client, not the shared one, so that redirects are not followed; shut down when `run` ends.
    private let client = HTTPClient(
        eventLoopGroupProvider: .singleton,
        configuration: .init(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(10))))

    /// `alertsRaised` rings when NotifyService has stored new alerts; the replicas elect the leader in `group` on
    /// the changelog (one partition).
    init(
        store: AlertStore, producer: KafkaProducer, kafka: KafkaConfiguration, topics: TopicCatalogue,
        changelog: AlertChangelog, group: String, secret: String?, alertsRaised: Doorbell, logger: Logger
    ) {
        self.store = store
        self.alertsRaised = alertsRaised
        self.producer = producer
        topic = topics.alertsDauntless
        self.changelog = changelog
        self.secret = secret.map { Array($0.utf8) }
        self.logger = logger
        leadership = Leadership(kafka: kafka, group: group, topic: topics.alertsChangelog, logger: logger) {
            alertsRaised.ring()
        }
    }

    /// The election, to run beside the delivery.
    var leadershipService: Service { leadership }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
                    guard try await self.leads() else {
                        await self.alertsRaised.wait(timeout: .seconds(1))
                        continue
                    }
                    let published = try await self.publish()
                    let delivered = try await self.deliver()
                    // Webhook retries fall due with time alone: look again within a second.
                    if !published && !delivered { await self.alertsRaised.wait(timeout: .seconds(1)) }
                } catch is CancellationError {
                    return
                } catch {
                    self.logger.error("alert delivery: \(error); retrying")
                    try await Task.sleep(for: .seconds(1))
                }
            }
        }
        try? await client.shutdown()
    }

    /// Whether this replica leads and has read what its predecessors published and delivered. Until the reading
    /// succeeds nothing is sent; it is tried again at the next wake.
    private func leads() async throws -> Bool {
        guard leadership.isLeader else { return false }
        let term = leadership.term
        if caughtUpTerm.load(ordering: .acquiring) != term {
            try await changelog.caughtUp()
            caughtUpTerm.store(term, ordering: .releasing)
            logger.notice("alerts: read what earlier leaders published and delivered; publishing and delivering from here")
        }
        return true
    }

    /// Publishes alerts not yet on the topic, then records those published on the changelog; true when there were
    /// some.
    private func publish() async throws -> Bool {
        let alerts = try store.unpublished(limit: 500)
        if !alerts.isEmpty {
            try await producer.send(alerts.map { OutgoingMessage(topic: topic, key: $0.suspect, value: Self.body($0)) })
            try store.markPublished(alerts, at: .now)
        }
        let unrecorded = try store.unrecorded(limit: 500)
        if !unrecorded.isEmpty {
            try await changelog.record(unrecorded.map { .alert($0) })
            try store.markRecorded(unrecorded.map(\.id), at: .now)
        }
        return !alerts.isEmpty || !unrecorded.isEmpty
    }

    /// Makes the webhook deliveries that are due; true when there were some.
    private func deliver() async throws -> Bool {
        let due = try store.dueDeliveries(at: .now, limit: 50)
        for delivery in due {
            let body = Self.body(delivery.alert)
            var request = HTTPClientRequest(url: delivery.url)
            request.method = .POST
            request.headers.add(name: "Content-Type", value: "application/json")
            // The same alert may be delivered again (a retry whose answer was lost, a new leader): the id lets the
            // receiver see that.
            request.headers.add(name: "X-HarmRank-Alert-Id", value: delivery.alert.id)
            if let signature = signature(of: body) { request.headers.add(name: "X-HarmRank-Signature", value: signature) }
            request.body = .bytes(ByteBuffer(bytes: body))
            let problem: String?
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                // Read to the end so the connection can be used again; what the receiver says is not kept.
                for try await _ in response.body {}
                problem = (200..<300).contains(response.status.code) ? nil : "HTTP \(response.status.code)"
            } catch {
                problem = "\(error)"
            }
            if let problem {
                let delay = Int64(min(3_600_000, 1_000 << min(delivery.attempts, 22)))
                try store.failed(delivery, error: problem, retryAt: .now + delay)
                logger.warning("webhook \(delivery.url) for alert \(delivery.alert.id): \(problem); attempt \(delivery.attempts + 1), next in \(delay / 1000) s")
            } else {
                // On the changelog before in the store: a leader killed between the two delivers again, which the id
                // makes harmless.
                try await changelog.record([.delivered(alertId: delivery.alert.id, url: delivery.url, at: .now)])
                try store.delivered(delivery, at: .now)
            }
        }
        return !due.isEmpty
    }

    /// `sha256=<hex>` of the body with the shared secret, or nil without one.
    func signature(of body: [UInt8]) -> String? {
        secret.map { secret in
            "sha256=" + HMAC<SHA256>.authenticationCode(for: body, using: SymmetricKey(data: secret)).map { String(format: "%02x", $0) }.joined()
        }
    }

    static func body(_ alert: Alert) -> [UInt8] { Array(try! JSONEncoder.api.encode(alert)) }
}
