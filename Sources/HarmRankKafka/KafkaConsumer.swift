import CKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// A member of a Kafka consumer group that never stores or commits an offset on its own: the application applies a
/// message, stores its state and the next offset together, and tells the consumer where to resume when a
/// partition is assigned. That is what makes a crash or rebalance replay exactly what was not applied.
///
/// librdkafka is polled on a dedicated thread; events reach the application through `events`, with back-pressure.
/// Run it as a lifecycle service, or call `close()` and read `events` to their end.
public final class KafkaConsumer: Service, @unchecked Sendable {
    /// Messages and partition changes, in order. Read them from one task only.
    public let events: ConsumerEvents
    private let client: KafkaClient
    private let loop: PollLoop
    private let logger: Logger

    /// Joins the group and subscribes; events start with the first assignment.
    public init(configuration: ConsumerConfiguration, logger: Logger) throws(KafkaError) {
        self.logger = logger
        let client = try KafkaClient(
            RD_KAFKA_CONSUMER, configuration: configuration.kafka, defaults: configuration.nativeDefaults,
            logger: logger
        ) { conf in
            rd_kafka_conf_set_rebalance_cb(conf) { _, error, partitions, opaque in
                guard let opaque, let partitions else { return }
                Unmanaged<KafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue().rebalance?(error, partitions)
            }
        }
        // Messages and rebalances are served on the consumer queue, which the poll loop reads.
        rd_kafka_poll_set_consumer(client.handle)
        let channel = ConsumerChannel(capacity: configuration.bufferCapacity)
        let loop = PollLoop(client: client, channel: channel, batchSize: configuration.batchSize, logger: logger)
        client.callbacks.rebalance = { [unowned loop] error, partitions in loop.rebalance(error, partitions) }

        let subscription = NativePartitionList.make(configuration.topics.map { (TopicPartition($0, -1), nil) })
        defer { rd_kafka_topic_partition_list_destroy(subscription) }
        try KafkaError.check(
            rd_kafka_subscribe(client.handle, subscription),
            "subscribing group '\(configuration.groupID)' to \(configuration.topics.joined(separator: ", "))")

        self.client = client
        self.loop = loop
        self.events = ConsumerEvents(channel: channel)
        let thread = Thread { loop.run() }
        thread.name = "kafka-consumer-poll"
        thread.start()
    }

    /// Commits exactly `offsets` (for each partition, the offset of the next message to read) to the group and
    /// waits for the broker's answer. The group's committed offsets are what `KafkaAdministration.lag` and a new
    /// member without local state start from. Explicit offsets, not librdkafka's stored ones: it commits a stored
    /// offset only past the one it last saw committed, so a position a member opened from its own state, where no
    /// message has been read yet, would never reach the group.
    public func commit(_ offsets: [TopicPartition: Int64]) async throws(KafkaError) {
        guard !offsets.isEmpty else { return }
        let entries = offsets.sorted { $0.key < $1.key }.map { ($0.key, $0.value) }
        let result = await offloaded { [client] in
            let list = NativePartitionList.make(entries)
            defer { rd_kafka_topic_partition_list_destroy(list) }
            return rd_kafka_commit(client.handle, list, 0)
        }
        try KafkaError.check(result, "committing consumer offsets")
    }

    /// Asks the consumer to leave its group. The final `revoked` event still arrives, then `events` ends.
    public func close() {
        loop.stopRequested.raise()
    }

    /// Waits until the poll thread has left the group and ended `events`.
    public func waitUntilClosed() async {
        await loop.closed.wait()
    }

    /// Runs until graceful shutdown, then closes the consumer, which leaves its group and ends its events.
    public func run() async throws {
        try? await gracefulShutdown()
        close()
        await waitUntilClosed()
    }
}

/// Everything the poll thread touches. Only `stopRequested` and `closed` are used from other threads.
final class PollLoop: @unchecked Sendable {
    let stopRequested = StopFlag()
    let closed = OneTimeSignal()
    private let client: KafkaClient
    private let channel: ConsumerChannel
    private let batchSize: Int
    private let logger: Logger
    private var pending: [KafkaMessage] = []
    private var topicNames: [OpaquePointer: String] = [:]

    init(client: KafkaClient, channel: ConsumerChannel, batchSize: Int, logger: Logger) {
        self.client = client
        self.channel = channel
        self.batchSize = batchSize
        self.logger = logger
    }

