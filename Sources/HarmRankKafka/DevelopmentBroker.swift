import CKafka
import Logging

/// The embedded development broker: librdkafka's mock cluster, speaking the real Kafka protocol on loopback so that
/// separate processes can share it. In memory only, no compaction, and each partition keeps only its newest
/// ~5 MB: producers must apply back-pressure (`KafkaAdministration.waitForConsumers`). Production uses Apache Kafka.
public final class DevelopmentBroker: @unchecked Sendable {
    /// The address clients connect to, `host:port` on loopback.
    public let bootstrapServers: String
    /// How many mock brokers the cluster has.
    public let brokerCount: Int32
    private let client: KafkaClient
    private let cluster: OpaquePointer

    /// One broker unless a fault test needs more. All the mock brokers run on one thread of this process, so more of
    /// them add no capacity, only connections: every client holds one to each broker, and each of its fetches and
    /// sends is split across them, which costs an idle stack CPU in empty fetches (the mock broker holds each for the
    /// whole fetch wait; measured in `Benchmarks/RESULTS.md`).
    public static let defaultBrokerCount: Int32 = 1

    /// Starts a mock cluster of `brokers` brokers in this process; it lives as long as this value.
    public init(brokers: Int32 = defaultBrokerCount, logger: Logger) throws(KafkaError) {
        // A handle configured with test.mock.num.brokers creates and owns a mock cluster of that size. The mock
        // brokers' sockets take the handle's settings: with Nagle's algorithm on, a response written while the
        // previous one on the connection was unacknowledged waited for the client's delayed ACK, so a send spread
        // over several partitions of one broker stalled. Kafka's own brokers disable Nagle on every connection.
        client = try KafkaClient(
            RD_KAFKA_PRODUCER, configuration: KafkaConfiguration(bootstrapServers: ""),
            defaults: ["test.mock.num.brokers": String(brokers), "socket.nagle.disable": "true"], logger: logger)
        guard let cluster = rd_kafka_handle_mock_cluster(client.handle) else {
            throw KafkaError(message: "librdkafka did not start a mock cluster", context: "starting the development broker")
        }
        self.cluster = cluster
        self.brokerCount = brokers
        self.bootstrapServers = String(cString: rd_kafka_mock_cluster_bootstraps(cluster))
    }

    /// Creates a topic (the mock cluster does not support the CreateTopics request). Configs are ignored:
    /// the mock cluster has neither compaction nor retention settings.
    public func createTopic(_ specification: TopicSpecification) throws(KafkaError) {
        let replication = specification.replicationFactor > 0 ? specification.replicationFactor : min(3, brokerCount)
        try KafkaError.check(
            rd_kafka_mock_topic_create(cluster, specification.name, specification.partitions, replication),
            "creating topic \(specification.name) on the development broker")
    }

    /// Takes broker `id` (1...brokerCount) down: its connections close and it refuses new ones, as a crashed broker.
    public func setBrokerDown(_ id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_down(cluster, id), "taking broker \(id) down")
    }

    /// Brings broker `id` back after `setBrokerDown(_:)`.
    public func setBrokerUp(_ id: Int32) throws(KafkaError) {
        try KafkaError.check(rd_kafka_mock_broker_set_up(cluster, id), "bringing broker \(id) up")
    }

    /// Delays every response of broker `id` (or of every broker, with nil) by `milliseconds`; 0 ends the delay.
    public func setRoundTripTime(_ milliseconds: Int, broker id: Int32? = nil) throws(KafkaError) {
        try KafkaError.check(
            rd_kafka_mock_broker_set_rtt(cluster, id ?? -1, Int32(milliseconds)),
            "setting the round-trip time of \(id.map { "broker \($0)" } ?? "every broker")")
    }

    /// Kinds of Kafka request a fault can be injected into.
    public enum RequestKind: Int16, CaseIterable, Sendable {
        case produce = 0, fetch = 1, offsetCommit = 8, joinGroup = 11, heartbeat = 12
    }

    /// Errors a broker can be made to answer with; all are ones a client is expected to ride out.
    public enum InjectedError: Int32, CaseIterable, Sendable {
        /// The broker closes the connection instead of answering.
        case disconnect = -195
        case notLeaderOrFollower = 6
        case requestTimedOut = 7
        case coordinatorNotAvailable = 15
        case notEnoughReplicas = 19
        case rebalanceInProgress = 27
    }

    /// Fails the next `errors.count` requests of `kind` from any client, each with the next error.
    public func failRequests(_ kind: RequestKind, with errors: [InjectedError]) {
        let codes = errors.map { rd_kafka_resp_err_t(rawValue: $0.rawValue) }
        codes.withUnsafeBufferPointer { codes in
            rd_kafka_mock_push_request_errors_array(cluster, kind.rawValue, codes.count, codes.baseAddress)
        }
    }
}
