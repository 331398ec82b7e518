import CKafka
import Foundation
import Logging
import Synchronization

/// A topic HarmRank needs, with the settings it is created with on a real cluster.
public struct TopicSpecification: Sendable, Equatable {
    /// The topic's full name, prefix included.
    public var name: String
    /// How many partitions it is created with.
    public var partitions: Int32
    /// -1 takes the cluster's default.
    public var replicationFactor: Int32
    /// Topic configs such as `cleanup.policy=compact` or `retention.ms`.
    public var configs: [String: String]

    /// A topic to create with these settings.
    public init(name: String, partitions: Int32, replicationFactor: Int32 = -1, configs: [String: String] = [:]) {
        self.name = name
        self.partitions = partitions
        self.replicationFactor = replicationFactor
        self.configs = configs
    }
}

/// How far a consumer group is behind on one partition.
public struct PartitionLag: Sendable, Codable, Equatable {
    /// The topic of the partition.
    public var topic: String
    /// The partition's number within its topic.
    public var partition: Int32
    /// The group's committed offset, or nil when it has committed nothing there.
    public var committedOffset: Int64?
    /// The offset the next message written to the partition will get.
    public var endOffset: Int64
    /// Messages still to be read: from the committed offset (or the oldest message kept) to the end.
    public var lag: Int64
}

/// Topic administration and consumer-group lag, on a handle of its own.
public final class KafkaAdministration: @unchecked Sendable {
    private let configuration: KafkaConfiguration
    private let client: KafkaClient
    private let logger: Logger
    /// One consumer-type handle per group whose committed offsets are read; it never joins the group.
    private let groupReaders = Mutex<[String: KafkaClient]>([:])

    /// An administration client of the cluster `configuration` names.
    public init(configuration: KafkaConfiguration, logger: Logger) throws(KafkaError) {
        self.configuration = configuration
        self.logger = logger
        self.client = try KafkaClient(RD_KAFKA_PRODUCER, configuration: configuration, defaults: [:], logger: logger)
    }

    /// The partition count of every topic in the cluster.
    public func partitionCounts() async throws(KafkaError) -> [String: Int32] {
        try await offloaded { [client] () throws(KafkaError) in try client.topicPartitionCounts() }
    }

    /// Creates the topics that do not exist yet and leaves the others alone, so it can run at every start.
    /// Returns the names it created. A topic with fewer partitions than specified is reported, not changed:
    /// adding partitions would move entities between partitions and break co-partitioning.
    @discardableResult
    public func ensureTopics(_ specifications: [TopicSpecification]) async throws(KafkaError) -> [String] {
        let existing = try await partitionCounts()
        for specification in specifications {
            if let count = existing[specification.name], count < specification.partitions {
                logger.warning(
                    "topic \(specification.name) has \(count) partitions, fewer than the \(specification.partitions) configured; it is used as it is")
            }
        }
        let missing = specifications.filter { existing[$0.name] == nil }
        guard !missing.isEmpty else { return [] }
        try await offloaded { [client] () throws(KafkaError) in try Self.createTopics(missing, on: client.handle) }
        logger.info("created topics \(missing.map(\.name).joined(separator: ", "))")
        return missing.map(\.name)
    }

    private static func createTopics(_ specifications: [TopicSpecification], on handle: OpaquePointer)
        throws(KafkaError)
    {
        var errorText = [CChar](repeating: 0, count: 512)

        var newTopics: [OpaquePointer?] = []
        defer { for topic in newTopics { rd_kafka_NewTopic_destroy(topic) } }
        for specification in specifications {
            guard let topic = rd_kafka_NewTopic_new(
                specification.name, specification.partitions, specification.replicationFactor, &errorText,
                errorText.count)
            else { throw KafkaError(message: KafkaError.text(of: errorText), context: "describing topic \(specification.name)") }
            newTopics.append(topic)
            for (name, value) in specification.configs.sorted(by: { $0.key < $1.key }) {
                try KafkaError.check(
                    rd_kafka_NewTopic_set_config(topic, name, value), "setting \(name) on topic \(specification.name)")
            }
        }
        let event = try request(
            RD_KAFKA_ADMIN_OP_CREATETOPICS, on: handle, "creating topics",
            configure: { options throws(KafkaError) in
                try KafkaError.check(
                    rd_kafka_AdminOptions_set_operation_timeout(options, 30_000, &errorText, errorText.count),
                    "setting the topic creation timeout")
            },
            send: { options, queue in rd_kafka_CreateTopics(handle, &newTopics, newTopics.count, options, queue) })
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let results = rd_kafka_CreateTopics_result_topics(rd_kafka_event_CreateTopics_result(event), &count)
        else { return }
        for index in 0..<count {
            let error = rd_kafka_topic_result_error(results[index])
            guard error != RD_KAFKA_RESP_ERR_NO_ERROR, error != RD_KAFKA_RESP_ERR_TOPIC_ALREADY_EXISTS else { continue }
            let name = String(cString: rd_kafka_topic_result_name(results[index]))
            let detail = rd_kafka_topic_result_error_string(results[index]).map { String(cString: $0) } ?? ""
            throw KafkaError(code: error, message: detail, context: "creating topic \(name)")
        }
    }

