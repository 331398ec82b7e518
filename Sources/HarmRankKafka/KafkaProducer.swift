import CKafka
import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// An idempotent Kafka producer. `send` completes only when every message's delivery report has arrived, so a
/// caller that stores its input offsets after `send` returns never loses an output; a crash before that replays the
/// input and repeats the output, which downstream de-duplicates (crimeRef+version, per-entity sequence).
///
/// Run it as a lifecycle service, or call `close()`: both flush what is still in flight.
public final class KafkaProducer: Service, @unchecked Sendable {
    private let client: KafkaClient
    private let logger: Logger
    private let stopped = StopFlag()
    /// librdkafka topic handles and partition counts, looked up once per topic.
    private let topics = Mutex<[String: (handle: OpaquePointer, partitions: Int32)]>([:])

    /// A producer of the cluster `configuration` names; it polls for delivery reports on a thread of its own.
    public init(configuration: ProducerConfiguration, logger: Logger) throws(KafkaError) {
        self.logger = logger
        self.client = try KafkaClient(
            RD_KAFKA_PRODUCER, configuration: configuration.kafka, defaults: configuration.nativeDefaults,
            logger: logger
        ) { conf in
            rd_kafka_conf_set_dr_msg_cb(conf) { _, report, _ in
                guard let report, let batch = report.pointee._private else { return }
                Unmanaged<DeliveryBatch>.fromOpaque(batch).takeUnretainedValue().delivered(
                    report.pointee.err, partition: report.pointee.partition)
            }
        }
        // Delivery reports are served on a thread of their own, off Swift's cooperative pool.
        let thread = Thread { [client, stopped] in
            while !stopped.isRaised { rd_kafka_poll(client.handle, 100) }
        }
        thread.name = "kafka-producer-poll"
        thread.start()
    }

    deinit {
        stopped.raise()
        for (handle, _) in topics.withLock({ Array($0.values) }) { rd_kafka_topic_destroy(handle) }
    }

    /// Sends one message and waits for its delivery report.
    public func send(_ message: OutgoingMessage) async throws(KafkaError) {
        try await send([message])
    }

    /// Sends messages in order and waits until all are delivered. Throws the first delivery error after every
    /// report is in; messages before and after a failed one may still have been delivered.
    public func send(_ messages: [OutgoingMessage]) async throws(KafkaError) {
        guard !messages.isEmpty else { return }
        // Resolve every topic and partition first, so a failure leaves nothing half sent.
        var topicsOfBatch: [String: (handle: OpaquePointer, partitions: Int32)] = [:]
        var targets: [(topic: OpaquePointer, partition: Int32)] = []
        targets.reserveCapacity(messages.count)
        for message in messages {
            if topicsOfBatch[message.topic] == nil { topicsOfBatch[message.topic] = try await topicHandle(message.topic) }
            let topic = topicsOfBatch[message.topic]!
            targets.append((topic.handle, partition(for: message, partitionCount: topic.partitions)))
        }

        let batch = DeliveryBatch(count: messages.count)
        let opaque = Unmanaged.passUnretained(batch).toOpaque()
        for (message, target) in zip(messages, targets) {
            var result = enqueue(message, topic: target.topic, partition: target.partition, opaque: opaque)
            // librdkafka's local queue is full: wait for deliveries to make room rather than fail.
            while result == RD_KAFKA_RESP_ERR__QUEUE_FULL {
                try? await Task.sleep(for: .milliseconds(2))
                result = enqueue(message, topic: target.topic, partition: target.partition, opaque: opaque)
            }
            if result != RD_KAFKA_RESP_ERR_NO_ERROR { batch.delivered(result, partition: target.partition) }
        }
        // The batch stays alive here until its last report, so the unretained pointer above is safe.
        try await batch.wait(context: "sending to \(messages[0].topic)")
    }

    /// The number of partitions of a topic, as the cluster reports it.
    public func partitionCount(of topic: String) async throws(KafkaError) -> Int32 {
        try await topicHandle(topic).partitions
    }

    /// Waits for every message in flight, then stops serving delivery reports.
    public func close(timeout: Duration = .seconds(30)) async {
        guard !stopped.isRaised else { return }
        let milliseconds = Int32(timeout.components.seconds * 1000)
        let result = await offloaded { [client] in rd_kafka_flush(client.handle, milliseconds) }
        if result != RD_KAFKA_RESP_ERR_NO_ERROR {
            logger.error("\(KafkaError(result, context: "flushing the producer on shutdown"))")
        }
        stopped.raise()
    }

    /// Runs until graceful shutdown, then flushes and closes the producer: as a member of a service group, the
    /// producer outlives the services that send through it only until the group shuts down.
    public func run() async throws {
        try? await gracefulShutdown()
        await close()
    }

    private func partition(for message: OutgoingMessage, partitionCount: Int32) -> Int32 {
        if let partition = message.partition { return partition }
        guard let key = message.key else { return -1 }  // RD_KAFKA_PARTITION_UA: librdkafka's partitioner picks
        return Partitioner.partition(forKey: key, partitionCount: partitionCount)
    }

