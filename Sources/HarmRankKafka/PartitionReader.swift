import CKafka
import Foundation
import Logging

/// Reads partitions from given offsets up to given ends, outside any consumer group: how a service rebuilds a
/// partition's state from its changelog, or finds the last message it published. Nothing is committed; the group
/// id librdkafka requires is never sent.
public enum PartitionReader {
    /// Reads each partition from the lower bound of its range (or the oldest offset held, if that is later) until a
    /// message at the range's upper bound minus one or beyond has been read, handing each fetched run of messages to
    /// `body`, on a thread of its own; each partition's messages come in offset order. Throws when nothing arrives
    /// for `stall` while messages are still due.
    public static func read(
        _ ranges: [TopicPartition: Range<Int64>], configuration: KafkaConfiguration, stall: Duration = .seconds(30),
        logger: Logger, _ body: @escaping @Sendable ([KafkaMessage]) throws -> Void
    ) async throws {
        let wanted = ranges.filter { !$0.value.isEmpty }
        guard !wanted.isEmpty else { return }
        try await offloaded { () throws in
            var due = wanted
            let client = try KafkaClient(
                RD_KAFKA_CONSUMER, configuration: configuration,
                defaults: [
                    "group.id": "harmrank-partition-reader", "enable.auto.commit": "false",
                    "enable.auto.offset.store": "false", "auto.offset.reset": "earliest",
                    // A rebuild reads whole partitions: no stall on the consumer queue's size.
                    "queued.min.messages": "1000000", "fetch.wait.max.ms": "10",
                ],
                logger: logger)
            rd_kafka_poll_set_consumer(client.handle)
            let list = NativePartitionList.make(due.sorted { $0.key < $1.key }.map { ($0.key, $0.value.lowerBound) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            try KafkaError.check(rd_kafka_assign(client.handle, list), "assigning partitions to read them")
            defer { _ = rd_kafka_consumer_close(client.handle) }
            var lastProgress = ContinuousClock.now
            var run: [KafkaMessage] = []
            while !due.isEmpty {
                guard let message = rd_kafka_consumer_poll(client.handle, 100) else {
                    if ContinuousClock.now - lastProgress > stall {
                        let waiting = due.keys.sorted().map(\.description).joined(separator: " ")
                        throw KafkaError(
                            RD_KAFKA_RESP_ERR__TIMED_OUT, context: "reading \(waiting): nothing arrived for \(stall)")
                    }
                    continue
                }
                defer { rd_kafka_message_destroy(message) }
                let error = message.pointee.err
                guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
                    if error == RD_KAFKA_RESP_ERR__PARTITION_EOF { continue }
                    throw KafkaError(error, context: "reading partitions to rebuild state")
                }
                guard let topic = message.pointee.rkt.map({ String(cString: rd_kafka_topic_name($0)) }) else { continue }
                let read = KafkaMessage(message, topic: topic)
                guard let range = due[read.topicPartition] else { continue }
                run.append(read)
                lastProgress = .now
                if read.offset + 1 >= range.upperBound { due[read.topicPartition] = nil }
                if run.count >= 10_000 || due.isEmpty {
                    try body(run)
                    run = []
                }
            }
        }
    }
}
