import Hummingbird
import Shared

/// The alerts API (CONTRACT.md section 8): alerts listed by status and time, acknowledged by a supervisor. Alerts
/// are about people, so every read is audited. An acknowledgement is recorded on `alerts.changelog` before it is
/// answered, so every replica shows it and none forgets it.
struct AlertRoutes: Sendable {
    let store: AlertStore
    let changelog: AlertChangelog
    let audit: AuditLog

    func register(on router: Router<HarmRankRequestContext>) {
        router.requiring(.analyst).get("/v1/alerts") { request, context in
            let query = request.uri.queryParameters
            let status = query["status"].map(String.init)
            guard status == nil || status == "open" || status == "acknowledged" else {
                throw APIError(.badRequest, code: "invalid-parameter", detail: "status '\(status!)' must be 'open' or 'acknowledged'")
            }
            var since: Instant?
            if let text = query["since"] {
                guard case .success(let instant) = Instant.parseRFC3339(String(text)) else {
                    throw APIError(
                        .badRequest, code: "invalid-parameter",
                        detail: "since '\(text)' must be an RFC 3339 time, e.g. 2025-06-01T00:00:00Z")
                }
                since = instant
            }
            let alerts = try store.alerts(status: status, since: since)
            audit.record(context.principal, read: "alerts status \(status ?? "any") since \(since?.rfc3339 ?? "the start"): \(alerts.count)")
            return try jsonResponse(["alerts": alerts])
        }
        router.requiring(.supervisor).post("/v1/alerts/:id/acknowledge") { _, context in
            let id = try context.parameters.require("id")
            guard let open = try store.alert(id) else {
                throw APIError(.notFound, code: "not-found", detail: "no alert '\(id)'")
            }
            var alert = open
            if open.acknowledgedAt == nil {
                let now = Instant.now
                try await changelog.record([.acknowledged(alertId: id, by: context.principal.name, at: now)])
                alert = try store.acknowledge(id, by: context.principal.name, at: now) ?? open
            }
            audit.record(context.principal, read: "alert \(id) (acknowledged)")
            return try jsonResponse(alert)
        }
    }
}