    /// The lag of `group` on every partition of `topics`, from its committed offsets and the partitions' ends.
    public func lag(group: String, topics: [String]) async throws(KafkaError) -> [PartitionLag] {
        let partitions = try await partitions(of: topics)
        let reader = try groupReader(group)
        return try await offloaded { [client] () throws(KafkaError) in
            let list = NativePartitionList.make(partitions.map { ($0, nil) })
            defer { rd_kafka_topic_partition_list_destroy(list) }
            try KafkaError.check(rd_kafka_committed(reader.handle, list, 10_000), "reading offsets of group \(group)")
            let watermarks = try client.watermarks(of: partitions)
            return try list.entries.map { entry throws(KafkaError) in
                guard let (low, high) = watermarks[entry.topicPartition] else {
                    throw KafkaError(
                        code: RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, message: "no offsets returned",
                        context: "reading offsets of \(entry.topicPartition)")
                }
                let committed = entry.offset >= 0 ? entry.offset : nil
                return PartitionLag(
                    topic: entry.topicPartition.topic, partition: entry.topicPartition.partition,
                    committedOffset: committed, endOffset: high, lag: max(high - max(committed ?? low, low), 0))
            }
        }
    }

    /// The offset the next message written to each partition of `topics` will get.
    public func endOffsets(of topics: [String]) async throws(KafkaError) -> [TopicPartition: Int64] {
        let partitions = try await partitions(of: topics)
        return try await offloaded { [client] () throws(KafkaError) in
            try client.watermarks(of: partitions).mapValues(\.high)
        }
    }

    /// The id of the cluster (`KafkaClient.clusterID`).
    public func clusterID() async throws(KafkaError) -> String {
        try await offloaded { [client] () throws(KafkaError) in try client.clusterID() }
    }

    /// The offsets each partition holds now: from the oldest kept to the one the next message will get. Answers
    /// for every partition asked, or throws.
    public func heldOffsets(of partitions: [TopicPartition]) async throws(KafkaError) -> [TopicPartition: Range<Int64>] {
        try await offloaded { [client] () throws(KafkaError) in
            let held = try client.watermarks(of: partitions).mapValues { $0.low..<max($0.low, $0.high) }
            if let unanswered = partitions.first(where: { held[$0] == nil }) {
                throw KafkaError(
                    code: RD_KAFKA_RESP_ERR__UNKNOWN_PARTITION, message: "no offsets returned",
                    context: "reading the offsets of \(unanswered)")
            }
            return held
        }
    }

    /// Which of `topics` the cluster compacts (`cleanup.policy` including `compact`). A compacted topic skips
    /// offsets on purpose, so a gap there is not a loss.
    public func compactedTopics(_ topics: [String]) async throws(KafkaError) -> Set<String> {
        guard !topics.isEmpty else { return [] }
        return try await offloaded { [client] () throws(KafkaError) in
            try Self.cleanupPolicies(of: topics, on: client.handle).filter { $0.value.contains("compact") }.keys
                .reduce(into: Set<String>()) { $0.insert($1) }
        }
    }

