import Crypto
import Foundation
import Logging
import ServiceLifecycle
import Shared
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Empties the alert store's outbox: every alert onto `alerts.dauntless` (key suspect), and to every webhook as a
/// JSON POST signed with HMAC-SHA256 (`X-HarmRank-Signature: sha256=<hex>` over the body). A failed delivery is
/// retried with exponential back-off (1 s doubling to an hour) and never given up: the alert stays in the store,
/// and `/v1/status` and the log show what is pending.
final class AlertDelivery: Service, Sendable {
    private let store: AlertStore
    private let producer: KafkaProducer
    private let topic: String
    private let secret: [UInt8]?
    private let alertsRaised: Doorbell
    private let logger: Logger

    /// `alertsRaised` rings when NotifyService has stored new alerts.
    init(
        store: AlertStore, producer: KafkaProducer, topic: String, secret: String?, alertsRaised: Doorbell,
        logger: Logger
    ) {
        self.store = store
        self.alertsRaised = alertsRaised
        self.producer = producer
        self.topic = topic
        self.secret = secret.map { Array($0.utf8) }
        self.logger = logger
    }

    func run() async throws {
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                do {
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
    }

    /// Publishes alerts not yet on the topic; true when there were some.
    private func publish() async throws -> Bool {
        let alerts = try store.unpublished(limit: 500)
        guard !alerts.isEmpty else { return false }
        try await producer.send(alerts.map { OutgoingMessage(topic: topic, key: $0.suspect, value: Self.body($0)) })
        try store.markPublished(alerts.map(\.id), at: .now)
        return true
    }

    /// Makes the webhook deliveries that are due; true when there were some.
    private func deliver() async throws -> Bool {
        let due = try store.dueDeliveries(at: .now, limit: 50)
        for delivery in due {
            let body = Self.body(delivery.alert)
            var request = URLRequest(url: URL(string: delivery.url)!)
            request.httpMethod = "POST"
            request.timeoutInterval = 10
            request.setValue("application/json", forHTTPHeaderField: "Content-Type")
            request.setValue(delivery.alert.id, forHTTPHeaderField: "X-HarmRank-Alert")
            if let signature = signature(of: body) { request.setValue(signature, forHTTPHeaderField: "X-HarmRank-Signature") }
            request.httpBody = Data(body)
            let problem: String?
            do {
                let (_, response) = try await URLSession.shared.data(for: request)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                problem = (200..<300).contains(status) ? nil : "HTTP \(status)"
            } catch {
                problem = "\(error)"
            }
            if let problem {
                let delay = Int64(min(3_600_000, 1_000 << min(delivery.attempts, 22)))
                try store.failed(delivery, error: problem, retryAt: .now + delay)
                logger.warning("webhook \(delivery.url) for alert \(delivery.alert.id): \(problem); attempt \(delivery.attempts + 1), next in \(delay / 1000) s")
            } else {
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
