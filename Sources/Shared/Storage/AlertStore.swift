import Foundation
import GRDB

/// NotifyService's alerts (CONTRACT.md section 5), in one SQLite file: every alert raised with who acknowledged it,
/// the Dauntless+ cohort as last seen, and an outbox: whether each alert is on `alerts.dauntless` yet, whether it is
/// recorded on `alerts.changelog`, and each webhook's delivery, retried until it succeeds. Alert ids are derived
/// from what raised them, so raising the same alert again after a crash changes nothing.
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
        try migrator.migrate(queue)
    }

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
                sql: "INSERT INTO alerts (id, suspect, kind, raisedAt, alert) VALUES (?, ?, ?, ?, ?)",
                arguments: [alert.id, alert.suspect, alert.kind.rawValue, clock.milliseconds, Self.json(alert)])
            for url in webhooks {
                try db.execute(
                    sql: "INSERT INTO webhookDeliveries (alertId, url, nextAttemptAt) VALUES (?, ?, 0)",
                    arguments: [alert.id, url])
            }
            return true
        }
    }

    /// Takes in an alert the leader published, read from `alerts.dauntless` or (`recorded`) from
    /// `alerts.changelog`: stored if new, with its webhook deliveries queued, and marked published. An alert of this
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
                    sql: "INSERT INTO alerts (id, suspect, kind, raisedAt, alert) VALUES (?, ?, ?, ?, ?)",
                    arguments: [alert.id, alert.suspect, alert.kind.rawValue, clock, Self.json(alert)])
                for url in webhooks {
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO webhookDeliveries (alertId, url, nextAttemptAt) VALUES (?, ?, 0)",
                        arguments: [alert.id, url])
                }
            }
            try db.execute(
                sql: "UPDATE alerts SET publishedAt = coalesce(publishedAt, ?), "
                    + "recordedAt = CASE WHEN ? THEN coalesce(recordedAt, ?) ELSE recordedAt END WHERE id = ?",
                arguments: [time.milliseconds, recorded, time.milliseconds, alert.id])
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

    /// Published alerts with `status` (`open`, `acknowledged`, or nil for both) raised at or after `since`, oldest
    /// first. An alert a replica raised that the leader has not published is not shown: every replica shows the
    /// alerts the units were sent, and no other.
    public func alerts(status: String?, since: Instant?) throws -> [Alert] {
        try queue.read { db in
            var conditions = ["raisedAt >= ?", "publishedAt IS NOT NULL"]
            if status == "open" { conditions.append("acknowledgedAt IS NULL") }
            if status == "acknowledged" { conditions.append("acknowledgedAt IS NOT NULL") }
            return try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE \(conditions.joined(separator: " AND ")) ORDER BY raisedAt, id",
                arguments: [since?.milliseconds ?? Int64.min]
            ).map(Self.alert)
        }
    }

    /// The alert with this id, if there is one.
    public func alert(_ id: String) throws -> Alert? {
        try queue.read { db in try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(Self.alert) }
    }

    /// Records that `principal` acknowledged the alert at `time`; an alert already acknowledged keeps its first
    /// acknowledgement. Nil when there is no such alert.
    public func acknowledge(_ id: String, by principal: String, at time: Instant) throws -> Alert? {
        try queue.write { db in
            try db.execute(
                sql: "UPDATE alerts SET acknowledgedBy = ?, acknowledgedAt = ? WHERE id = ? AND acknowledgedAt IS NULL",
                arguments: [principal, time.milliseconds, id])
            return try Row.fetchOne(db, sql: "SELECT * FROM alerts WHERE id = ?", arguments: [id]).map(Self.alert)
        }
    }

    // MARK: Outbox

    /// Alerts not yet on the alerts topic, oldest first.
    public func unpublished(limit: Int) throws -> [Alert] {
        try queue.read { db in
            try Row.fetchAll(
                db, sql: "SELECT * FROM alerts WHERE publishedAt IS NULL ORDER BY raisedAt, id LIMIT ?", arguments: [limit]
            ).map(Self.alert)
        }
    }

    public func markPublished(_ ids: [String], at time: Instant) throws {
        try queue.write { db in
            for id in ids {
                try db.execute(sql: "UPDATE alerts SET publishedAt = ? WHERE id = ?", arguments: [time.milliseconds, id])
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

    private static func json(_ alert: Alert) throws -> String {
        String(decoding: try JSONEncoder().encode(alert), as: UTF8.self)
    }

    private static func alert(_ row: Row) throws -> Alert {
        var alert = try JSONDecoder().decode(Alert.self, from: Data((row["alert"] as String).utf8))
        alert.acknowledgedBy = row["acknowledgedBy"]
        alert.acknowledgedAt = (row["acknowledgedAt"] as Int64?).map { Instant(milliseconds: $0).rfc3339 }
        alert.status = alert.acknowledgedAt == nil ? "open" : "acknowledged"
        return alert
    }
}
