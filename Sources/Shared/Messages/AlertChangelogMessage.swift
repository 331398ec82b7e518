import Foundation

/// What flows on `alerts.changelog` (internal): NotifyService's alerts as facts that never change once written,
/// each under a key of its own, so a compacted topic keeps every one.
///
/// - An alert, key its id: written by the leader once the alert is on `alerts.dauntless`.
/// - A delivery, key `<id>/delivered/<url>`: written by the leader once the webhook answered 2xx.
/// - A step a person took (acknowledged, assigned, closed), key `<id>/<step>/<who>`: written by the replica the
///   person took it on. The key names who, so that should two people take the same step on two replicas at once,
///   compaction keeps both, and every replica, reading them in order, keeps the first.
///
/// The topic has one partition, so an alert is read before its deliveries and steps, and its steps in order.
public enum AlertChangelogMessage: Sendable, Equatable {
    /// An alert published on `alerts.dauntless`.
    case alert(Alert)
    /// The alert was delivered to the webhook `url` at `at`.
    case delivered(alertId: String, url: String, at: Instant)
    /// A supervisor acknowledged the alert.
    case acknowledged(alertId: String, by: String, at: Instant)
    /// A supervisor assigned the alert to `assignee`.
    case assigned(alertId: String, assignee: String, by: String, at: Instant)
    /// The alert was closed with `outcome`.
    case closed(alertId: String, outcome: Alert.Outcome, note: String?, by: String, at: Instant)

    /// The alert this fact is about.
    public var alertId: String {
        switch self {
        case .alert(let alert): alert.id
        case .delivered(let alertId, _, _), .acknowledged(let alertId, _, _), .assigned(let alertId, _, _, _),
            .closed(let alertId, _, _, _, _):
            alertId
        }
    }

    /// The message for `topic`.
    public func outgoing(topic: String) -> OutgoingMessage {
        let key: String
        switch self {
        case .alert(let alert): key = alert.id
        case .delivered(let alertId, let url, _): key = Self.deliveredKey(alertId: alertId, url: url)
        case .acknowledged(let alertId, let by, _): key = Self.stepKey(alertId: alertId, step: "acknowledged", by: by)
        case .assigned(let alertId, _, let by, _): key = Self.stepKey(alertId: alertId, step: "assigned", by: by)
        case .closed(let alertId, _, _, let by, _): key = Self.stepKey(alertId: alertId, step: "closed", by: by)
        }
        return OutgoingMessage(topic: topic, key: key, value: Array(try! JSONEncoder.api.encode(Envelope(self))))
    }

    /// The key of a delivery's record.
    public static func deliveredKey(alertId: String, url: String) -> String { "\(alertId)/delivered/\(url)" }

    /// The key of a step's record.
    public static func stepKey(alertId: String, step: String, by: String) -> String { "\(alertId)/\(step)/\(by)" }

    /// Reads a changelog message; throws naming what is wrong with one HarmRank did not write.
    public static func decode(_ value: [UInt8]) throws -> AlertChangelogMessage {
        let envelope = try JSONDecoder().decode(Envelope.self, from: Data(value))
        if let alert = envelope.alert { return .alert(alert) }
        if let fact = envelope.delivered, let url = fact.url {
            return .delivered(alertId: fact.alertId, url: url, at: try fact.instant())
        }
        if let fact = envelope.acknowledged, let by = fact.by {
            return .acknowledged(alertId: fact.alertId, by: by, at: try fact.instant())
        }
        if let fact = envelope.assigned, let by = fact.by, let assignee = fact.assignee {
            return .assigned(alertId: fact.alertId, assignee: assignee, by: by, at: try fact.instant())
        }
        if let fact = envelope.closed, let by = fact.by, let outcome = fact.outcome {
            return .closed(alertId: fact.alertId, outcome: outcome, note: fact.note, by: by, at: try fact.instant())
        }
        throw JSONValue.FieldError(
            description: "an alerts changelog message needs 'alert', 'delivered' (with url), 'acknowledged' (with by), "
                + "'assigned' (with assignee and by) or 'closed' (with outcome and by)")
    }

    /// The JSON: one member naming the kind of fact.
    private struct Envelope: Codable {
        struct Fact: Codable {
            var alertId: String
            var url: String?
            var by: String?
            var assignee: String?
            var outcome: Alert.Outcome?
            var note: String?
            var at: String

            func instant() throws -> Instant {
                guard case .success(let instant) = Instant.parseRFC3339(at) else {
                    throw JSONValue.FieldError(description: "'at' '\(at)' is not an RFC 3339 time")
                }
                return instant
            }
        }

        var alert: Alert?
        var delivered: Fact?
        var acknowledged: Fact?
        var assigned: Fact?
        var closed: Fact?

        init(_ message: AlertChangelogMessage) {
            switch message {
            case .alert(let alert): self.alert = alert
            case .delivered(let alertId, let url, let at): delivered = Fact(alertId: alertId, url: url, at: at.rfc3339)
            case .acknowledged(let alertId, let by, let at): acknowledged = Fact(alertId: alertId, by: by, at: at.rfc3339)
            case .assigned(let alertId, let assignee, let by, let at):
                assigned = Fact(alertId: alertId, by: by, assignee: assignee, at: at.rfc3339)
            case .closed(let alertId, let outcome, let note, let by, let at):
                closed = Fact(alertId: alertId, by: by, outcome: outcome, note: note, at: at.rfc3339)
            }
        }
    }
}
