import Foundation
import Hummingbird
import Shared

/// The alerts API (CONTRACT.md sections 8 and 11): alerts listed by status, unit and time; acknowledged and assigned
/// by a supervisor; closed with an outcome by a supervisor or the assignee. Alerts are about people, so every read
/// and every step is audited. A step is recorded on `alerts.changelog` and answered once it has come back from there
/// into the store, so every replica shows it, none forgets it, and all agree on which of two steps taken at once
/// came first; a step the alert is not ready for is refused and changes nothing.
struct AlertRoutes: Sendable {
    let store: AlertStore
    let changelog: AlertChangelog
    let units: TaskingUnits
    let audit: AuditLog

    /// The longest body a step takes: a name and a note.
    static let maximumBodyBytes = 16 * 1024
    /// The longest note or name kept.
    static let maximumTextLength = 2_000

    func register(on router: Router<HarmRankRequestContext>) {
        router.requiring(.analyst).get("/v1/alerts") { request, context in
            let query = request.uri.queryParameters
            let status = try query["status"].map { text in
                guard let status = Alert.Status(rawValue: String(text)) else {
                    throw APIError(
                        .badRequest, code: "invalid-parameter",
                        detail: "status '\(text)' must be one of \(Alert.Status.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return status
            }
            let unit = try query["unit"].map { text in
                guard units.ids.contains(String(text)) else {
                    throw APIError(
                        .badRequest, code: "invalid-parameter",
                        detail: "unit '\(text)' is not one of the units: \(units.ids.joined(separator: ", "))")
                }
                return String(text)
            }
            let since = try query.instant("since")
            let alerts = try store.alerts(status: status, unit: unit, since: since)
            audit.record(
                context,
                read: "alerts status \(status?.rawValue ?? "any") unit \(unit ?? "any") since \(since?.rfc3339 ?? "the start"): \(alerts.count)")
            return try jsonResponse(["alerts": alerts])
        }
        router.requiring(.analyst).get("/v1/units") { _, _ in
            try jsonResponse([
                "units": units.units.map { Unit(id: $0.id, name: $0.name, boroughs: $0.boroughs?.sorted() ?? ["*"]) }
            ])
        }
        router.requiring(.supervisor).post("/v1/alerts/:id/acknowledge") { _, context in
            let alert = try published(try context.parameters.require("id"))
            guard alert.status == .open else {
                // Acknowledging twice is harmless: the first acknowledgement stands.
                audit.record(context, read: "alert \(alert.id) (already \(alert.status.rawValue))")
                return try jsonResponse(alert)
            }
            let now = Instant.now
            try await changelog.record([.acknowledged(alertId: alert.id, by: context.principal.name, at: now)])
            let stepped = try await takenIn(alert)
            audit.record(context, read: "alert \(alert.id) (acknowledged)")
            return try jsonResponse(stepped)
        }
        router.requiring(.supervisor).post("/v1/alerts/:id/assign") { request, context in
            let alert = try published(try context.parameters.require("id"))
            let body = try await Self.body(of: request)
            let assignee = try Self.text(body, "assignee", required: true)!
            guard alert.status == .acknowledged else {
                throw Self.notReady(alert, for: "assigned", needs: .acknowledged)
            }
            let now = Instant.now
            try await changelog.record([.assigned(alertId: alert.id, assignee: assignee, by: context.principal.name, at: now)])
            let stepped = try await takenIn(alert)
            audit.record(context, read: "alert \(alert.id) (assigned to \(assignee))")
            return try jsonResponse(stepped)
        }
        router.authenticated().post("/v1/alerts/:id/close") { request, context in
            let alert = try published(try context.parameters.require("id"))
            guard context.principal.has(.supervisor) || context.principal.name == alert.assignee else {
                throw APIError(
                    .forbidden, code: "forbidden",
                    detail: "closing an alert needs the 'supervisor' role or being its assignee"
                        + (alert.assignee.map { " (\($0))" } ?? ""))
            }
            let body = try await Self.body(of: request)
            let outcomeText = try Self.text(body, "outcome", required: true)!
            guard let outcome = Alert.Outcome(rawValue: outcomeText) else {
                throw APIError(
                    .badRequest, code: "invalid-field",
                    detail: "outcome '\(outcomeText)' must be one of \(Alert.Outcome.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let note = try Self.text(body, "note", required: false)
            guard alert.status == .assigned else { throw Self.notReady(alert, for: "closed", needs: .assigned) }
            let now = Instant.now
            try await changelog.record([
                .closed(alertId: alert.id, outcome: outcome, note: note, by: context.principal.name, at: now)
            ])
            let stepped = try await takenIn(alert)
            audit.record(context, read: "alert \(alert.id) (closed: \(outcome.rawValue))")
            return try jsonResponse(stepped)
        }
    }

    /// A unit as `GET /v1/units` shows it.
    private struct Unit: Encodable {
        var id: String
        var name: String
        var boroughs: [String]
    }

    /// The alert once the step just recorded has come back from the changelog into the store, as every replica
    /// takes it: the answer is what every replica shows.
    private func takenIn(_ alert: Alert) async throws -> Alert {
        try await changelog.taken()
        return try store.alert(alert.id) ?? alert
    }

    private func published(_ id: String) throws -> Alert {
        guard let alert = try store.alert(id) else { throw APIError(.notFound, code: "not-found", detail: "no alert '\(id)'") }
        return alert
    }

    private static func notReady(_ alert: Alert, for step: String, needs: Alert.Status) -> APIError {
        APIError(
            .conflict, code: "invalid-transition",
            detail: "alert \(alert.id) is \(alert.status.rawValue); only an \(needs.rawValue) alert can be \(step)"
                + " (open -> acknowledged -> assigned -> closed)")
    }

    private static func body(of request: Request) async throws -> JSONValue {
        let bytes = try await request.wholeBody(upTo: maximumBodyBytes)
        guard let value = try? JSONValue.parse(bytes.readableBytesView), case .object = value else {
            throw APIError(.badRequest, code: "invalid-body", detail: "the body must be a JSON object")
        }
        return value
    }

    /// Member `name` of the body: a string of at most `maximumTextLength` characters, not blank when required.
    private static func text(_ body: JSONValue, _ name: String, required: Bool) throws -> String? {
        guard let member = body[name], member != .null else {
            if required { throw APIError(.badRequest, code: "invalid-field", detail: "'\(name)' is required: a string") }
            return nil
        }
        guard case .string(let text) = member else {
            throw APIError(.badRequest, code: "invalid-field", detail: "'\(name)' must be a string")
        }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if required, trimmed.isEmpty { throw APIError(.badRequest, code: "invalid-field", detail: "'\(name)' must not be blank") }
        guard trimmed.count <= maximumTextLength else {
            throw APIError(.badRequest, code: "invalid-field", detail: "'\(name)' must be at most \(maximumTextLength) characters")
        }
        return trimmed
    }
}
