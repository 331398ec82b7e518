import GRDB

/// The scores in a batch from one score partition that are new to a reader (RankService, NotifyService).
///
/// Every score of a partition comes from the one ScoreService partition of the same number, numbered in order, so
/// a score whose sequence is not above the highest applied is a repeat or older. (ScoreService moves its numbers
/// far ahead whenever it opens a partition, so what it publishes again after a crash is never taken for a repeat:
/// a change skipped would leave its crimes wrong for good.) The highest sequence applied is kept in the reader's
/// partition database, in the same transaction as its offset.
public struct ScoreBatch {
    /// New scores in partition order, each with its JSON as received.
    public private(set) var scores: [(score: EntityScore, json: [UInt8])] = []
    /// The highest sequence applied once this batch is.
    public private(set) var appliedSequence: Int64
    /// `score`, `repeat` and `unreadable` counts, for the partition's outcomes.
    public private(set) var counted: [String: Int] = [:]
    /// Offsets of messages that are not scores HarmRank wrote.
    public private(set) var unreadable: [Int64] = []

    public init(_ messages: ArraySlice<KafkaMessage>, after applied: Int64) {
        appliedSequence = applied
        var repeats = 0
        for message in messages {
            guard let score = try? EntityScore.decode(message) else {
                unreadable.append(message.offset)
                continue
            }
            guard score.sequence > appliedSequence else {
                repeats += 1
                continue
            }
            appliedSequence = score.sequence
            scores.append((score, message.value ?? score.json))
        }
        for (outcome, count) in [("score", scores.count), ("repeat", repeats), ("unreadable", unreadable.count)] where count > 0 {
            counted[outcome] = count
        }
    }

    /// The table of the highest sequence applied, for a reader's migrations.
    public static func createTable(in db: Database) throws {
        try db.create(table: "appliedSequence") { table in
            table.column("id", .integer).primaryKey()
            table.column("sequence", .integer).notNull()
        }
    }

    public static func appliedSequence(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT sequence FROM appliedSequence WHERE id = 0") ?? 0
    }

    public func saveAppliedSequence(in db: Database) throws { try Self.saveAppliedSequence(appliedSequence, in: db) }

    /// Stores `sequence` as the highest applied (a rebuilt state's).
    public static func saveAppliedSequence(_ sequence: Int64, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO appliedSequence (id, sequence) VALUES (0, ?) ON CONFLICT(id) DO UPDATE SET sequence = excluded.sequence",
            arguments: [sequence])
    }
}
