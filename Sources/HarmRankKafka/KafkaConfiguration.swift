import CKafka

/// How to reach Kafka. Typed fields cover what HarmRank needs; `properties` passes any other librdkafka property
/// through unchanged (`security.protocol`, `sasl.*`, `ssl.*`, ...), applied last so an operator can override anything.
public struct KafkaConfiguration: Sendable {
    /// The brokers to ask first, `host:port[,host:port...]`.
    public var bootstrapServers: String
    /// How the client names itself to the brokers (their logs and quotas).
    public var clientID: String
    /// Any librdkafka properties, applied last.
    public var properties: [String: String]

    /// How to reach the cluster at `bootstrapServers`.
    public init(bootstrapServers: String, clientID: String = "harmrank", properties: [String: String] = [:]) {
        self.bootstrapServers = bootstrapServers
        self.clientID = clientID
        self.properties = properties
    }

    /// A librdkafka configuration object holding these settings, then `overrides` (a client's own defaults),
    /// then the operator's pass-through properties. The caller owns the result until `rd_kafka_new` takes it.
    func makeNativeConfiguration(_ defaults: [String: String]) throws(KafkaError) -> OpaquePointer {
        let conf = rd_kafka_conf_new()!
        var settings: [(String, String)] = [("bootstrap.servers", bootstrapServers), ("client.id", clientID)]
        settings += defaults.sorted { $0.key < $1.key }
        settings += properties.sorted { $0.key < $1.key }
        for (name, value) in settings {
            var errorText = [CChar](repeating: 0, count: 512)
            let result = rd_kafka_conf_set(conf, name, value, &errorText, errorText.count)
            if result != RD_KAFKA_CONF_OK {
                rd_kafka_conf_destroy(conf)
                throw KafkaError(
                    message: KafkaError.text(of: errorText),
                    context: "Kafka property '\(name)'")
            }
        }
        return conf
    }
}

/// Settings of a producer. Defaults favour no loss and no duplicates over latency: idempotence on, every in-sync
/// replica acknowledges, and a message is retried until `deliveryTimeoutMilliseconds`.
public struct ProducerConfiguration: Sendable {
    /// How to reach the cluster.
    public var kafka: KafkaConfiguration
    /// How long librdkafka may wait to fill a batch. Every service hands a whole batch over in one loop and then
    /// waits for its delivery, so a millisecond gathers it; librdkafka's longer default would be paid at every hop
    /// of a crime's way from report to alert.
    public var lingerMilliseconds: Int = 1
    /// How long a message may take to be delivered, retries included, before its send fails.
    public var deliveryTimeoutMilliseconds: Int = 120_000

    /// A producer of the cluster `kafka` names, with the defaults above.
    public init(kafka: KafkaConfiguration) { self.kafka = kafka }

    var nativeDefaults: [String: String] {
        [
            "enable.idempotence": "true",
            "acks": "all",
            "linger.ms": String(lingerMilliseconds),
            "message.timeout.ms": String(deliveryTimeoutMilliseconds),
            // The same hash as Kafka's Java client, for any message sent without an explicit partition.
            "partitioner": "murmur2_random",
        ]
    }
}

/// Settings of a group consumer. Offsets are never stored or committed behind the caller's back: the caller stores
/// them with its own state, so a crash replays exactly what was not yet applied.
public struct ConsumerConfiguration: Sendable {
    /// Where a partition with no offset to resume from is read.
    public enum OffsetReset: String, Sendable, CaseIterable {
        /// A partition with no stored offset is read from its beginning.
        case earliest
        /// A partition with no stored offset is read from new messages only.
        case latest
    }

    /// The brokers and client settings shared with producers.
    public var kafka: KafkaConfiguration
    /// The consumer group the member joins.
    public var groupID: String
    /// The topics it subscribes to.
    public var topics: [String]
    /// Where a partition with no resume offset is read from.
    public var offsetReset: OffsetReset = .earliest
    /// How many received messages may wait for the application before the poll thread stops fetching.
    public var bufferCapacity: Int = 10_000
    /// How many messages the poll thread hands over at once.
    public var batchSize: Int = 500
    /// How long the group waits for a silent member before moving its partitions.
    public var sessionTimeoutMilliseconds: Int = 10_000
    /// How long the broker may hold a fetch that finds no new messages. Kafka answers as soon as messages arrive,
    /// so this only sets how often an idle consumer asks; the embedded broker always waits it out (messages
    /// arriving meanwhile wait for the next fetch), so there it is a floor under every hop's latency.
    public var fetchWaitMilliseconds: Int = 10

    /// A member of `groupID` reading `topics`, with the defaults above.
    public init(kafka: KafkaConfiguration, groupID: String, topics: [String]) {
        self.kafka = kafka
        self.groupID = groupID
        self.topics = topics
    }

    var nativeDefaults: [String: String] {
        [
            "group.id": groupID,
            "enable.auto.commit": "false",
            "enable.auto.offset.store": "false",
            "auto.offset.reset": offsetReset.rawValue,
            "session.timeout.ms": String(sessionTimeoutMilliseconds),
            "heartbeat.interval.ms": String(max(sessionTimeoutMilliseconds / 5, 100)),
            // Eager rebalancing: every member gives up all partitions before any is reassigned, which is what
            // lets state move with its partition and never be owned twice.
            "partition.assignment.strategy": "range",
            "fetch.wait.max.ms": String(fetchWaitMilliseconds),
            "fetch.error.backoff.ms": "10",
        ]
    }
}
