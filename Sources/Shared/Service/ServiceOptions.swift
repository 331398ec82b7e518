import ArgumentParser
import Foundation
import HummingbirdTLS
import Logging

/// What makes one service different from another at start-up.
public struct ServiceIdentity: Sendable {
    /// The executable's name, as in logs and `/v1/status`.
    public var name: String
    public var defaultPort: Int
    /// The consumer group its instances share.
    public var defaultGroup: String
    /// The topics it reads, out of the catalogue.
    public var inputs: @Sendable (TopicCatalogue) -> [String]
    /// The consumer groups (by their default ids) that read what it writes, with the topics they read there.
    public var readers: @Sendable (TopicCatalogue) -> [(group: String, topics: [String])]

    public init(
        name: String, defaultPort: Int, defaultGroup: String,
        readers: @escaping @Sendable (TopicCatalogue) -> [(group: String, topics: [String])] = { _ in [] },
        inputs: @escaping @Sendable (TopicCatalogue) -> [String]
    ) {
        self.name = name
        self.defaultPort = defaultPort
        self.defaultGroup = defaultGroup
        self.readers = readers
        self.inputs = inputs
    }
}

/// The flags every service takes; each falls back to a `HARMRANK_*` variable, as docker-compose sets them.
public struct ServiceOptions: ParsableArguments {
    @OptionGroup public var kafka: KafkaOptions

    @Option(help: "Address to serve HTTP on (HARMRANK_HTTP_HOST; default 127.0.0.1, use 0.0.0.0 in a container).")
    public var httpHost: String?

    @Option(help: "Port to serve HTTP on (HARMRANK_HTTP_PORT; each service has its own default).")
    public var httpPort: String?

    @OptionGroup public var access: AccessOptions

    @Option(help: "Consumer group of this service's instances (HARMRANK_GROUP_ID).")
    public var groupId: String?

    @Option(help: "wall (T = now) or event (T = the largest occurredAt accepted; for backfills and tests) (HARMRANK_CLOCK; default wall).")
    public var clock: String?

    @Option(help: "When a partition's state was built on another incarnation of its topic (another cluster, or a log ending before the stored offset): fail (stop, naming the partition and the ways out) or keep-state (keep the state and read the new log from its beginning) (HARMRANK_ON_NEW_TOPIC; default fail; 'harmrank up' on the embedded broker passes keep-state).")
    public var onNewTopic: String?

    @Option(help: "Wait while a reader of this service's outputs is more than this many messages behind on a partition (HARMRANK_DOWNSTREAM_MAX_LAG; default: never; 'harmrank up' sets 500 on the embedded broker, which keeps only the newest ~5 MB of a partition).")
    public var downstreamMaxLag: String?

    @Option(help: "How many replicas each service reading this one's outputs runs, in groups <group>, <group>-2 .. <group>-N: back-pressure waits for every one (HARMRANK_DOWNSTREAM_REPLICAS; default 1; 'harmrank up' sets the most RankService or NotifyService replicas it starts).")
    public var downstreamReplicas: String?

    @Option(help: "Milliseconds the broker may hold a fetch that finds nothing new (HARMRANK_FETCH_WAIT_MS; default 10; 'harmrank up' sets 2 on the embedded broker).")
    public var fetchWaitMs: String?

    @Option(help: "Milliseconds a consumer that is behind lets a batch grow before applying it; 0 never waits (HARMRANK_BUSY_WAIT_MS; default 300).")
    public var busyWaitMs: String?

    @Option(help: "Largest request body taken, in megabytes; a larger one is refused with 413 (HARMRANK_MAX_BODY_MB; default 10).")
    public var maxBodyMb: String?

    @Option(help: "Origins (http://host:port, comma-separated) of dashboard pages that may call this service from the browser (HARMRANK_DASHBOARD_ORIGINS; default none; 'harmrank up' sets its own).")
    public var dashboardOrigins: String?

    @Option(help: "Process id of the supervisor that started this service; the service stops when it is gone (HARMRANK_SUPERVISOR_PID; set by 'harmrank up' and 'harmrank bench').")
    public var supervisorPid: String?

    @OptionGroup public var referenceData: ReferenceDataOptions

    @OptionGroup public var hotspots: HotspotOptions

    @Option(help: "trace, debug, info, notice, warning, error or critical (HARMRANK_LOG_LEVEL; default info).")
    public var logLevel: String?

    public init() {}

