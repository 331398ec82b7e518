import Logging
import Metrics
import ServiceLifecycle
import Synchronization

/// The audit log's copy on the `audit` topic (key: the service), off the host: a log deleted or cut short at its
/// end on disk can be told from one that ended there. Entries are sent in the order they were written, in batches;
/// a send that fails is logged, counted (`harmrank_audit_copy_failures_total`) and tried again until it succeeds,
/// so no entry is dropped while the service runs. Entries not yet sent when the service stops are sent first.
public final class AuditCopy: Service, Sendable {
    private let producer: KafkaProducer
    private let topic: String
    private let key: String
    private let logger: Logger
    private let waiting = Mutex<[[UInt8]]>([])
    private let written = Doorbell()
    private let failures = Counter(label: "harmrank_audit_copy_failures_total")

    /// Copies to `topic` under `key` (the service's name) through `producer`.
    public init(producer: KafkaProducer, topic: String, key: String, logger: Logger) {
        self.producer = producer
        self.topic = topic
        self.key = key
        self.logger = logger
    }

    /// Queues an entry's line for the topic.
    func copy(_ line: [UInt8]) {
        waiting.withLock { $0.append(line) }
        written.ring()
    }

    public func run() async throws {
        await withGracefulShutdownHandler {
            while true {
                let lines = waiting.withLock { $0 }
                if lines.isEmpty {
                    if Task.isShuttingDownGracefully || Task.isCancelled { return }
                    await written.wait(timeout: .seconds(1))
                    continue
                }
                do {
                    try await producer.send(lines.map { OutgoingMessage(topic: topic, key: key, value: $0) })
                    waiting.withLock { $0.removeFirst(lines.count) }
                } catch {
                    failures.increment()
                    if Task.isShuttingDownGracefully || Task.isCancelled {
                        // They stay in the log on disk; only the copy is missing, and that must be seen.
                        logger.critical("audit: stopping with \(lines.count) entries not copied to \(topic): \(error)")
                        return
                    }
                    logger.error("audit: \(lines.count) entries not yet copied to \(topic): \(error); trying again")
                    try? await Task.sleep(for: .seconds(1))
                }
            }
        } onGracefulShutdown: {
            self.written.ring()
        }
    }
}

extension ServiceSettings {
    /// The data directory's audit log, each entry also copied to the `audit` topic through `producer` by the copy,
    /// which must run beside the service (before the producer stops). The service's configuration (`configuration`
    /// and `more`, such as NotifyService's units) is recorded in it when it differs from the last start.
    public func auditLog(
        producer: KafkaProducer, logger: Logger, configuring more: [ConfigurationAudit.Item] = []
    ) throws -> (log: AuditLog, copy: AuditCopy) {
        let copy = AuditCopy(producer: producer, topic: topics.audit, key: identity.name, logger: logger)
        let log = try AuditLog(path: dataDirectory.appendingPathComponent("audit.log").path, copy: copy)
        try ConfigurationAudit(items: configuration + more, stateFile: stateDirectory.appendingPathComponent("configuration.json"))
            .record(service: identity.name, in: log)
        return (log, copy)
    }
}
