/// One partition of one topic.
public struct TopicPartition: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The topic's name.
    public var topic: String
    /// The partition's number within its topic.
    public var partition: Int32

    /// Partition `partition` of `topic`.
    public init(_ topic: String, _ partition: Int32) {
        self.topic = topic
        self.partition = partition
    }

    /// Ordered by topic, then partition: the order logs and status pages list partitions in.
    public static func < (a: TopicPartition, b: TopicPartition) -> Bool {
        (a.topic, a.partition) < (b.topic, b.partition)
    }

    /// `topic[partition]`, as log lines name a partition.
    public var description: String { "\(topic)[\(partition)]" }
}

/// A header of a message: a name and bytes.
public struct KafkaHeader: Hashable, Sendable {
    /// The header's name.
    public var name: String
    /// The header's bytes.
    public var value: [UInt8]

    /// A header `name` with the bytes `value`.
    public init(_ name: String, _ value: [UInt8]) {
        self.name = name
        self.value = value
    }
}

/// A message read from Kafka.
public struct KafkaMessage: Sendable {
    /// The topic it was read from.
    public var topic: String
    /// The partition it was read from, within its topic.
    public var partition: Int32
    /// The message's offset in its partition.
    public var offset: Int64
    /// The key, if it has one.
    public var key: [UInt8]?
    /// `nil` for a tombstone (a retraction on a compacted topic).
    public var value: [UInt8]?
    /// The headers, in the order written.
    public var headers: [KafkaHeader]
    /// Milliseconds since the Unix epoch, when the broker or producer set one.
    public var timestampMilliseconds: Int64?

    /// The partition it was read from.
    public var topicPartition: TopicPartition { TopicPartition(topic, partition) }

    package init(
        topic: String, partition: Int32, offset: Int64, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader],
        timestampMilliseconds: Int64?
    ) {
        self.topic = topic
        self.partition = partition
        self.offset = offset
        self.key = key
        self.value = value
        self.headers = headers
        self.timestampMilliseconds = timestampMilliseconds
    }
}

/// A message to send. The partition is explicit when the caller co-partitions by entity; otherwise it comes from
/// the key with Kafka's default hash (`Partitioner`), so other clients writing the same key agree.
public struct OutgoingMessage: Sendable {
    /// The topic to write to.
    public var topic: String
    /// The key: it picks the partition unless `partition` is set, and on a compacted topic the record it replaces.
    public var key: [UInt8]?
    /// `nil` sends a tombstone.
    public var value: [UInt8]?
    /// The headers, written in this order.
    public var headers: [KafkaHeader]
    /// The partition to write to; nil takes it from the key (`Partitioner`).
    public var partition: Int32?

    /// A message to `topic`; with no `partition`, the partition comes from `key`.
    public init(
        topic: String, key: [UInt8]?, value: [UInt8]?, headers: [KafkaHeader] = [], partition: Int32? = nil
    ) {
        self.topic = topic
        self.key = key
        self.value = value
        self.headers = headers
        self.partition = partition
    }

    /// A message keyed by the UTF-8 bytes of `key`.
    public init(topic: String, key: String, value: [UInt8]?, headers: [KafkaHeader] = [], partition: Int32? = nil) {
        self.init(topic: topic, key: Array(key.utf8), value: value, headers: headers, partition: partition)
    }
}
