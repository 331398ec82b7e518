import CKafka
import Foundation
import Logging
import Synchronization

/// One librdkafka handle (`rd_kafka_t`) with its log and error callbacks routed to swift-log.
/// Producer, consumer, administration and the development broker each own one.
final class KafkaClient: @unchecked Sendable {
    /// What librdkafka's C callbacks reach through the handle's opaque pointer.
    final class Callbacks: @unchecked Sendable {
        let logger: Logger
        /// Set by a consumer before its poll thread starts; only called on that thread, inside a poll.
        var rebalance: ((rd_kafka_resp_err_t, UnsafeMutablePointer<rd_kafka_topic_partition_list_t>) -> Void)?
        init(logger: Logger) { self.logger = logger }
    }

    let handle: OpaquePointer
    let callbacks: Callbacks

    init(
        _ type: rd_kafka_type_t,
        configuration: KafkaConfiguration,
        defaults: [String: String],
        logger: Logger,
        prepare: (OpaquePointer) -> Void = { _ in }
    ) throws(KafkaError) {
        let conf = try configuration.makeNativeConfiguration(defaults)
        let callbacks = Callbacks(logger: logger)
        rd_kafka_conf_set_opaque(conf, Unmanaged.passUnretained(callbacks).toOpaque())
        rd_kafka_conf_set_log_cb(conf) { handle, level, facility, text in
            guard let handle, let opaque = rd_kafka_opaque(handle) else { return }
            let callbacks = Unmanaged<KafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
            let message = "\(facility.map { String(cString: $0) } ?? ""): \(text.map { String(cString: $0) } ?? "")"
            callbacks.logger.log(level: Logger.Level(syslog: level), "\(message)")
        }
        rd_kafka_conf_set_error_cb(conf) { _, error, reason, opaque in
            guard let opaque else { return }
            let callbacks = Unmanaged<KafkaClient.Callbacks>.fromOpaque(opaque).takeUnretainedValue()
            let error = KafkaError(
                rd_kafka_resp_err_t(rawValue: error),
                context: reason.map { String(cString: $0) } ?? "Kafka client")
            callbacks.logger.warning("\(error)")
        }
        prepare(conf)
        var errorText = [CChar](repeating: 0, count: 512)
        guard let handle = rd_kafka_new(type, conf, &errorText, errorText.count) else {
            rd_kafka_conf_destroy(conf)
            throw KafkaError(
                message: KafkaError.text(of: errorText),
                context: "creating Kafka client")
        }
        self.handle = handle
        self.callbacks = callbacks
    }

    deinit { rd_kafka_destroy(handle) }

    /// The partition count of every topic the cluster has (one metadata request).
    func topicPartitionCounts(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> [String: Int32] {
        var metadata: UnsafePointer<rd_kafka_metadata>?
        try KafkaError.check(
            rd_kafka_metadata(handle, 1, nil, &metadata, timeoutMilliseconds), "reading cluster metadata")
        defer { rd_kafka_metadata_destroy(metadata) }
        var counts: [String: Int32] = [:]
        guard let metadata = metadata?.pointee else { return counts }
        for index in 0..<Int(metadata.topic_cnt) {
            let topic = metadata.topics[index]
            if topic.err == RD_KAFKA_RESP_ERR_NO_ERROR {
                counts[String(cString: topic.topic)] = topic.partition_cnt
            }
        }
        return counts
    }

    /// The id the cluster gives itself (Kafka's `cluster.id`; the embedded broker makes a new one at every start),
    /// from the client's metadata.
    func clusterID(timeoutMilliseconds: Int32 = 10_000) throws(KafkaError) -> String {
        guard let id = rd_kafka_clusterid(handle, timeoutMilliseconds) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: "reading the cluster id")
        }
        defer { rd_kafka_mem_free(handle, id) }
        return String(cString: id)
    }

    /// The oldest and next offsets each partition holds, asked of their leaders. Two lookups for all of them (the
    /// logical beginning and end as "offsets for times"), each one request per leader sent together, where asking
    /// partition by partition cost a round trip each: lag is read every 100 ms, and more often while holding back.
    func watermarks(of partitions: [TopicPartition], timeoutMilliseconds: Int32 = 10_000) throws(KafkaError)
        -> [TopicPartition: (low: Int64, high: Int64)]
    {
        func offsets(at logical: Int64, _ end: String) throws(KafkaError) -> [TopicPartition: Int64] {
            let list = NativePartitionList.make(partitions.map { ($0, logical) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            try KafkaError.check(
                rd_kafka_offsets_for_times(handle, list, timeoutMilliseconds), "reading the \(end) offsets of partitions")
            var found: [TopicPartition: Int64] = [:]
            for entry in list.entries {
                try KafkaError.check(entry.error, "reading the \(end) offset of \(entry.topicPartition)")
                found[entry.topicPartition] = entry.offset
            }
            return found
        }
        guard !partitions.isEmpty else { return [:] }
        let low = try offsets(at: beginningOffset, "oldest")
        let high = try offsets(at: logicalEndOffset, "next")
        return low.reduce(into: [:]) { result, entry in
            if let next = high[entry.key] { result[entry.key] = (entry.value, next) }
        }
    }
}

extension Logger.Level {
    /// librdkafka logs with syslog levels (0 emergency ... 7 debug).
    init(syslog level: Int32) {
        switch level {
        case ...3: self = .error
        case 4: self = .warning
        case 5: self = .notice
        case 6: self = .info
        default: self = .debug
        }
    }
}

/// Runs a blocking librdkafka call on a thread outside Swift's cooperative pool, so it cannot starve async work.
func offloaded<T: Sendable, E: Error>(_ body: @escaping @Sendable () throws(E) -> T) async throws(E) -> T {
    let result: Result<T, E> = await withCheckedContinuation { continuation in
        DispatchQueue.global().async {
            do throws(E) { continuation.resume(returning: .success(try body())) } catch {
                continuation.resume(returning: .failure(error))
            }
        }
    }
    return try result.get()
}

/// A flag that one thread raises and a poll thread checks between polls.
final class StopFlag: Sendable {
    private let raised = Atomic<Bool>(false)
    func raise() { raised.store(true, ordering: .releasing) }
    var isRaised: Bool { raised.load(ordering: .acquiring) }
}