    public func resolve(for identity: ServiceIdentity, _ source: SettingSource = SettingSource()) throws
        -> ServiceSettings
    {
        let portText = source.value(httpPort, "HARMRANK_HTTP_PORT") ?? String(identity.defaultPort)
        guard let port = Int(portText), (1...65_535).contains(port) else {
            throw ConfigurationError("--http-port / HARMRANK_HTTP_PORT '\(portText)': use a port number from 1 to 65535")
        }
        let topics = kafka.topics(source)
        let (harmTable, wards) = try referenceData.load(source)
        let sources = referenceData.sources(source)
        let identityProvider = try access.identityProvider(source)
        return ServiceSettings(
            identity: identity,
            kafka: try kafka.kafkaConfiguration(clientID: identity.name, source),
            topics: topics,
            inputTopics: identity.inputs(topics),
            groupID: source.value(groupId, "HARMRANK_GROUP_ID") ?? identity.defaultGroup,
            httpHost: source.value(httpHost, "HARMRANK_HTTP_HOST") ?? "127.0.0.1",
            httpPort: port,
            dataDirectory: source.dataDirectory(kafka.dataDir),
            tokens: try access.tokens(
                source, dataDirectory: source.dataDirectory(kafka.dataDir), identityProvider: identityProvider != nil),
            identityProvider: identityProvider,
            tls: try access.tls(source),
            clockMode: try clockMode(source),
            newTopicPolicy: try newTopicPolicy(source),
            downstreamMaxLag: try source.wholeNumber(
                downstreamMaxLag, "--downstream-max-lag", "HARMRANK_DOWNSTREAM_MAX_LAG"
            ).map(Int64.init),
            downstreamReplicas: try source.wholeNumber(
                downstreamReplicas, "--downstream-replicas", "HARMRANK_DOWNSTREAM_REPLICAS") ?? 1,
            fetchWait: .milliseconds(try source.wholeNumber(fetchWaitMs, "--fetch-wait-ms", "HARMRANK_FETCH_WAIT_MS") ?? 10),
            busyWait: .milliseconds(
                try source.wholeNumber(busyWaitMs, "--busy-wait-ms", "HARMRANK_BUSY_WAIT_MS", atLeast: 0) ?? 300),
            supervisorProcessID: try source.wholeNumber(supervisorPid, "--supervisor-pid", "HARMRANK_SUPERVISOR_PID"),
            maximumBodyBytes: (try source.wholeNumber(maxBodyMb, "--max-body-mb", "HARMRANK_MAX_BODY_MB") ?? 10) * 1_000_000,
            harmTable: harmTable,
            wards: wards,
            configuration: [.harmTable(harmTable, source: sources.harmTable), .wards(wards, source: sources.wards)],
            hotspots: try hotspots.parameters(source),
            dashboardOrigins: (source.value(dashboardOrigins, "HARMRANK_DASHBOARD_ORIGINS") ?? "").split(separator: ",").map {
                $0.trimmingCharacters(in: .whitespaces)
            }.filter { !$0.isEmpty },
            logLevel: try Logger.Level(setting: source.value(logLevel, "HARMRANK_LOG_LEVEL")))
    }

    private func clockMode(_ source: SettingSource) throws -> ClockMode {
        guard let text = source.value(clock, "HARMRANK_CLOCK") else { return .wall }
        guard let mode = ClockMode(rawValue: text) else {
            throw ConfigurationError("--clock / HARMRANK_CLOCK '\(text)': use 'wall' or 'event'")
        }
        return mode
    }

    private func newTopicPolicy(_ source: SettingSource) throws -> NewTopicPolicy {
        guard let text = source.value(onNewTopic, "HARMRANK_ON_NEW_TOPIC") else { return .fail }
        guard let policy = NewTopicPolicy(rawValue: text) else {
            throw ConfigurationError("--on-new-topic / HARMRANK_ON_NEW_TOPIC '\(text)': use 'fail' or 'keep-state'")
        }
        return policy
    }
}

/// A service's settings, resolved and checked.
public struct ServiceSettings: Sendable {
    public var identity: ServiceIdentity
    public var kafka: KafkaConfiguration
    public var topics: TopicCatalogue
    public var inputTopics: [String]
    public var groupID: String
    public var httpHost: String
    public var httpPort: Int
    public var dataDirectory: URL
    public var tokens: TokenRegistry
    /// The identity provider whose JWTs are accepted beside `tokens`, if any.
    public var identityProvider: IdentityProviderSettings?
    /// How to serve HTTPS; nil serves plain HTTP.
    public var tls: TLSConfiguration?
    public var clockMode: ClockMode
    /// What to do with state built on another incarnation of an input topic.
    public var newTopicPolicy: NewTopicPolicy
    /// Wait while a reader of the service's outputs is more than this many messages behind on a partition.
    public var downstreamMaxLag: Int64?
    /// How many replicas each reader of the service's outputs runs (groups `<group>`, `<group>-2`, ...).
    public var downstreamReplicas: Int
    /// How long the broker may hold a fetch that finds nothing new (`ConsumerConfiguration.fetchWaitMilliseconds`).
    public var fetchWait: Duration
    /// How long the consumer lets a busy batch grow (`BatchGathering`); zero never waits.
    public var busyWait: Duration
    /// The process id of the `harmrank up` or `bench` that started the service, which stops when it is gone
    /// (`SupervisorWatch`); nil when started any other way.
    public var supervisorProcessID: Int?
    /// The largest request body a service takes.
    public var maximumBodyBytes: Int
    public var harmTable: HarmTable
    public var wards: WardRegistry
    /// The harm table and the wards as the audit log records them (`ConfigurationAudit`).
    public var configuration: [ConfigurationAudit.Item]
    public var hotspots: HotspotParameters
    /// Origins (`http://host:port`) of dashboards whose pages may call this service from the browser.
    public var dashboardOrigins: [String]
    public var logLevel: Logger.Level

    /// Where the service keeps its per-partition state files, one directory per service (two services may read the
    /// same topic) under the instance's data dir.
    public var stateDirectory: URL {
        dataDirectory.appendingPathComponent("state", isDirectory: true).appendingPathComponent(identity.name, isDirectory: true)
    }
}
