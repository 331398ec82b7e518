import GRDB

/// What every partition processor keeps beside its own state: the partition's state file, the offset to resume
/// from and how its records have ended, as last committed. Committing through it keeps the three together.
public final class PartitionLedger {
    public let database: PartitionDatabase
    /// The offset of the first message not yet applied.
    public private(set) var nextOffset: Int64
    /// How the partition's records have ended, over the state's whole life.
    public private(set) var outcomes: [String: Int]

    /// Opens the partition's state file (`PartitionDatabase`) and reads where it stands.
    public init(directory: String, partition: TopicPartition, migrations: (inout DatabaseMigrator) -> Void) throws {
        database = try PartitionDatabase(directory: directory, partition: partition, migrations: migrations)
        nextOffset = try database.resumeOffset()
        outcomes = try database.outcomeCounts()
    }

    /// Commits `body` with the next offset, the clock and the outcomes counted (`PartitionDatabase.commit`), and
    /// then holds the offset and counts it stored.
    @discardableResult
    public func commit<T>(
        upTo next: Int64, clock: Instant? = nil, counting counted: [String: Int] = [:], _ body: (Database) throws -> T
    ) throws -> T {
        let result = try database.commit(upTo: next, clock: clock, counting: counted, body)
        nextOffset = next
        outcomes.merge(counted, uniquingKeysWith: +)
        return result
    }
}
