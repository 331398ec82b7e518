import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// Keeps checking that the cluster answers and the service's topics exist; `/health/ready` reports it.
public final class KafkaReadiness: Service, Sendable {
    private let administration: KafkaAdministration
    private let topics: [String]
    private let logger: Logger
    private let state = Mutex<(ready: Bool, detail: String)>((false, "Kafka not checked yet"))
    private let readyGauge = Gauge(label: "harmrank_ready")

    public init(administration: KafkaAdministration, topics: [String], logger: Logger) {
        self.administration = administration
        self.topics = topics
        self.logger = logger
    }

    public var current: (ready: Bool, detail: String) { state.withLock { $0 } }

    public func run() async throws {
        // Stopping because shutdown began is the normal end, not a failure.
        try? await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                await self.check()
                try await Task.sleep(for: self.current.ready ? .seconds(5) : .seconds(1))
            }
        }
    }

    func check() async {
        let result: (Bool, String)
        do {
            let existing = try await administration.partitionCounts()
            let missing = topics.filter { existing[$0] == nil }
            result =
                missing.isEmpty
                ? (true, "connected; topics present")
                : (false, "topics missing: \(missing.joined(separator: ", ")); create them (harmrank broker does)")
        } catch {
            result = (false, "Kafka unreachable: \(error)")
        }
        let changed = state.withLock { state in
            defer { state = result }
            return state.ready != result.0
        }
        readyGauge.record(result.0 ? 1 : 0)
        if changed { logger.notice("\(result.0 ? "ready" : "not ready"): \(result.1)") }
    }
}
