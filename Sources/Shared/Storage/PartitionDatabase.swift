import Foundation
import GRDB

/// The state a service keeps for one input partition, in a SQLite file of its own, with the partition's next
/// offset written in the same transaction as the state it produced (DESIGN.md section 3). A crash loses either
/// both or neither, so the service resumes from the stored offset and applies nothing twice.
///
/// One file per partition lets a partition change owner: instances that share a state directory open the file of
/// whichever partition they are given; an instance with a directory of its own rebuilds a partition it has no file
/// for from Kafka (`StateRestoring`).
public final class PartitionDatabase: Sendable {
    public let topic: String
    public let partition: Int32
    public let path: String
    private let queue: DatabaseQueue

    /// Opens (creating if needed) the file for `topic` and `partition` in `directory`, and brings its schema up to
    /// date: the offset table, then the owner's tables from `migrations`.
    public init(
        directory: String, topic: String, partition: Int32, migrations: (inout DatabaseMigrator) -> Void
    ) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        self.topic = topic
        self.partition = partition
        path = Self.path(directory: directory, topic: topic, partition: partition)
        var configuration = Configuration()
        configuration.journalMode = .wal
        // Durable at every commit but without a sync of the main file on each: WAL with synchronous=NORMAL. A row
        // deleted (a crime past its window, a retraction) has its bytes overwritten, not only unlinked.
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            try db.execute(sql: "PRAGMA secure_delete = ON")
        }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("partition offset") { db in
            try db.create(table: "partitionOffset") { table in
                table.column("topic", .text).primaryKey()
                table.column("nextOffset", .integer).notNull()
                // The clock T the state was at, in milliseconds: what the service resumes from.
                table.column("clock", .integer)
            }
            // How each record of the partition ended, so counts reconcile across restarts.
            try db.create(table: "outcomeCount") { table in
                table.column("outcome", .text).primaryKey()
                table.column("count", .integer).notNull()
            }
        }
        migrator.registerMigration("log position") { db in
            // The cluster whose log the stored offset counts in. Another cluster's log, or one that ends before the
            // stored offset, is another incarnation of the topic: its offsets say nothing about this state.
            try db.alter(table: "partitionOffset") { table in table.add(column: "cluster", .text) }
            // Offsets the log no longer held when they were to be read: messages lost before this state saw them.
            try db.create(table: "missingOffsets") { table in
                table.column("cluster", .text).notNull()
                table.column("fromOffset", .integer).notNull()
                table.column("toOffset", .integer).notNull()
                table.primaryKey(["cluster", "fromOffset"])
            }
        }
        migrations(&migrator)
        try migrator.migrate(queue)
    }

    /// Opens the file of an input partition.
    public convenience init(
        directory: String, partition: TopicPartition, migrations: (inout DatabaseMigrator) -> Void
    ) throws {
        try self.init(directory: directory, topic: partition.topic, partition: partition.partition, migrations: migrations)
    }

    /// Where the partition is to be read from: its stored next offset, or the beginning when it has no state.
    public func resumeOffset() throws -> Int64 { try nextOffset() ?? beginningOffset }

    /// Where the state of `topic` and `partition` is kept in `directory`.
    public static func path(directory: String, topic: String, partition: Int32) -> String {
        "\(directory)/\(topic)-\(partition).sqlite"
    }

    /// The offset to resume from, or nil when the partition has no state yet (so it starts at the beginning).
    public func nextOffset() throws -> Int64? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT nextOffset FROM partitionOffset WHERE topic = ?", arguments: [topic])
        }
    }

    /// The clock stored with the state, if any.
    public func clock() throws -> Instant? {
        try read { db in
            try Int64.fetchOne(db, sql: "SELECT clock FROM partitionOffset WHERE topic = ?", arguments: [topic])
        }.map(Instant.init(milliseconds:))
    }

    /// Where the state stands in its topic's log, or nil when the partition has no state yet.
    public func logPosition() throws -> LogPosition? {
        try read { db in
            try Row.fetchOne(db, sql: "SELECT nextOffset, cluster FROM partitionOffset WHERE topic = ?", arguments: [topic])
                .map { LogPosition(nextOffset: $0["nextOffset"], cluster: $0["cluster"]) }
        }
    }

    /// Moves the state, unchanged, to `offset` of `cluster`'s log, and records `missing` (offsets of that log that
    /// were gone before they could be read), in one transaction.
    public func continueLog(at offset: Int64, cluster: String, missing: Range<Int64>? = nil) throws {
        let topic = topic
        try queue.write { db in
            try db.execute(
                sql: "INSERT INTO partitionOffset (topic, nextOffset, cluster) VALUES (?, ?, ?) "
                    + "ON CONFLICT(topic) DO UPDATE SET nextOffset = excluded.nextOffset, cluster = excluded.cluster",
                arguments: [topic, offset, cluster])
            if let missing, !missing.isEmpty { try Self.insertMissing(missing, cluster: cluster, in: db) }
        }
    }

    /// Records offsets found missing while reading the log the state continues. Recording the same gap again (a
    /// replay after a crash) changes nothing.
    public func recordMissing(_ offsets: Range<Int64>, cluster: String) throws {
        guard !offsets.isEmpty else { return }
        try queue.write { db in try Self.insertMissing(offsets, cluster: cluster, in: db) }
    }

    private static func insertMissing(_ offsets: Range<Int64>, cluster: String, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO missingOffsets (cluster, fromOffset, toOffset) VALUES (?, ?, ?) "
                + "ON CONFLICT(cluster, fromOffset) DO UPDATE SET toOffset = max(toOffset, excluded.toOffset)",
            arguments: [cluster, offsets.lowerBound, offsets.upperBound])
    }

    /// Every run of offsets recorded missing, over the state's whole life, in order.
    public func missingOffsets() throws -> [MissingOffsets] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT cluster, fromOffset, toOffset FROM missingOffsets ORDER BY rowid").map {
                MissingOffsets(cluster: $0["cluster"], offsets: $0["fromOffset"]..<$0["toOffset"])
            }
        }
    }

    /// How many records of the partition ended in each outcome, over the state's whole life.
    public func outcomeCounts() throws -> [String: Int] {
        try read { db in
            try Row.fetchAll(db, sql: "SELECT outcome, count FROM outcomeCount").reduce(into: [:]) { counts, row in
                counts[row["outcome"]] = row["count"]
            }
        }
    }

    /// Runs `body` and records `nextOffset`, the clock and the outcomes counted (added to the stored counts) in one
    /// transaction; if `body` throws, nothing of any is kept.
    public func commit<T>(
        upTo nextOffset: Int64, clock: Instant? = nil, counting outcomes: [String: Int] = [:],
        _ body: (Database) throws -> T
    ) throws -> T {
        let topic = topic
        return try queue.write { db in
            let result = try body(db)
            try db.executeCached(
                "INSERT INTO partitionOffset (topic, nextOffset, clock) VALUES (?, ?, ?) "
                    + "ON CONFLICT(topic) DO UPDATE SET nextOffset = excluded.nextOffset, "
                    + "clock = coalesce(excluded.clock, clock)"
            ) { values in
                values.bind(topic)
                values.bind(nextOffset)
                values.bind(clock?.milliseconds)
            }
            for (outcome, count) in outcomes where count != 0 {
                try db.executeCached(
                    "INSERT INTO outcomeCount (outcome, count) VALUES (?, ?) "
                        + "ON CONFLICT(outcome) DO UPDATE SET count = count + excluded.count"
                ) { values in
                    values.bind(outcome)
                    values.bind(Int64(count))
                }
            }
            return result
        }
    }

    /// Changes the owner's tables alone, in one transaction, leaving the position where it is.
    public func update<T>(_ body: (Database) throws -> T) throws -> T { try queue.write(body) }

    /// Replaces the whole state with one rebuilt elsewhere (from a changelog): `body` empties and refills the
    /// owner's tables, and the position, clock and outcome counts are set to `progress`, in one transaction.
    public func replaceState(
        with progress: ChangelogProgress, cluster: String, _ body: (Database) throws -> Void
    ) throws {
        let topic = topic
        try queue.write { db in
            try body(db)
            try db.execute(
                sql: "INSERT INTO partitionOffset (topic, nextOffset, clock, cluster) VALUES (?, ?, ?, ?) "
                    + "ON CONFLICT(topic) DO UPDATE SET nextOffset = excluded.nextOffset, clock = excluded.clock, "
                    + "cluster = excluded.cluster",
                arguments: [topic, progress.nextOffset, progress.clock?.milliseconds, cluster])
            try db.execute(sql: "DELETE FROM outcomeCount")
            for (outcome, count) in progress.outcomes {
                try db.execute(
                    sql: "INSERT INTO outcomeCount (outcome, count) VALUES (?, ?)", arguments: [outcome, count])
            }
        }
    }

    /// Runs `body` in a read transaction of its own. Not through GRDB's `read`: that guards the connection with
    /// `PRAGMA query_only`, and setting that pragma expires every statement the connection has prepared, so each
    /// batch's lookup had its commit prepare all its cached statements again.
    public func read<T>(_ body: (Database) throws -> T) throws -> T {
        try queue.unsafeRead { db in
            var result: T?
            try db.inTransaction(.deferred) {
                result = try body(db)
                return .commit
            }
            return result!
        }
    }
}

/// Where a partition's state stands in its topic's log.
public struct LogPosition: Sendable, Equatable {
    /// The offset of the first message not yet applied.
    public var nextOffset: Int64
    /// The cluster whose log `nextOffset` counts in; nil for state written before clusters were recorded.
    public var cluster: String?

    public init(nextOffset: Int64, cluster: String?) {
        self.nextOffset = nextOffset
        self.cluster = cluster
    }
}

/// Offsets of a partition's log that were gone before the service could read them.
public struct MissingOffsets: Sendable, Equatable {
    public var cluster: String
    public var offsets: Range<Int64>
}
