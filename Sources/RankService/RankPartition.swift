import Foundation
import GRDB
import Logging
import Shared

/// RankService's state for one partition of a score topic: the latest score of each entity scored there, kept in
/// the partition's database so the lists come back whole after a restart. Each entity's standings are one row and
/// each crime counting for it another, so a change to a ward with thousands of crimes writes only what changed.
/// Repeats are recognised by `ScoreBatch`.
final class RankPartition: PartitionProcessor {
    struct Context: Sendable {
        let board: Board
        let publisher: RankingPublisher
        let status: ServiceStatus
        let logger: Logger
    }

    let partition: TopicPartition
    let ledger: PartitionLedger
    private let context: Context
    /// The entities scored in this partition, and the highest sequence applied.
    private var entities: Set<EntityRef> = []
    private var appliedSequence: Int64

    init(_ partition: TopicPartition, directory: String, context: Context) throws {
        self.partition = partition
        self.context = context
        ledger = try PartitionLedger(directory: directory, partition: partition, migrations: Self.migrations)
        let (standings, offences, applied) = try ledger.database.read { db in
            (try String.fetchAll(db, sql: "SELECT score FROM entityScores"),
             try Row.fetchAll(db, sql: "SELECT kind, entity, offence FROM entityOffences"),
             try ScoreBatch.appliedSequence(in: db))
        }
        appliedSequence = applied
        var offencesOf: [EntityRef: [EntityScore.Offence]] = [:]
        for row in offences {
            guard let kind = EntityKind(rawValue: row["kind"]) else { continue }
            let offence = try EntityScore.Offence.decode(Array((row["offence"] as String).utf8))
            offencesOf[EntityRef(kind, row["entity"]), default: []].append(offence)
        }
        let scores = try standings.map { json in
            var score = try EntityScore.decode(Array(json.utf8))
            score.offences = (offencesOf[score.entity] ?? []).sorted(by: EntityScore.Offence.latestFirst)
            return score
        }
        entities.formUnion(scores.map(\.entity))
        context.board.apply(scores)
    }

    static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("entity scores") { db in
            try db.create(table: "entityScores") { table in
                table.column("kind", .text).notNull()
                table.column("entity", .text).notNull()
                table.column("score", .jsonText).notNull()
                table.primaryKey(["kind", "entity"])
            }
            try ScoreBatch.createTable(in: db)
        }
        // Scores were first stored whole, crimes included; they move to rows of their own.
        migrator.registerMigration("entity offences") { db in
            try db.create(table: "entityOffences") { table in
                table.column("kind", .text).notNull()
                table.column("entity", .text).notNull()
                table.column("crimeRef", .text).notNull()
                table.column("offence", .jsonText).notNull()
                table.primaryKey(["kind", "entity", "crimeRef"])
            }
            for json in try String.fetchAll(db, sql: "SELECT score FROM entityScores") {
                let score = try EntityScore.decode(Array(json.utf8))
                for offence in score.offences { try save(offence, of: score.entity, in: db) }
                try saveStandings(of: score, in: db)
            }
        }
    }

    func apply(_ messages: ArraySlice<KafkaMessage>) async throws {
        let batch = ScoreBatch(messages, after: appliedSequence)
        for offset in batch.unreadable { context.logger.error("\(partition)@\(offset): skipped: not a score HarmRank wrote") }
        // Each entity's complete score after the batch, and the crimes whose rows may have changed.
        var latest: [EntityRef: (score: EntityScore, crimes: Set<String>)] = [:]
        for (score, _) in batch.scores {
            let held = latest[score.entity]?.score ?? context.board.score(of: score.entity)
            let complete = score.applied(to: held)
            let changed = score.withdrawn.map { Set($0).union(score.offences.map(\.crimeRef)) }
                ?? Self.crimesDiffering(held?.offences ?? [], complete.offences)
            latest[score.entity] = (complete, changed.union(latest[score.entity]?.crimes ?? []))
        }
        try ledger.commit(upTo: messages.last!.offset + 1, counting: batch.counted) { db in
            for (entity, (score, crimes)) in latest {
                guard !score.offences.isEmpty else {
                    for table in ["entityScores", "entityOffences"] {
                        try db.executeCached("DELETE FROM \(table) WHERE kind = ? AND entity = ?") { values in
                            values.bind(entity.kind.rawValue)
                            values.bind(entity.id)
                        }
                    }
                    continue
                }
                try Self.saveStandings(of: score, in: db)
                let counting = crimes.isEmpty ? [:] : Dictionary(score.offences.map { ($0.crimeRef, $0) }) { first, _ in first }
                for crimeRef in crimes {
                    if let offence = counting[crimeRef] {
                        try Self.save(offence, of: entity, in: db)
                    } else {
                        try db.executeCached("DELETE FROM entityOffences WHERE kind = ? AND entity = ? AND crimeRef = ?") { values in
                            values.bind(entity.kind.rawValue)
                            values.bind(entity.id)
                            values.bind(crimeRef)
                        }
                    }
                }
            }
            try batch.saveAppliedSequence(in: db)
        }
        appliedSequence = batch.appliedSequence
        for (entity, (score, _)) in latest {
            if score.offences.isEmpty { entities.remove(entity) } else { entities.insert(entity) }
        }
        context.board.apply(latest.values.map(\.score))
        if let clock = context.board.clock { context.status.advanceClock(to: clock) }
        context.publisher.listsChanged()
    }

    func revoked() { context.board.remove(entities) }

    /// The crimes in one list or the other that are not the same in both.
    private static func crimesDiffering(_ before: [EntityScore.Offence], _ after: [EntityScore.Offence]) -> Set<String> {
        let held = Dictionary(before.map { ($0.crimeRef, $0) }) { first, _ in first }
        var differing = Set(before.map(\.crimeRef))
        for offence in after {
            if held[offence.crimeRef] == offence { differing.remove(offence.crimeRef) } else { differing.insert(offence.crimeRef) }
        }
        return differing
    }

    /// The entity's row: its score without the crimes, which have rows of their own.
    private static func saveStandings(of score: EntityScore, in db: Database) throws {
        var standings = score
        standings.offences = []
        try db.executeCached(
            "INSERT INTO entityScores (kind, entity, score) VALUES (?, ?, ?) "
                + "ON CONFLICT(kind, entity) DO UPDATE SET score = excluded.score"
        ) { values in
            values.bind(score.kind.rawValue)
            values.bind(score.id)
            values.bind(utf8: standings.json)
        }
    }

    private static func save(_ offence: EntityScore.Offence, of entity: EntityRef, in db: Database) throws {
        try db.executeCached(
            "INSERT INTO entityOffences (kind, entity, crimeRef, offence) VALUES (?, ?, ?, ?) "
                + "ON CONFLICT(kind, entity, crimeRef) DO UPDATE SET offence = excluded.offence"
        ) { values in
            values.bind(entity.kind.rawValue)
            values.bind(entity.id)
            values.bind(offence.crimeRef)
            values.bind(utf8: offence.json)
        }
    }
}
