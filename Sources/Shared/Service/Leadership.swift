import Logging
import ServiceLifecycle
import Synchronization

/// Which replica of a service does what must happen once (publish the rankings, raise and deliver alerts). The
/// replicas join a consumer group of their own on a topic of one partition, and Kafka's group protocol gives that
/// partition to exactly one member: the leader. It leads until the partition is revoked, because it stops or
/// because the group stopped hearing from it (a crash, a pause longer than the session timeout), and the group then
/// gives the partition to another member.
///
/// A leader that is paused past its session and then resumes believes it leads until its consumer learns
/// otherwise; what it sends meanwhile is not fenced off (that would take Kafka transactions).
public final class Leadership: Service, Sendable {
    private let configuration: ConsumerConfiguration
    private let leading = Atomic<Bool>(false)
    private let terms = Atomic<Int>(0)
    private let changed: @Sendable () -> Void
    private let logger: Logger

    /// Members of `group` on `topic` (which must have one partition); `changed` is called when this replica becomes
    /// leader and when it stops being one, so the work it gates looks at ``isLeader`` again.
    public init(
        kafka: KafkaConfiguration, group: String, topic: String, logger: Logger,
        changed: @escaping @Sendable () -> Void
    ) {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: group, topics: [topic])
        configuration.offsetReset = .latest
        // A replica that dies leads on until the group stops hearing from it: the shortest session Kafka brokers
        // allow by default (group.min.session.timeout.ms), so another takes over soon after.
        configuration.sessionTimeoutMilliseconds = 6_000
        self.configuration = configuration
        self.changed = changed
        self.logger = logger
    }

    /// Whether this replica leads now.
    public var isLeader: Bool { leading.load(ordering: .acquiring) }

    /// How many times this replica has been elected: a leader that has caught up with what its predecessors did in
    /// one term must do so again in the next.
    public var term: Int { terms.load(ordering: .acquiring) }

    public func run() async throws {
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        await withTaskCancellationOrGracefulShutdownHandler {
            for await event in consumer.events {
                switch event {
                case .assigned(let assignment) where !assignment.partitions.isEmpty:
                    terms.add(1, ordering: .releasing)
                    leading.store(true, ordering: .releasing)
                    logger.notice("leading: this replica now does what the group '\(configuration.groupID)' does once")
                    changed()
                case .revoked(let partitions) where !partitions.isEmpty:
                    leading.store(false, ordering: .releasing)
                    logger.notice("no longer leading the group '\(configuration.groupID)'")
                    changed()
                default:
                    // The leader reads what it writes to the topic; nothing to do with it.
                    continue
                }
            }
        } onCancelOrGracefulShutdown: {
            consumer.close()
        }
        await consumer.waitUntilClosed()
    }
}
