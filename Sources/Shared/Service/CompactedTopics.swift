import Logging
import Synchronization

/// Which of some topics the cluster compacts (`cleanup.policy` including `compact`), asked once. On a compacted
/// topic a gap in offsets, or a log that no longer starts at 0, is compaction at work; anywhere else it means
/// messages were deleted.
public final class CompactedTopics: Sendable {
    private let administration: KafkaAdministration
    private let topics: [String]
    private let logger: Logger
    private let known = Mutex<Set<String>?>(nil)

    public init(_ topics: [String], administration: KafkaAdministration, logger: Logger) {
        self.topics = topics
        self.administration = administration
        self.logger = logger
    }

    /// Whether the cluster compacts `topic` (one of those given).
    public func contains(_ topic: String) async throws -> Bool {
        if let known = known.withLock({ $0 }) { return known.contains(topic) }
        let found: Set<String>
        do {
            found = try await administration.compactedTopics(topics)
        } catch {
            // The embedded broker does not describe topics; it compacts nothing either.
            logger.info("topic configurations cannot be read (\(error)); \(topics.joined(separator: ", ")) taken as not compacted")
            found = []
        }
        known.withLock { $0 = found }
        return found.contains(topic)
    }

    /// The offsets `partition` (of one of the topics given) holds, when they are all a rebuild needs: a compacted
    /// log keeps the newest message of every key, any other log must still start at 0. Throws
    /// `IncompleteChangelog` when its oldest messages were deleted.
    public func wholeLog(of partition: TopicPartition) async throws -> Range<Int64> {
        let held = try await administration.heldOffsets(of: [partition])[partition] ?? 0..<0
        if held.lowerBound > 0, try await !contains(partition.topic) {
            throw IncompleteChangelog(changelog: partition, oldestHeld: held.lowerBound)
        }
        return held
    }

    /// What a partition restored from nothing must read of `partition` (of one of the topics given): from where its
    /// log starts to where `group` has committed, since that is what the group's members have taken in. Nil when the
    /// group has committed nothing there, or nothing past `beyond` (how far a local copy already reaches), or when
    /// nothing held precedes the commit.
    public func rebuildRange(of partition: TopicPartition, group: String, beyond: Int64?) async throws -> Range<Int64>? {
        let committed = try await administration.lag(group: group, topics: [partition.topic])
            .first { $0.partition == partition.partition }?.committedOffset
        guard let committed, committed > beyond ?? -1 else { return nil }
        let held = try await wholeLog(of: partition)
        guard committed > held.lowerBound else { return nil }
        return held.lowerBound..<committed
    }
}
