import Foundation
import Hummingbird
import Prometheus

/// The routes every service answers: health, Prometheus metrics and status (CONTRACT.md section 8).
public struct OperationsRoutes: Sendable {
    let settings: ServiceSettings
    let status: ServiceStatus
    let readiness: KafkaReadiness
    let administration: KafkaAdministration
    let registry: PrometheusCollectorRegistry

    public func register(on router: Router<HarmRankRequestContext>) {
        router.get("/health/live") { _, _ in try jsonResponse(["status": "live"]) }
        router.get("/health/ready") { _, _ in
            let (ready, detail) = readiness.current
            guard ready else { throw APIError(.serviceUnavailable, code: "not-ready", detail: detail) }
            guard status.isAssigned || settings.inputTopics.isEmpty else {
                throw APIError(
                    .serviceUnavailable, code: "not-ready",
                    detail: "waiting for the consumer group to assign partitions (up to the session timeout after a restart)")
            }
            if let loss = status.lossesSinceStart.first {
                throw APIError(
                    .serviceUnavailable, code: "messages-missing",
                    detail: "input was lost before this service read it (\(loss)); see `missing` in /v1/status. "
                        + "The loss stays counted there and in /metrics; readiness returns when the service is restarted")
            }
            let behind = status.partitionsCatchingUp
            if let (partition, end) = behind.min(by: { $0.key < $1.key }) {
                throw APIError(
                    .serviceUnavailable, code: "catching-up",
                    detail: "reading what \(behind.count) partitions held when they were assigned (\(partition) up to "
                        + "offset \(end)): until then what this instance serves is not yet whole")
            }
            return try jsonResponse(["status": "ready", "detail": detail])
        }
        let callers = router.authenticated()
        callers.get("/metrics") { _, _ in
            Response(
                status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                body: .init(byteBuffer: ByteBuffer(bytes: registry.emitToBuffer())))
        }
        callers.get("/v1/status") { _, _ in
            let (ready, detail) = readiness.current
            // Lag is best effort: a status page must answer while Kafka is down.
            let lag = (try? await administration.lag(group: settings.groupID, topics: settings.inputTopics)) ?? []
            let missing = status.missing
            return try jsonResponse(
                StatusReport(
                    service: settings.identity.name, group: settings.groupID, ready: ready, readiness: detail,
                    recordsProcessed: status.recordsProcessed, batchesApplied: status.batchesApplied,
                    recordsRejected: status.recordsRejected,
                    clock: status.clock?.date, outcomes: status.outcomes, lag: lag,
                    messagesMissing: missing.reduce(0) { $0 + Int($1.toOffset - $1.fromOffset) }, missing: missing))
        }
    }
}
