import CKafka

/// Conversions between librdkafka's `rd_kafka_topic_partition_list_t` and Swift values.
typealias NativePartitionList = UnsafeMutablePointer<rd_kafka_topic_partition_list_t>

extension UnsafeMutablePointer where Pointee == rd_kafka_topic_partition_list_t {
    /// A new list the caller must free with `rd_kafka_topic_partition_list_destroy`. A `nil` offset leaves
    /// librdkafka's "invalid" marker, which means "wherever the group left off".
    static func make(_ entries: [(TopicPartition, Int64?)]) -> NativePartitionList {
        let list = rd_kafka_topic_partition_list_new(Int32(entries.count))!
        for (topicPartition, offset) in entries {
            let element = rd_kafka_topic_partition_list_add(list, topicPartition.topic, topicPartition.partition)!
            if let offset { element.pointee.offset = offset }
        }
        return list
    }

    var entries: [(topicPartition: TopicPartition, offset: Int64, error: rd_kafka_resp_err_t)] {
        (0..<Int(pointee.cnt)).map { index in
            let element = pointee.elems[index]
            return (TopicPartition(String(cString: element.topic), element.partition), element.offset, element.err)
        }
    }
}

/// librdkafka's marker for "no offset": nothing committed, or start from the group's committed position.
let invalidOffset: Int64 = -1001
/// librdkafka's logical offset for the start of a partition.
public let beginningOffset: Int64 = -2
/// librdkafka's logical offset for the end of a partition (the next offset to be written).
let logicalEndOffset: Int64 = -1
