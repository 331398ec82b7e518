import GRDB

/// The scores in a batch from one score partition that are new to a reader (RankService, NotifyService).
///
/// Every score of a partition comes from the one ScoreService partition of the same number, numbered in order, so
/// a score whose sequence is not above the highest applied is a repeat (ScoreService resends after a crash). The
/// highest sequence applied is kept in the reader's partition database, in the same transaction as its offset.
public struct ScoreBatch {
    /// New scores in partition order (with `latestOnly`, each entity's last), each with its JSON as received (what
    /// readers store).
    public private(set) var scores: [(score: EntityScore, json: String)] = []
    /// The highest sequence applied once this batch is.
    public private(set) var appliedSequence: Int64
    /// `score`, `repeat` and `unreadable` counts, for the partition's outcomes.
    public private(set) var counted: [String: Int] = [:]
    /// Offsets of messages that are not scores HarmRank wrote.
    public private(set) var unreadable: [Int64] = []

    /// `latestOnly` keeps only the last new score of each entity (what the lists need), and parses no other (so a
    /// superseded message is not checked): a ward's score lists every crime counting for it, and a batch can hold
    /// many of them.
    public init(_ messages: ArraySlice<KafkaMessage>, after applied: Int64, latestOnly: Bool = false) {
        appliedSequence = applied
        var kept: [(message: KafkaMessage, score: EntityScore?)] = []
        var latest: [[UInt8]: Int] = [:]
        for message in messages {
            guard let value = message.value else { unreadable(message); continue }
            // The header says which scores are repeats without parsing; a score without one is parsed here.
            var score: EntityScore?
            if !latestOnly || EntityScore.sequence(of: message) == nil {
                score = try? EntityScore.decode(value)
                guard score != nil else { unreadable(message); continue }
            }
            guard let sequence = score?.sequence ?? EntityScore.sequence(of: message) else { continue }
            guard sequence > appliedSequence else {
                counted["repeat", default: 0] += 1
                continue
            }
            appliedSequence = sequence
            counted["score", default: 0] += 1
            if latestOnly, let key = message.key, let index = latest[key] {
                kept[index] = (message, score)
            } else {
                if latestOnly, let key = message.key { latest[key] = kept.count }
                kept.append((message, score))
            }
        }
        for (message, score) in kept {
            guard let score = score ?? (try? EntityScore.decode(message.value!)) else {
                counted["score", default: 0] -= 1
                unreadable(message)
                continue
            }
            scores.append((score, String(decoding: message.value!, as: UTF8.self)))
        }
    }

    private mutating func unreadable(_ message: KafkaMessage) {
        unreadable.append(message.offset)
        counted["unreadable", default: 0] += 1
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

    public func saveAppliedSequence(in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO appliedSequence (id, sequence) VALUES (0, ?) ON CONFLICT(id) DO UPDATE SET sequence = excluded.sequence",
            arguments: [appliedSequence])
    }
}