    func run() {
        while !stopRequested.isRaised {
            guard let first = rd_kafka_consumer_poll(client.handle, 100) else { continue }
            take(first)
            while pending.count < batchSize, let next = rd_kafka_consumer_poll(client.handle, 0) { take(next) }
            handOver()
        }
        // Closing revokes the assignment through the rebalance callback, on this thread, so the application
        // saves its state before the group moves the partitions.
        let result = rd_kafka_consumer_close(client.handle)
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.warning("\(KafkaError(result, context: "leaving the consumer group"))")
        }
        handOver()
        channel.finish()
        closed.signal()
    }

    private func take(_ message: UnsafeMutablePointer<rd_kafka_message_t>) {
        defer { rd_kafka_message_destroy(message) }
        let native = message.pointee
        guard native.err == RD_KAFKA_RESP_ERR_NO_ERROR else {
            if native.err != RD_KAFKA_RESP_ERR__PARTITION_EOF {
                logger.warning("\(KafkaError(native.err, context: "consuming"))")
            }
            return
        }
        pending.append(KafkaMessage(message, topic: topicName(native.rkt)))
    }

    private func handOver() {
        guard !pending.isEmpty else { return }
        channel.push(pending)
        pending = []
    }

    func rebalance(_ error: rd_kafka_resp_err_t, _ partitions: NativePartitionList) {
        // Messages fetched before the change belong before it.
        handOver()
        let changed = partitions.entries.map(\.topicPartition)
        switch error {
        case RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS:
            let assignment = PartitionAssignment(changed)
            channel.pushAndWait(.assigned(assignment))
            let chosen = assignment.chosenOffsets
            for index in 0..<Int(partitions.pointee.cnt) {
                let element = partitions.pointee.elems + index
                let topicPartition = TopicPartition(String(cString: element.pointee.topic), element.pointee.partition)
                if let offset = chosen[topicPartition] { element.pointee.offset = offset }
            }
            logger.info("assigned \(changed.count) partitions: \(changed.map(\.description).joined(separator: " "))")
            if isCooperative {
                check(rd_kafka_incremental_assign(client.handle, partitions), "taking the assigned partitions")
            } else {
                check(rd_kafka_assign(client.handle, partitions), "taking the assigned partitions")
            }
        case RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS:
            channel.pushAndWait(.revoked(changed))
            logger.info("revoked \(changed.count) partitions")
            if isCooperative {
                check(rd_kafka_incremental_unassign(client.handle, partitions), "giving up the revoked partitions")
            } else {
                check(rd_kafka_assign(client.handle, nil), "giving up the revoked partitions")
            }
        default:
            logger.error("\(KafkaError(error, context: "rebalancing"))")
            check(rd_kafka_assign(client.handle, nil), "giving up partitions after a failed rebalance")
        }
    }

    /// Eager by default; an operator may choose a cooperative strategy through the pass-through properties, and
    /// then partitions are taken and given up one change at a time.
    private var isCooperative: Bool {
        rd_kafka_rebalance_protocol(client.handle).map { String(cString: $0) } == "COOPERATIVE"
    }

    private func check(_ result: rd_kafka_resp_err_t, _ context: String) {
        if result != RD_KAFKA_RESP_ERR_NO_ERROR { logger.error("\(KafkaError(result, context: context))") }
    }

    private func check(_ error: OpaquePointer?, _ context: String) {
        guard let error else { return }
        defer { rd_kafka_error_destroy(error) }
        check(rd_kafka_error_code(error), context)
    }

    private func topicName(_ topic: OpaquePointer?) -> String {
        guard let topic else { return "" }
        if let name = topicNames[topic] { return name }
        let name = String(cString: rd_kafka_topic_name(topic))
        topicNames[topic] = name
        return name
    }
}

/// A signal raised once that any number of tasks can wait for.
final class OneTimeSignal: Sendable {
    private let state = Mutex<(raised: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func signal() {
        let waiters = state.withLock { state in
            state.raised = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }

    func wait() async {
        await withCheckedContinuation { continuation in
            let raised = state.withLock { state in
                if !state.raised { state.waiters.append(continuation) }
                return state.raised
            }
            if raised { continuation.resume() }
        }
    }
}
