import Synchronization

/// What a group consumer hands its application, in order. Partition changes arrive between messages, so an
/// application that keeps per-partition state sees every message of a partition between its `assigned` and its
/// `revoked`, and nothing of it afterwards.
public enum ConsumerEvent: Sendable {
    /// A message, in offset order within its partition.
    case message(KafkaMessage)
    /// Partitions now owned by this member. Load their state and call `resume(_:at:)` before asking for the next
    /// event; the consumer waits for that before it fetches anything from them.
    case assigned(PartitionAssignment)
    /// Partitions about to move to another member (or the consumer is closing). Save their state and offsets before
    /// asking for the next event; the consumer waits for that before giving them up.
    case revoked([TopicPartition])
}

/// The partitions of an `assigned` event, and where the application wants each one read from.
public final class PartitionAssignment: Sendable {
    /// The partitions assigned, in the order the group gave them.
    public let partitions: [TopicPartition]
    private let startOffsets = Mutex<[TopicPartition: Int64]>([:])

    init(_ partitions: [TopicPartition]) { self.partitions = partitions }

    /// Read `partition` from `offset` (the offset of the next message the application has not applied), as stored
    /// with its state. Partitions left alone resume from the group's committed offset, or the reset policy.
    public func resume(_ partition: TopicPartition, at offset: Int64) {
        startOffsets.withLock { $0[partition] = offset }
    }

    var chosenOffsets: [TopicPartition: Int64] { startOffsets.withLock { $0 } }
}
