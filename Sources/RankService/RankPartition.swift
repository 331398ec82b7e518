import Foundation
import GRDB
import Logging
import Shared

/// RankService's state for one partition of a score topic: the latest score of each entity scored there, kept in
/// the partition's database so the lists come back whole after a restart. Repeats are recognised by `ScoreBatch`.
final class RankPartition: PartitionProcessor {
    struct Context: Sendable {
        let board: Board
        let publisher: RankingPublisher
        let status: ServiceStatus
        let logger: Logger
    }

    let partition: TopicPartition
    private let database: PartitionDatabase
    private let context: Context
    /// The entities scored in this partition, and the highest sequence applied.
    private var entities: Set<EntityRef> = []
    private var appliedSequence: Int64
    private(set) var nextOffset: Int64
    private(set) var outcomes: [String: Int]

    init(_ partition: TopicPartition, directory: String, context: Context) throws {
        self.partition = partition
        self.context = context
        database = try PartitionDatabase(directory: directory, partition: partition, migrations: Self.migrations)
        nextOffset = try database.resumeOffset()
        outcomes = try database.outcomeCounts()
        let (stored, applied) = try database.read { db in
            (try String.fetchAll(db, sql: "SELECT score FROM entityScores"),
             try ScoreBatch.appliedSequence(in: db))
        }
        appliedSequence = applied
        for json in stored {
            let score = try EntityScore.decode(Array(json.utf8))
            entities.insert(score.entity)
            context.board.apply(score)
        }
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
    }

    func apply(_ messages: ArraySlice<KafkaMessage>) async throws {
        let batch = ScoreBatch(messages, after: appliedSequence, latestOnly: true)
        for offset in batch.unreadable { context.logger.error("\(partition)@\(offset): skipped: not a score HarmRank wrote") }
        var latest: [EntityRef: (score: EntityScore, json: String)] = [:]
        for entry in batch.scores { latest[entry.score.entity] = entry }
        try database.commit(upTo: messages.last!.offset + 1, counting: batch.counted) { db in
            for (entity, (score, json)) in latest {
                if score.offences.isEmpty {
                    try db.cachedStatement(sql: "DELETE FROM entityScores WHERE kind = ? AND entity = ?")
                        .execute(arguments: [entity.kind.rawValue, entity.id])
                } else {
                    try db.cachedStatement(
                        sql: "INSERT INTO entityScores (kind, entity, score) VALUES (?, ?, ?) "
                            + "ON CONFLICT(kind, entity) DO UPDATE SET score = excluded.score"
                    ).execute(arguments: [entity.kind.rawValue, entity.id, json])
                }
            }
            try batch.saveAppliedSequence(in: db)
        }
        appliedSequence = batch.appliedSequence
        for (entity, (score, _)) in latest {
            if score.offences.isEmpty { entities.remove(entity) } else { entities.insert(entity) }
            context.board.apply(score)
        }
        nextOffset = messages.last!.offset + 1
        outcomes.merge(batch.counted, uniquingKeysWith: +)
        if let clock = context.board.read(\.clock) { context.status.advanceClock(to: clock) }
        context.publisher.listsChanged()
    }

    func revoked() { context.board.remove(entities) }
}
