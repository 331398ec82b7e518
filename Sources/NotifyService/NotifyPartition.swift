import Crypto
import Foundation
import GRDB
import Logging
import Shared

/// NotifyService's state for one partition of `scores.suspect`: what it remembers of each suspect (the counting
/// domestic crimes and V) and the latest score of those with a Dauntless+ score, kept with the partition's offset.
///
/// After each batch it raises the alerts that are due: escalation and new-victim from each suspect's new crimes,
/// entered-cohort from the change of the top N. Alerts go to the `AlertStore` before the partition commits; their
/// ids come from what raised them, so a replay raises nothing twice. Publishing and webhooks go from the store's
/// outbox (`AlertDelivery`).
final class NotifyPartition: PartitionProcessor {
    struct Context: Sendable {
        let rules: AlertRules
        let store: AlertStore
        let cohort: Cohort
        let routing: AlertRouting
        /// Rung once alerts raised here are committed, for `AlertDelivery`.
        let alertsRaised: Doorbell
        let status: ServiceStatus
        let logger: Logger
    }

    let partition: TopicPartition
    let ledger: PartitionLedger
    private let context: Context
    private var memories: [String: AlertRules.SuspectMemory] = [:]
    private var appliedSequence: Int64

    init(_ partition: TopicPartition, directory: String, context: Context) throws {
        self.partition = partition
        self.context = context
        ledger = try PartitionLedger(directory: directory, partition: partition, migrations: Self.migrations)
        let (rows, applied) = try ledger.database.read { db in
            (try Row.fetchAll(db, sql: "SELECT suspect, memory, score FROM suspects"),
             try ScoreBatch.appliedSequence(in: db))
        }
        appliedSequence = applied
        for row in rows {
            memories[row["suspect"]] = try AlertRules.SuspectMemory(json: row["memory"])
            if let score = row["score"] as String? { context.cohort.update(try EntityScore.decode(Array(score.utf8))) }
        }
    }

    static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("suspects") { db in
            try db.create(table: "suspects") { table in
                table.column("suspect", .text).primaryKey()
                table.column("memory", .jsonText).notNull()
                table.column("score", .jsonText)
            }
            try ScoreBatch.createTable(in: db)
        }
    }

    func apply(_ messages: ArraySlice<KafkaMessage>) async throws {
        let batch = ScoreBatch(messages, after: appliedSequence)
        for offset in batch.unreadable { context.logger.error("\(partition)@\(offset): skipped: not a score HarmRank wrote") }
        var counted = batch.counted
        var changed: [String: (memory: AlertRules.SuspectMemory, score: EntityScore, json: [UInt8])] = [:]
        var alerts: [(Alert, Instant)] = []
        for (score, json) in batch.scores where score.kind == .suspect {
            guard !score.isChange else {
                // ScoreService sends suspects complete; a change could not be applied without the crimes it omits.
                context.logger.error("\(partition): skipped a change to suspect \(score.id) where a complete score was expected")
                counted["unreadable", default: 0] += 1
                continue
            }
            let before = changed[score.id]?.memory ?? memories[score.id]
            for candidate in context.rules.candidates(before: before, after: score) {
                let alert = Self.alert(
                    candidate.kind, score, crimes: candidate.crimes, cause: candidate.crimes.map(\.crimeRef),
                    routed: context.routing.route(score))
                alerts.append((alert, score.clock))
            }
            changed[score.id] = (AlertRules.SuspectMemory(score), score, json)
            context.cohort.update(score)
        }
        alerts += try cohortAlerts()
        var raised = 0
        for (alert, clock) in alerts
        where try context.store.raise(
            alert, at: clock, coolDown: context.rules.coolDown, webhooks: context.routing.webhooks(for: alert))
        {
            raised += 1
            context.logger.notice("alert \(alert.kind.rawValue) for suspect \(alert.suspect) (\(alert.id))")
        }
        counted["alert", default: 0] += raised

        try ledger.commit(upTo: messages.last!.offset + 1, counting: counted) { db in
            for (suspect, entry) in changed {
                if entry.score.offences.isEmpty {
                    try db.executeCached("DELETE FROM suspects WHERE suspect = ?") { values in values.bind(suspect) }
                } else {
                    try Self.remember(suspect, entry.memory, entry.score, json: entry.json, in: db)
                }
            }
            try batch.saveAppliedSequence(in: db)
        }
        if raised > 0 { context.alertsRaised.ring() }
        for (suspect, entry) in changed { memories[suspect] = entry.score.offences.isEmpty ? nil : entry.memory }
        appliedSequence = batch.appliedSequence
        if let clock = alerts.map(\.1).max() ?? changed.values.map(\.score.clock).max() { context.status.advanceClock(to: clock) }
    }

    /// Stores what is remembered of a suspect, with the score itself while the suspect has a Dauntless+ score.
    static func remember(
        _ suspect: String, _ memory: AlertRules.SuspectMemory, _ score: EntityScore, json: [UInt8], in db: Database
    ) throws {
        let listed = (score.standing(in: .dauntless)?.score ?? 0) > 0
        try db.executeCached(
            "INSERT INTO suspects (suspect, memory, score) VALUES (?, ?, ?) "
                + "ON CONFLICT(suspect) DO UPDATE SET memory = excluded.memory, score = excluded.score"
        ) { values in
            values.bind(suspect)
            values.bind(memory.json)
            if listed { values.bind(utf8: json) } else { values.bindNull() }
        }
    }

    func revoked() { context.cohort.remove(memories.keys) }

    /// Suspects who entered the top N since it was last looked at, each with every counting domestic crime. While
    /// a partition is still reading what its log held when it was assigned, the top N is not yet whole: it is
    /// taken as seen, and raises nothing (those scores' alerts were raised when they were first read).
    private func cohortAlerts() throws -> [(Alert, Instant)] {
        let top = context.cohort.top()
        let before = try context.store.cohort()
        let now = Set(top.map(\.id))
        let entered = top.filter { !before.contains($0.id) }
        try context.store.updateCohort(entered: entered.map(\.id), left: before.subtracting(now))
        guard context.status.isCaughtUp else { return [] }
        return entered.compactMap { suspect, score in
            let domestic = score.offences.filter { $0.lists.contains(.dauntless) }
            guard let latest = domestic.map(\.occurredAt).max(), context.rules.isRecent(latest, at: score.clock) else {
                return nil
            }
            let alert = Self.alert(
                .enteredCohort, score, crimes: domestic, cause: ["\(score.clock.milliseconds)"],
                routed: context.routing.route(score))
            return (alert, score.clock)
        }
    }

    /// An alert whose id is derived from its kind, suspect and cause, so the same cause gives the same id, routed as
    /// `routed` says.
    static func alert(
        _ kind: Alert.Kind, _ score: EntityScore, crimes: [EntityScore.Offence], cause: [String],
        routed: (units: [String], wards: [String])
    ) -> Alert {
        let digest = SHA256.hash(data: Data(([kind.rawValue, score.id] + cause).joined(separator: "|").utf8))
        let standing = score.standing(in: .dauntless)
        return Alert(
            id: digest.prefix(12).map { String(format: "%02x", $0) }.joined(), suspect: score.id, kind: kind,
            raisedAt: score.clock.rfc3339, score: Harm(hundredths: standing?.score ?? 0).days,
            components: standing?.components,
            crimes: crimes.map {
                Alert.Crime(
                    crimeRef: $0.crimeRef, offenceCode: $0.offenceCode, cchiDays: Harm(hundredths: $0.harm).days,
                    occurredAt: $0.occurredAt.rfc3339)
            },
            units: routed.units, wards: routed.wards)
    }
}
