import Foundation
import GRDB

/// NotifyService's alerts (CONTRACT.md sections 5 and 11), in one SQLite file: every alert raised with the units
/// it was routed to and the steps people took on it (acknowledged, assigned, closed), the Dauntless+ cohort as last
/// seen, and an outbox: which version of each alert is on `alerts.dauntless`, whether it is recorded on
/// `alerts.changelog`, and each webhook's delivery, retried until it succeeds. Alert ids are derived from what
/// raised them, so raising the same alert again after a crash changes nothing.
///
/// Every replica raises alerts into its own store from the scores it reads, and takes in what the leader published
/// (`adopt`), so a replica elected leader publishes only what no leader has.
public final class AlertStore: Sendable {
    private let queue: DatabaseQueue

    public init(path: String) throws {
        try FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        var configuration = Configuration()
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(10)
        // A deleted row's bytes are overwritten, not only unlinked.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA secure_delete = ON") }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("alerts") { db in
            try db.create(table: "alerts") { table in
                table.column("id", .text).primaryKey()
                table.column("suspect", .text).notNull()
                table.column("kind", .text).notNull()
                table.column("raisedAt", .integer).notNull()
                table.column("alert", .jsonText).notNull()
                table.column("acknowledgedBy", .text)
                table.column("acknowledgedAt", .integer)
                table.column("publishedAt", .integer)
            }
            try db.create(index: "alertsBySuspect", on: "alerts", columns: ["suspect", "kind", "raisedAt"])
            try db.create(table: "webhookDeliveries") { table in
                table.column("alertId", .text).notNull()
                table.column("url", .text).notNull()
                table.column("attempts", .integer).notNull().defaults(to: 0)
                table.column("nextAttemptAt", .integer).notNull()
                table.column("deliveredAt", .integer)
                table.column("lastError", .text)
                table.primaryKey(["alertId", "url"])
            }
            try db.create(table: "cohort") { table in table.column("suspect", .text).primaryKey() }
        }
        migrator.registerMigration("recordedOnKafka") { db in
            // Alerts stored before there was a changelog are recorded by the next leader, as if just published.
            try db.alter(table: "alerts") { table in table.add(column: "recordedAt", .integer) }
        }
        migrator.registerMigration("tasking") { db in
            try db.alter(table: "alerts") { table in
                table.add(column: "units", .jsonText).notNull().defaults(to: "[]")
                table.add(column: "publishedVersion", .integer)
                for column in ["assignee", "assignedBy", "outcome", "note", "closedBy"] { table.add(column: column, .text) }
                for column in ["assignedAt", "closedAt"] { table.add(column: column, .integer) }
            }
            try db.execute(sql: "UPDATE alerts SET publishedVersion = \(Self.version) WHERE publishedAt IS NOT NULL")
        }
        try migrator.migrate(queue)
    }

    /// An alert's version from the steps taken on it, as `Alert.Status.version` counts them.
    private static let version =
        "(CASE WHEN closedAt IS NOT NULL THEN 4 WHEN assignedAt IS NOT NULL THEN 3 WHEN acknowledgedAt IS NOT NULL THEN 2 ELSE 1 END)"

    /// Stores `alert` unless it was stored before (a replay) or the same suspect and kind was raised less than
    /// `coolDown` of clock time before; queues it for every webhook. Returns whether it was raised.
    public func raise(_ alert: Alert, at clock: Instant, coolDown: Int64, webhooks: [String]) throws -> Bool {
        try queue.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM alerts WHERE id = ?", arguments: [alert.id]) == true { return false }
            let recent = try Bool.fetchOne(
                db, sql: "SELECT 1 FROM alerts WHERE suspect = ? AND kind = ? AND raisedAt > ? LIMIT 1",
                arguments: [alert.suspect, alert.kind.rawValue, clock.milliseconds - coolDown])
            if recent == true { return false }
            try db.execute(
                sql: "INSERT INTO alerts (id, suspect, kind, raisedAt, alert, units) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [alert.id, alert.suspect, alert.kind.rawValue, clock.milliseconds, Self.json(alert), Self.json(alert.units)])
            for url in webhooks {
                try db.execute(
                    sql: "INSERT INTO webhookDeliveries (alertId, url, nextAttemptAt) VALUES (?, ?, 0)",
                    arguments: [alert.id, url])
            }
            return true
        }
    }

    /// Takes in an alert the leader published, read from `alerts.dauntless` (any version) or (`recorded`) from
    /// `alerts.changelog`: stored if new, with its webhook deliveries queued, and marked published up to its
    /// version. Its steps come from the changelog, not from the alert read here. An alert of this
    /// replica's own for the same suspect and kind within `coolDown` of it, not yet published, is dropped: raised
    /// from a different batch of the same scores (an entered-cohort alert depends on when the cohort was looked at),
    /// it would tell the units the same thing twice.
    public func adopt(_ alert: Alert, recorded: Bool, coolDown: Int64, webhooks: [String], at time: Instant) throws {
        let clock = try Instant.parseRFC3339(alert.raisedAt).map(\.milliseconds).get()
        try queue.write { db in
            if try Bool.fetchOne(db, sql: "SELECT 1 FROM alerts WHERE id = ?", arguments: [alert.id]) != true {
                let redundant = "SELECT id FROM alerts WHERE suspect = ? AND kind = ? AND publishedAt IS NULL "
                    + "AND raisedAt > ? AND raisedAt < ?"
                let arguments: StatementArguments = [alert.suspect, alert.kind.rawValue, clock - coolDown, clock + coolDown]
                try db.execute(sql: "DELETE FROM webhookDeliveries WHERE alertId IN (\(redundant))", arguments: arguments)
                try db.execute(sql: "DELETE FROM alerts WHERE id IN (\(redundant))", arguments: arguments)
                try db.execute(
                    sql: "INSERT INTO alerts (id, suspect, kind, raisedAt, alert, units) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [alert.id, alert.suspect, alert.kind.rawValue, clock, Self.json(alert), Self.json(alert.units)])
                for url in webhooks {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO webhookDeliveries (alertId, url, nextAttemptAt) VALUES (?, ?, 0)",
                        arguments: [alert.id, url])
                }
            }
            try db.execute(
                sql: "UPDATE alerts SET publishedAt = coalesce(publishedAt, ?), "
                    + "publishedVersion = max(coalesce(publishedVersion, 0), ?), "
                    + "recordedAt = CASE WHEN ? THEN coalesce(recordedAt, ?) ELSE recordedAt END WHERE id = ?",
                arguments: [time.milliseconds, alert.version, recorded, time.milliseconds, alert.id])
        }
    }

    /// Takes in a delivery the leader made, read from `alerts.changelog`.
    public func delivered(alertId: String, url: String, at time: Instant) throws {
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO webhookDeliveries (alertId, url, nextAttemptAt, deliveredAt) VALUES (?, ?, 0, ?) "
                    + "ON CONFLICT(alertId, url) DO UPDATE SET deliveredAt = coalesce(deliveredAt, excluded.deliveredAt)",
                arguments: [alertId, url, time.milliseconds])
        }
    }

    /// The cohort as last seen.
    public func cohort() throws -> Set<String> {
        try queue.read { db in Set(try String.fetchAll(db, sql: "SELECT suspect FROM cohort")) }
    }

    public func updateCohort(entered: some Sequence<String>, left: some Sequence<String>) throws {
        try queue.write { db in
            for suspect in entered { try db.execute(sql: "INSERT OR IGNORE INTO cohort (suspect) VALUES (?)", arguments: [suspect]) }
            for suspect in left { try db.execute(sql: "DELETE FROM cohort WHERE suspect = ?", arguments: [suspect]) }
        }
    }

    /// Published alerts with `status` (any when nil) routed to `unit` (any when nil), raised at or after `since`,
    /// oldest first. An alert a replica raised that the leader has not published is not shown: every replica shows
    /// the alerts the units were sent, and no other.
    public func alerts(status: Alert.Status?, unit: String? = nil, since: Instant?) throws -> [Alert] {
        try queue.read { db in
            var conditions = ["raisedAt >= ?", "publishedAt IS NOT NULL"]
            var arguments: StatementArguments = [since?.milliseconds ?? Int64.min]
            if let status {
                conditions.append("\(Self.version) = ?")
                _ = arguments.append(contentsOf: [status.version])
            }
            if let unit {
                conditions.append("EXISTS (SELECT 1 FROM json_each(alerts.units) WHERE value = ?)")
                _ = arguments.append(contentsOf: [unit])
            }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE \(conditions.joined(separator: " AND ")) ORDER BY raisedAt, id",
                arguments: arguments
            ).map(Self.alert)
        }
    }

    /// The published alert with this id, if there is one: what the API may show and act on.
    public func alert(_ id: String) throws -> Alert? {
        try queue.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ? AND publishedAt IS NOT NULL", arguments: [id])
                .map(Self.alert)
        }
    }

    /// Records that `principal` acknowledged the open alert at `time`; an alert already acknowledged keeps its
    /// first acknowledgement. Nil when there is no such alert.
    public func acknowledge(_ id: String, by principal: String, at time: Instant) throws -> Alert? {
        try step(id, "acknowledgedBy = ?, acknowledgedAt = ?", [principal, time.milliseconds], from: .open)
    }

    /// Records that `supervisor` assigned the acknowledged alert to `assignee` at `time`; an alert already assigned
    /// keeps its first assignment. Nil when there is no such alert.
    public func assign(_ id: String, to assignee: String, by supervisor: String, at time: Instant) throws -> Alert? {
        try step(id, "assignee = ?, assignedBy = ?, assignedAt = ?", [assignee, supervisor, time.milliseconds], from: .acknowledged)
    }

    /// Records that `principal` closed the assigned alert with `outcome` at `time`; an alert already closed keeps
    /// its first closing. Nil when there is no such alert.
    public func close(_ id: String, outcome: Alert.Outcome, note: String?, by principal: String, at time: Instant) throws -> Alert? {
        try step(
            id, "outcome = ?, note = ?, closedBy = ?, closedAt = ?", [outcome.rawValue, note, principal, time.milliseconds],
            from: .assigned)
    }

    /// Takes the step `assignments` on the alert if it stands at `status`: a step read again, or one that lost a race
    /// to another replica's, changes nothing. Returns the alert as it then stands.
    private func step(_ id: String, _ assignments: String, _ values: StatementArguments, from status: Alert.Status) throws -> Alert? {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE alerts SET \(assignments) WHERE id = ? AND \(Self.version) = ?",
                arguments: values + [id, status.version])
            return try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(Self.alert)
        }
    }

    /// Deletes every alert closed before `cutoff`, with its deliveries, and returns the `alerts.changelog` keys that
    /// held it (the alert, each delivery, each step) so that they can be erased there too. Alerts not yet closed are
    /// kept whatever their age: a person has still to act on them.
    public func purge(closedBefore cutoff: Instant) throws -> [String] {
        try queue.write { db in
            var keys: [String] = []
            let rows = try Row.fetchAll(
                db, sql: "SELECT id, acknowledgedBy, assignedBy, closedBy FROM alerts WHERE closedAt < ?",
                arguments: [cutoff.milliseconds])
            for row in rows {
                let id: String = row["id"]
                keys.append(id)
                for url in try String.fetchAll(
                    db, sql: "SELECT url FROM webhookDeliveries WHERE alertId = ? AND deliveredAt IS NOT NULL", arguments: [id])
                {
                    keys.append(AlertChangelogMessage.deliveredKey(alertId: id, url: url))
                }
                for (step, column) in [("acknowledged", "acknowledgedBy"), ("assigned", "assignedBy"), ("closed", "closedBy")] {
                    if let by = row[column] as String? { keys.append(AlertChangelogMessage.stepKey(alertId: id, step: step, by: by)) }
                }
                try db.execute(sql: "DELETE FROM webhookDeliveries WHERE alertId = ?", arguments: [id])
                try db.execute(sql: "DELETE FROM alerts WHERE id = ?", arguments: [id])
            }
            return keys
        }
    }

    // MARK: Outbox

    /// The versions of alerts not yet on the alerts topic (new alerts, and each step a person has taken since),
    /// oldest alert first, each alert's versions in order.
    public func unpublished(limit: Int) throws -> [Alert] {
        try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM alerts WHERE publishedAt IS NULL OR coalesce(publishedVersion, 0) < \(Self.version) "
                    + "ORDER BY raisedAt, id LIMIT ?",
                arguments: [limit]
            ).flatMap { row in
                let alert = try Self.alert(row)
                let published = (row["publishedVersion"] as Int?) ?? 0
                return (published + 1...max(published + 1, alert.version)).map { alert.asOf(version: $0) }
            }
        }
    }

    /// Marks these versions of alerts as on the alerts topic.
    public func markPublished(_ alerts: [Alert], at time: Instant) throws {
        try queue.write { db in
            for alert in alerts {
                try db.execute(
                    sql: "UPDATE alerts SET publishedAt = coalesce(publishedAt, ?), "
                        + "publishedVersion = max(coalesce(publishedVersion, 0), ?) WHERE id = ?",
                    arguments: [time.milliseconds, alert.version, alert.id])
            }
        }
    }

    /// Alerts published but not yet recorded on the changelog, oldest first.
    public func unrecorded(limit: Int) throws -> [Alert] {
        try queue.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT * FROM alerts WHERE publishedAt IS NOT NULL AND recordedAt IS NULL ORDER BY raisedAt, id LIMIT ?",
                arguments: [limit]
            ).map(Self.alert)
        }
    }

    public func markRecorded(_ ids: [String], at time: Instant) throws {
        try queue.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE alerts SET recordedAt = ? WHERE id = ?", arguments: [time.milliseconds, id])
            }
        }
    }

    public struct Delivery: Sendable {
        public let alert: Alert
        public let url: String
        public let attempts: Int
    }

    /// Webhook deliveries due at `time`, of alerts recorded on the changelog (so that a delivery's record follows
    /// its alert's there).
    public func dueDeliveries(at time: Instant, limit: Int) throws -> [Delivery] {
        try queue.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT alerts.*, webhookDeliveries.url, webhookDeliveries.attempts FROM webhookDeliveries
                    JOIN alerts ON alerts.id = webhookDeliveries.alertId
                    WHERE deliveredAt IS NULL AND recordedAt IS NOT NULL AND nextAttemptAt <= ? ORDER BY nextAttemptAt, alerts.id LIMIT ?
                    """,
                arguments: [time.milliseconds, limit]
            ).map { row in Delivery(alert: try Self.alert(row), url: row["url"], attempts: row["attempts"]) }
        }
    }

    public func delivered(_ delivery: Delivery, at time: Instant) throws {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE webhookDeliveries SET deliveredAt = ?, attempts = attempts + 1 WHERE alertId = ? AND url = ?",
                arguments: [time.milliseconds, delivery.alert.id, delivery.url])
        }
    }

    public func failed(_ delivery: Delivery, error: String, retryAt: Instant) throws {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE webhookDeliveries SET attempts = attempts + 1, nextAttemptAt = ?, lastError = ? WHERE alertId = ? AND url = ?",
                arguments: [retryAt.milliseconds, error, delivery.alert.id, delivery.url])
        }
    }

    public func pendingDeliveries() throws -> Int {
        try queue.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM webhookDeliveries WHERE deliveredAt IS NULL") ?? 0 }
    }

    private static func json(_ value: some Encodable) throws -> String {
        String(decoding: try JSONEncoder().encode(value), as: UTF8.self)
    }

    /// The alert as raised, with the units and steps its row holds.
    private static func alert(_ row: Row) throws -> Alert {
        var alert = try JSONDecoder().decode(Alert.self, from: Data((row["alert"] as String).utf8))
        func time(_ column: String) -> String? { (row[column] as Int64?).map { Instant(milliseconds: $0).rfc3339 } }
        alert.units = try JSONDecoder().decode([String].self, from: Data((row["units"] as String).utf8))
        alert.acknowledgedBy = row["acknowledgedBy"]
        alert.acknowledgedAt = time("acknowledgedAt")
        alert.assignee = row["assignee"]
        alert.assignedBy = row["assignedBy"]
        alert.assignedAt = time("assignedAt")
        alert.outcome = (row["outcome"] as String?).flatMap(Alert.Outcome.init(rawValue:))
        alert.note = row["note"]
        alert.closedBy = row["closedBy"]
        alert.closedAt = time("closedAt")
        alert.status =
            alert.closedAt != nil ? .closed : alert.assignedAt != nil ? .assigned : alert.acknowledgedAt != nil ? .acknowledged : .open
        return alert
    }
}