    /// Sends one administration request with `send` and waits for its answer, which the caller must destroy.
    private static func request(
        _ operation: rd_kafka_admin_op_t, on handle: OpaquePointer, _ context: String,
        configure: (OpaquePointer?) throws(KafkaError) -> Void = { _ in },
        send: (_ options: OpaquePointer?, _ queue: OpaquePointer?) -> Void
    ) throws(KafkaError) -> OpaquePointer {
        let options = rd_kafka_AdminOptions_new(handle, operation)
        defer { rd_kafka_AdminOptions_destroy(options) }
        try configure(options)
        let queue = rd_kafka_queue_new(handle)
        defer { rd_kafka_queue_destroy(queue) }
        send(options, queue)
        guard let event = rd_kafka_queue_poll(queue, 60_000) else {
            throw KafkaError(RD_KAFKA_RESP_ERR__TIMED_OUT, context: context)
        }
        let error = rd_kafka_event_error(event)
        guard error == RD_KAFKA_RESP_ERR_NO_ERROR else {
            rd_kafka_event_destroy(event)
            throw KafkaError(error, context: context)
        }
        return event
    }

    private static func cleanupPolicies(of topics: [String], on handle: OpaquePointer) throws(KafkaError)
        -> [String: String]
    {
        var resources: [OpaquePointer?] = topics.map { rd_kafka_ConfigResource_new(RD_KAFKA_RESOURCE_TOPIC, $0) }
        defer { for resource in resources { rd_kafka_ConfigResource_destroy(resource) } }
        var errorText = [CChar](repeating: 0, count: 512)
        let event = try request(
            RD_KAFKA_ADMIN_OP_DESCRIBECONFIGS, on: handle, "reading topic configurations",
            configure: { options throws(KafkaError) in
                // The embedded broker never answers (it has no controller to ask); do not wait a minute for that.
                try KafkaError.check(
                    rd_kafka_AdminOptions_set_request_timeout(options, 5_000, &errorText, errorText.count),
                    "setting the topic configuration timeout")
            },
            send: { options, queue in rd_kafka_DescribeConfigs(handle, &resources, resources.count, options, queue) })
        defer { rd_kafka_event_destroy(event) }
        var count = 0
        guard let results = rd_kafka_DescribeConfigs_result_resources(rd_kafka_event_DescribeConfigs_result(event), &count)
        else { return [:] }
        var policies: [String: String] = [:]
        for index in 0..<count {
            let resource = results[index]
            let name = String(cString: rd_kafka_ConfigResource_name(resource))
            try KafkaError.check(rd_kafka_ConfigResource_error(resource), "reading the configuration of topic \(name)")
            var entryCount = 0
            guard let entries = rd_kafka_ConfigResource_configs(resource, &entryCount) else { continue }
            for entryIndex in 0..<entryCount where String(cString: rd_kafka_ConfigEntry_name(entries[entryIndex])) == "cleanup.policy" {
                policies[name] = rd_kafka_ConfigEntry_value(entries[entryIndex]).map { String(cString: $0) } ?? ""
            }
        }
        return policies
    }

    private func partitions(of topics: [String]) async throws(KafkaError) -> [TopicPartition] {
        let counts = try await partitionCounts()
        return topics.flatMap { topic in (0..<(counts[topic] ?? 0)).map { TopicPartition(topic, $0) } }
    }

    /// Waits until `group` is at most `maxLagPerPartition` messages behind on every partition of `topics`.
    /// Producers call it between batches: a log that keeps a bounded amount per partition (the embedded broker
    /// keeps only its newest ~5 MB) silently loses what a producer writes too far ahead of its consumers.
    public func waitForConsumers(
        group: String, topics: [String], maxLagPerPartition: Int64, pollInterval: Duration = .milliseconds(20)
    ) async throws {
        var lastReport = ContinuousClock.now
        while true {
            let worst = try await lag(group: group, topics: topics).map(\.lag).max() ?? 0
            if worst <= maxLagPerPartition { return }
            if ContinuousClock.now - lastReport > .seconds(10) {
                logger.notice("waiting for consumer group \(group) to catch up: \(worst) messages behind on a partition")
                lastReport = .now
            }
            try await Task.sleep(for: pollInterval)
        }
    }

    private func groupReader(_ group: String) throws(KafkaError) -> KafkaClient {
        if let reader = groupReaders.withLock({ $0[group] }) { return reader }
        let reader = try KafkaClient(
            RD_KAFKA_CONSUMER, configuration: configuration,
            defaults: ["group.id": group, "enable.auto.commit": "false"], logger: logger)
        return groupReaders.withLock { readers in
            if let existing = readers[group] { return existing }
            readers[group] = reader
            return reader
        }
    }
}
