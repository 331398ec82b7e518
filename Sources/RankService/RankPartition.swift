import Foundation
import GRDB
import Logging
import Shared

/// RankService's state for one partition of a score topic: the latest score of each entity scored there, kept in
/// the partition's database so the lists come back whole after a restart.
///
/// Every score of a partition comes from the one ScoreService partition of the same number, numbered in order, so
/// a score whose sequence is not above the highest applied is a repeat (ScoreService resends after a crash) and is
/// ignored.
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
             try Int64.fetchOne(db, sql: "SELECT sequence FROM appliedSequence WHERE id = 0") ?? 0)
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
            try db.create(table: "appliedSequence") { table in
                table.column("id", .integer).primaryKey()
                table.column("sequence", .integer).notNull()
            }
        }
    }

    func apply(_ messages: ArraySlice<KafkaMessage>) async throws {
        var latest: [EntityRef: (score: EntityScore, json: String)] = [:]
        var counted: [String: Int] = [:]
        var applied = appliedSequence
        for message in messages {
            guard let value = message.value, let score = try? EntityScore.decode(value) else {
                context.logger.error("\(partition)@\(message.offset): skipped: not a score HarmRank wrote")
                counted["unreadable", default: 0] += 1
                continue
            }
            guard score.sequence > applied else {
                counted["repeat", default: 0] += 1
                continue
            }
            applied = score.sequence
            latest[score.entity] = (score, String(decoding: value, as: UTF8.self))
            counted["score", default: 0] += 1
        }
        try database.commit(upTo: messages.last!.offset + 1, counting: counted) { db in
            for (entity, (score, json)) in latest {
                if score.offences.isEmpty {
                    try db.execute(
                        sql: "DELETE FROM entityScores WHERE kind = ? AND entity = ?", arguments: [entity.kind.rawValue, entity.id])
                } else {
                    try db.execute(
                        sql: "INSERT INTO entityScores (kind, entity, score) VALUES (?, ?, ?) "
                            + "ON CONFLICT(kind, entity) DO UPDATE SET score = excluded.score",
                        arguments: [entity.kind.rawValue, entity.id, json])
                }
            }
            try db.execute(
                sql: "INSERT INTO appliedSequence (id, sequence) VALUES (0, ?) "
                    + "ON CONFLICT(id) DO UPDATE SET sequence = excluded.sequence",
                arguments: [applied])
        }
        appliedSequence = applied
        for (entity, (score, _)) in latest {
            if score.offences.isEmpty { entities.remove(entity) } else { entities.insert(entity) }
            context.board.apply(score)
        }
        nextOffset = messages.last!.offset + 1
        outcomes.merge(counted, uniquingKeysWith: +)
        if let clock = context.board.read(\.clock) { context.status.advanceClock(to: clock) }
        try await context.publisher.publishIfDue()
    }

    func tick() async throws { try await context.publisher.publishIfDue() }

    func revoked() { context.board.remove(entities) }
}