    private func topicHandle(_ topic: String) async throws(KafkaError) -> (handle: OpaquePointer, partitions: Int32) {
        if let known = topics.withLock({ $0[topic] }) { return known }
        let counts = try await offloaded { [client] () throws(KafkaError) in try client.topicPartitionCounts() }
        guard let count = counts[topic] else {
            throw KafkaError(
                RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART,
                context: "topic '\(topic)' does not exist; create it first (harmrank broker creates every topic)")
        }
        return topics.withLock { known in
            if let existing = known[topic] { return existing }
            let entry = (handle: rd_kafka_topic_new(client.handle, topic, nil)!, partitions: count)
            known[topic] = entry
            return entry
        }
    }

    private func enqueue(
        _ message: OutgoingMessage, topic: OpaquePointer, partition: Int32, opaque: UnsafeMutableRawPointer
    ) -> rd_kafka_resp_err_t {
        var headers: OpaquePointer? = nil
        if !message.headers.isEmpty {
            headers = rd_kafka_headers_new(message.headers.count)
            for header in message.headers {
                header.value.withUnsafeBytes { value in
                    _ = rd_kafka_header_add(headers, header.name, -1, value.baseAddress, value.count)
                }
            }
        }
        return withOptionalBytes(message.value) { value in
            withOptionalBytes(message.key) { key in
                withUnsafeTemporaryAllocation(of: rd_kafka_vu_t.self, capacity: 7) { fields in
                    var count = 0
                    func add(_ type: rd_kafka_vtype_t, _ set: (inout rd_kafka_vu_t) -> Void) {
                        var field = rd_kafka_vu_t()
                        field.vtype = type
                        set(&field)
                        fields[count] = field
                        count += 1
                    }
                    add(RD_KAFKA_VTYPE_RKT) { $0.u.rkt = topic }
                    add(RD_KAFKA_VTYPE_PARTITION) { $0.u.i32 = partition }
                    add(RD_KAFKA_VTYPE_MSGFLAGS) { $0.u.i = RD_KAFKA_MSG_F_COPY }
                    add(RD_KAFKA_VTYPE_OPAQUE) { $0.u.ptr = opaque }
                    add(RD_KAFKA_VTYPE_VALUE) {
                        $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: value?.baseAddress)
                        $0.u.mem.size = value?.count ?? 0
                    }
                    if let key {
                        add(RD_KAFKA_VTYPE_KEY) {
                            $0.u.mem.ptr = UnsafeMutableRawPointer(mutating: key.baseAddress)
                            $0.u.mem.size = key.count
                        }
                    }
                    if let headers { add(RD_KAFKA_VTYPE_HEADERS) { $0.u.headers = headers } }
                    guard let error = rd_kafka_produceva(client.handle, fields.baseAddress, count) else {
                        return RD_KAFKA_RESP_ERR_NO_ERROR
                    }
                    // On failure the headers were not taken over by the message.
                    if let headers { rd_kafka_headers_destroy(headers) }
                    defer { rd_kafka_error_destroy(error) }
                    return rd_kafka_error_code(error)
                }
            }
        }
    }
}

/// Calls `body` with the bytes of `data`, or with `nil` when there is no data (a null key or tombstone value).
private func withOptionalBytes<R>(_ data: [UInt8]?, _ body: (UnsafeRawBufferPointer?) -> R) -> R {
    guard let data else { return body(nil) }
    // An empty array still needs a non-nil pointer, or librdkafka would send null instead of empty.
    if data.isEmpty { return withUnsafeBytes(of: UInt8(0)) { body(UnsafeRawBufferPointer(rebasing: $0[0..<0])) } }
    return data.withUnsafeBytes { body($0) }
}

/// Counts down the delivery reports of one `send` and resumes its caller when the last arrives.
final class DeliveryBatch: @unchecked Sendable {
    private struct State {
        var outstanding: Int
        var firstError: (rd_kafka_resp_err_t, Int32)?
        var waiter: CheckedContinuation<Void, Never>?
    }
    private let state: Mutex<State>

    init(count: Int) { state = Mutex(State(outstanding: count)) }

    /// Called once per message: from librdkafka's delivery callback, or directly when a message could not be queued.
    func delivered(_ error: rd_kafka_resp_err_t, partition: Int32) {
        let waiter = state.withLock { state -> CheckedContinuation<Void, Never>? in
            state.outstanding -= 1
            if error != RD_KAFKA_RESP_ERR_NO_ERROR, state.firstError == nil { state.firstError = (error, partition) }
            guard state.outstanding == 0 else { return nil }
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume()
    }

    func wait(context: String) async throws(KafkaError) {
        await withCheckedContinuation { continuation in
            let done = state.withLock { state in
                if state.outstanding == 0 { return true }
                state.waiter = continuation
                return false
            }
            if done { continuation.resume() }
        }
        if let (error, partition) = state.withLock({ $0.firstError }) {
            throw KafkaError(error, context: "\(context) (partition \(partition))")
        }
    }
}
