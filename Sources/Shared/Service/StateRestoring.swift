/// How a service keeps a partition's state on Kafka, so that an instance with no state file of its own (another
/// host, a lost disk) or an out-of-date one rebuilds it there rather than from the input's beginning.
/// `PartitionLogs` asks it when a partition is assigned, before the partition's processor opens the file.
public protocol StateRestoring: Sendable {
    /// Rebuilds the partition's state file in `directory` from Kafka, as of `cluster`, and returns the input offset
    /// it reaches; nil, writing nothing, when Kafka holds no state for the partition or none reaching beyond
    /// `beyond` (the offset the file already reaches). Throws `IncompleteChangelog` when Kafka's copy cannot be
    /// trusted whole, and Kafka's errors when it cannot be read.
    func restore(_ partition: TopicPartition, directory: String, cluster: String, beyond: Int64?) async throws -> Int64?

    /// Writes the state of the partition's file to Kafka when Kafka holds none of it (a changelog new to the
    /// cluster, or state kept from before there was one), so that a later rebuild finds it whole.
    func seedIfEmpty(_ partition: TopicPartition, directory: String) async throws

    /// Brings into the state files of `partitions`, whose positions are settled, what Kafka holds that a file may
    /// lack because another instance went on after it was written.
    func reconcile(_ partitions: [TopicPartition], directory: String) async throws
}

/// What a service does not need: nothing to rebuild (its files are rebuilt from its input's beginning), nothing to
/// copy to Kafka (its input topics are its changelog), or nothing to reconcile.
extension StateRestoring {
    public func restore(_ partition: TopicPartition, directory: String, cluster: String, beyond: Int64?) async throws
        -> Int64?
    { nil }
    public func seedIfEmpty(_ partition: TopicPartition, directory: String) async throws {}
    public func reconcile(_ partitions: [TopicPartition], directory: String) async throws {}
}

/// Kafka's copy of a partition's state has lost messages (a changelog that is not compacted, and whose oldest
/// messages were deleted: the embedded broker keeps only the newest few megabytes of a partition), so a rebuild
/// from it would silently lack what they held.
public struct IncompleteChangelog: Error, CustomStringConvertible {
    /// The changelog partition.
    public let changelog: TopicPartition
    /// The oldest offset it still holds.
    public let oldestHeld: Int64

    public init(changelog: TopicPartition, oldestHeld: Int64) {
        self.changelog = changelog
        self.oldestHeld = oldestHeld
    }

    public var description: String {
        "the changelog \(changelog) no longer holds its offsets below \(oldestHeld) and is not compacted, so the state "
            + "cannot be rebuilt from it whole"
    }
}
