import Foundation
import GRDB

/// The state a service keeps for one input partition, in a SQLite file of its own, with the partition's next
/// offset written in the same transaction as the state it produced (DESIGN.md section 3). A crash loses either
/// both or neither, so the service resumes from the stored offset and applies nothing twice.
///
/// One file per partition lets a partition change owner: the instances on one machine share the state directory,
/// and whichever owns the partition after a rebalance opens its file.
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
        path = "\(directory)/\(topic)-\(partition).sqlite"
        var configuration = Configuration()
        configuration.journalMode = .wal
        // Durable at every commit but without a sync of the main file on each: WAL with synchronous=NORMAL.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        queue = try DatabaseQueue(path: path, configuration: configuration)
        var migrator = DatabaseMigrator()
        migrator.registerMigration("partition offset") { db in
            try db.create(table: "partitionOffset") { table in
                table.column("topic", .text).primaryKey()
                table.column("nextOffset", .integer).notNull()
            }
        }
        migrations(&migrator)
        try migrator.migrate(queue)
    }

    /// The offset to resume from, or nil when the partition has no state yet (so it starts at the beginning).
    public func nextOffset() throws -> Int64? {
        try queue.read { db in
            try Int64.fetchOne(db, sql: "SELECT nextOffset FROM partitionOffset WHERE topic = ?", arguments: [topic])
        }
    }

    /// Runs `body` and records `nextOffset` in one transaction; if `body` throws, nothing of either is kept.
    public func commit<T>(upTo nextOffset: Int64, _ body: (Database) throws -> T) throws -> T {
        let topic = topic
        return try queue.write { db in
            let result = try body(db)
            try db.execute(
                sql: "INSERT INTO partitionOffset (topic, nextOffset) VALUES (?, ?) "
                    + "ON CONFLICT(topic) DO UPDATE SET nextOffset = excluded.nextOffset",
                arguments: [topic, nextOffset])
            return result
        }
    }

    public func read<T>(_ body: (Database) throws -> T) throws -> T { try queue.read(body) }
}
