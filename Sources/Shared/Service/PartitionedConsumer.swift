import Logging
import ServiceLifecycle
import Synchronization

/// What a service keeps for one partition of its input, and how it applies that partition's messages. State and
/// the next offset live together in the partition's `PartitionDatabase`, so whatever happens the partition resumes
/// at `nextOffset` with the state that belongs to it.
public protocol PartitionProcessor: AnyObject, SendableMetatype {
    /// The partition's state file with the offset and outcome counts committed with the state.
    var ledger: PartitionLedger { get }
    /// Applies messages of this partition in offset order, none before `nextOffset`: sends what they produce,
    /// waits until it is delivered, then commits the state with the next offset. Bad input never throws (it is
    /// dead-lettered); a throw means Kafka or the disk failed, and the partition is reopened from its database.
    func apply(_ messages: ArraySlice<KafkaMessage>) async throws
    /// Time-driven work, called when input pauses and about once a second while it flows.
    func tick() async throws
    /// The partition moved to another instance (or the service is stopping); its state is already committed.
    func revoked()
}

extension PartitionProcessor {
    public func tick() async throws {}
    public func revoked() {}
    /// The offset of the first message not yet applied, as stored with the state.
    public var nextOffset: Int64 { ledger.nextOffset }
    /// How the partition's records have ended so far (for `/v1/status`), over the state's whole life.
    public var outcomes: [String: Int] { ledger.outcomes }
}

/// A group consumer running one `PartitionProcessor` per partition it owns: the loop every HarmRank service
/// shares. Partitions are opened when assigned, after `PartitionLogs` has checked that their state belongs to the
/// log the broker holds now (resuming at their stored offset, or at the beginning when they have no state),
/// applied a fetched batch at a time, and given up cleanly when revoked or at shutdown. Offsets are also committed
/// to the group, only so that lag can be read from outside; the state's own offsets are what count.
public final class PartitionedConsumer<Processor: PartitionProcessor>: Service, @unchecked Sendable {
    public typealias Open = (TopicPartition) throws -> Processor

    private let configuration: ConsumerConfiguration
    private let independentPartitions: Bool
    private let gathering: BatchGathering?
    private let status: ServiceStatus
    private let backPressure: DownstreamBackPressure?
    private let logger: Logger
    private let logs: PartitionLogs
    private let open: Open
    private var processors: [TopicPartition: Processor] = [:]
    private var lastTick = ContinuousClock.now
    private var lastGroupCommit = ContinuousClock.now
    private var uncommitted: [TopicPartition: Int64] = [:]

    /// With `independentPartitions`, the partitions of a fetched batch are applied at once rather than in turn:
    /// for processors that share no state with each other, which can then use more than one core and wait for
    /// their deliveries together.
    init(
        configuration: ConsumerConfiguration, independentPartitions: Bool = false, gathering: BatchGathering? = nil,
        status: ServiceStatus, backPressure: DownstreamBackPressure? = nil, logs: PartitionLogs, logger: Logger,
        open: @escaping Open
    ) {
        self.configuration = configuration
        self.independentPartitions = independentPartitions
        self.gathering = gathering
        self.status = status
        self.backPressure = backPressure
        self.logger = logger
        self.logs = logs
        self.open = open
    }

    public func run() async throws {
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        let watchingReaders = backPressure.map { backPressure in Task { [logger] in await backPressure.watch(logger: logger) } }
        defer { watchingReaders?.cancel() }
        // Cancellation comes when another part of the service failed (its HTTP port taken, say): the consumer
        // leaves the group then too, or the partitions it holds would wait on a process that serves nothing.
        try await withTaskCancellationOrGracefulShutdownHandler {
            for await event in consumer.events.batches(idleAfter: .seconds(1), gathering: gathering) {
                switch event {
                case .assigned(let assignment):
                    try await checkedLogs(assignment.partitions)
                    for partition in assignment.partitions {
                        let processor = try await opened(partition)
                        processors[partition] = processor
                        status.reached(partition, processor.nextOffset)
                        assignment.resume(partition, at: processor.nextOffset)
                        // The group learns where the state stands even if no message comes: a predecessor killed
                        // before its last commit left the group's offset behind the state, and the lag shown and
                        // a later rebuild's starting point would stay there.
                        uncommitted[partition] = processor.nextOffset
                    }
                    status.markAssigned()
                case .messages(let messages):
                    try await backPressure?.waitWhileHeld()
                    try await apply(Self.byPartition(messages))
                    if lastTick.duration(to: .now) >= .seconds(1) { try await tickAll() }
                    await commitToGroup(consumer, force: false)
                case .idle:
                    try await tickAll()
                    await commitToGroup(consumer, force: false)
                case .revoked(let partitions):
                    status.markUnassigned()
                    await commitToGroup(consumer, force: true)
                    for partition in partitions {
                        processors.removeValue(forKey: partition)?.revoked()
                        status.forget(partition)
                        // A commit that failed (the group had already moved on) is not retried for a partition no
                        // longer owned: Kafka refuses it, and the refusal would hold back every later commit.
                        uncommitted[partition] = nil
                    }
                }
            }
        } onCancelOrGracefulShutdown: {
            consumer.close()
        }
        await consumer.waitUntilClosed()
    }

    /// Each partition's messages in offset order, partitions in order of first appearance.
    static func byPartition(_ messages: [KafkaMessage]) -> [(TopicPartition, ArraySlice<KafkaMessage>)] {
        var order: [TopicPartition] = []
        var groups: [TopicPartition: [KafkaMessage]] = [:]
        for message in messages {
            if groups[message.topicPartition] == nil { order.append(message.topicPartition) }
            groups[message.topicPartition, default: []].append(message)
        }
        return order.map { ($0, groups[$0]![...]) }
    }

    /// Checks the partitions' stored positions against their logs (`PartitionLogs.prepare`), retried while Kafka
    /// or the disk refuses; a new incarnation of a topic that the policy says to stop for ends the service.
    @discardableResult
    private func checkedLogs(_ partitions: [TopicPartition]) async throws -> Set<TopicPartition> {
        try await retrying("checking the logs of \(partitions.count) partitions") {
            do {
                return try await logs.prepare(partitions)
            } catch let error as NewTopicError {
                logger.critical("\(error)")
                throw error
            }
        }
    }

    /// Opens a partition's processor; retried while the disk refuses, since the partition cannot be skipped.
    private func opened(_ partition: TopicPartition) async throws -> Processor {
        try await retrying("\(partition): cannot open its state") {
            let processor = try open(partition)
            status.report(processor.outcomes, for: partition)
            logger.info("\(partition): resuming at offset \(processor.nextOffset)")
            return processor
        }
    }

    /// Runs `body` until it succeeds, waiting longer after each failure: for work a partition cannot go without.
    /// A `NewTopicError` is not retried: only a person can resolve it.
    private func retrying<T>(_ what: @autoclosure () -> String, _ body: () async throws -> T) async throws -> T {
        var delay = Duration.milliseconds(200)
        while true {
            do {
                return try await body()
            } catch let error as NewTopicError {
                throw error
            } catch {
                logger.error("\(what()): \(error); retrying in \(delay)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(30))
            }
        }
    }

    /// Applies each partition's messages with its processor: in turn, or all at once when the partitions are
    /// independent. Each processor goes to exactly one task and comes back before the next batch.
    private func apply(_ batches: [(TopicPartition, ArraySlice<KafkaMessage>)]) async throws {
        var owned: [(TopicPartition, ArraySlice<KafkaMessage>, Processor)] = []
        for (partition, batch) in batches {
            guard let processor = processors[partition] else {
                logger.warning("\(partition): messages for a partition not owned; ignored until it is assigned")
                continue
            }
            owned.append((partition, batch, processor))
        }
        guard independentPartitions, owned.count > 1 else {
            for (partition, batch, processor) in owned {
                finished(partition, try await applied(batch, with: processor, of: partition))
            }
            return
        }
        try await withThrowingTaskGroup(of: (TopicPartition, HandedProcessor<Processor>).self) { group in
            for (partition, batch, processor) in owned {
                let handed = HandedProcessor(processor)
                group.addTask {
                    (partition, HandedProcessor(try await self.applied(batch, with: handed.processor, of: partition)))
                }
            }
            for try await (partition, handed) in group { finished(partition, handed.processor) }
        }
    }

    private func finished(_ partition: TopicPartition, _ processor: Processor) {
        processors[partition] = processor
        uncommitted[partition] = processor.nextOffset
        status.reached(partition, processor.nextOffset)
    }

    /// Applies a batch, retrying from the stored state until it succeeds: nothing is skipped and, because the
    /// state is reloaded, nothing is applied twice. Returns the processor holding the result, a reloaded one if
    /// the first attempt failed.
    private func applied(
        _ batch: ArraySlice<KafkaMessage>, with processor: Processor, of partition: TopicPartition
    ) async throws -> Processor {
        var processor = processor
        if let first = batch.first?.offset, first < processor.nextOffset {
            // The consumer starts each partition at its stored offset, so reading an earlier one means the log
            // was replaced under it (a restarted broker, a recreated topic) and the consumer went back to its
            // beginning. Messages below the stored offset are taken as applied only if the log is still the same.
            if try await checkedLogs([partition]).contains(partition) {
                processor = try await opened(partition)
            } else {
                logger.error(
                    "\(partition): offsets went back from \(processor.nextOffset) to \(first) in the same log; those below \(processor.nextOffset) are taken as already applied")
            }
        }
        var delay = Duration.milliseconds(200)
        while true {
            let fresh = batch.drop { $0.offset < processor.nextOffset }
            guard !fresh.isEmpty else { return processor }
            do {
                // Recorded before the batch is applied, and again (changing nothing) if it is retried.
                if fresh.first!.offset > processor.nextOffset {
                    try await logs.recordGap(processor.nextOffset..<fresh.first!.offset, of: partition)
                }
                try await processor.apply(fresh)
                status.recordApplied(batchOf: fresh.count)
                status.report(processor.outcomes, for: partition)
                return processor
            } catch {
                logger.error("\(partition): applying offsets \(fresh.first!.offset)-\(fresh.last!.offset) failed: \(error); reloading the partition's state and retrying in \(delay)")
                try await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(30))
                processor = try await opened(partition)
            }
        }
    }

    private func tickAll() async throws {
        lastTick = .now
        for partition in processors.keys.sorted() {
            do {
                try await processors[partition]?.tick()
            } catch {
                logger.error("\(partition): time-driven work failed: \(error); reloading the partition's state")
                processors[partition] = try await opened(partition)
            }
        }
    }

    private func commitToGroup(_ consumer: KafkaConsumer, force: Bool) async {
        // Often enough for readers' lag (back-pressure, `publish`) to be seen promptly, rarely enough to cost little.
        guard !uncommitted.isEmpty, force || lastGroupCommit.duration(to: .now) >= .milliseconds(200) else { return }
        lastGroupCommit = .now
        let offsets = uncommitted
        uncommitted = [:]
        do {
            try await consumer.commit(offsets)
        } catch {
            // Only the lag shown to operators depends on it; the next commit carries the same offsets.
            logger.warning("committing offsets to the group: \(error)")
            for (partition, offset) in offsets where uncommitted[partition] == nil { uncommitted[partition] = offset }
        }
    }
}

/// A processor on its way to the task that applies its partition's batch. Processors are not `Sendable`; this is
/// sound because `PartitionedConsumer` hands each one to a single task at a time and takes it back before
/// handing it on, and only processors that share no state are applied side by side.
private struct HandedProcessor<Processor: PartitionProcessor>: @unchecked Sendable {
    let processor: Processor
    init(_ processor: Processor) { self.processor = processor }
}

/// What `PartitionedConsumer` logs that other tools look for.
public enum PartitionedConsumerLog {
    /// Ends the warning for offsets missing from a partition.
    public static let offsetJump = "were not in the log when read"
}

/// Holds a service's processing back while the consumers of its outputs are too far behind: the embedded
/// broker keeps only the newest ~5 MB of a partition and silently drops the rest, so on it every producer in the
/// pipeline must wait for its readers. Off unless `HARMRANK_DOWNSTREAM_MAX_LAG` is set (`harmrank up` sets it
/// with the embedded broker); a real cluster keeps messages by time and needs none.
///
/// The readers' lag is watched in the background and the processing path only reads the outcome: one check asks
/// the broker for metadata, each reader's committed offsets and the partitions' watermarks (several round trips),
/// and a slow answer on the processing path held back every record behind it.
public final class DownstreamBackPressure: Sendable {
    public let administration: KafkaAdministration
    /// The groups reading this service's outputs, with the topics they read.
    public let readers: [(group: String, topics: [String])]
    public let maxLagPerPartition: Int64
    private let held = Atomic<Bool>(false)

    public init(administration: KafkaAdministration, readers: [(group: String, topics: [String])], maxLagPerPartition: Int64) {
        self.administration = administration
        self.readers = readers
        self.maxLagPerPartition = maxLagPerPartition
    }

    /// Returns at once unless the last look found a reader too far behind; then when a later look finds none.
    public func waitWhileHeld() async throws {
        while held.load(ordering: .acquiring) { try await Task.sleep(for: .milliseconds(10)) }
    }

    /// Looks at the readers' lag every 100 ms until cancelled, and again at once while holding back, so the
    /// processing path resumes as soon as the readers have caught up. A reader is too far behind when it is more than
    /// `maxLagPerPartition` behind on a partition it has started on: a partition where a group has committed
    /// nothing is not waited for, so a reader that is not deployed, or runs under another group id, never stops
    /// the pipeline. When the broker cannot be asked, the last outcome stands.
    func watch(logger: Logger) async {
        var reportedAt: ContinuousClock.Instant?
        var failedAt: ContinuousClock.Instant?
        while !Task.isCancelled {
            do {
                let worst = try await mostBehindReader()
                held.store(worst != nil, ordering: .releasing)
                if let worst, reportedAt.map({ $0.duration(to: .now) > .seconds(10) }) ?? true {
                    logger.notice("waiting for \(worst.group): \(worst.lag) messages behind on \(worst.partition)")
                    reportedAt = .now
                } else if worst == nil {
                    reportedAt = nil
                }
                failedAt = nil
            } catch {
                if failedAt.map({ $0.duration(to: .now) > .seconds(10) }) ?? true {
                    logger.warning("reading the lag of this service's readers: \(error)")
                    failedAt = .now
                }
            }
            try? await Task.sleep(for: held.load(ordering: .relaxed) ? .milliseconds(5) : .milliseconds(100))
        }
        held.store(false, ordering: .releasing)
    }

    private func mostBehindReader() async throws -> (group: String, partition: String, lag: Int64)? {
        var worst: (group: String, partition: String, lag: Int64)?
        for reader in readers {
            for lag in try await administration.lag(group: reader.group, topics: reader.topics)
            where lag.committedOffset != nil && lag.lag > maxLagPerPartition && lag.lag > (worst?.lag ?? 0) {
                worst = (reader.group, "\(lag.topic)[\(lag.partition)]", lag.lag)
            }
        }
        return worst
    }
}

extension ServiceSettings {
    /// The groups reading the service's outputs, with the topics they read: each reader's default group and the
    /// groups of its further replicas.
    public var downstreamReaders: [(group: String, topics: [String])] {
        identity.readers(topics).flatMap { reader in
            [reader] + stride(from: 2, through: downstreamReplicas, by: 1).map { ("\(reader.group)-\($0)", reader.topics) }
        }
    }

    /// The service's group consumer of its input topics, held back by its readers' lag when that is asked for.
    /// `independentPartitions`: see `PartitionedConsumer.init`.
    public func partitionedConsumer<Processor: PartitionProcessor>(
        status: ServiceStatus, logger: Logger, independentPartitions: Bool = false, restoring: StateRestoring? = nil,
        open: @escaping PartitionedConsumer<Processor>.Open
    ) throws -> PartitionedConsumer<Processor> {
        let backPressure = try downstreamMaxLag.map { maxLag in
            DownstreamBackPressure(
                administration: try KafkaAdministration(configuration: kafka, logger: logger),
                readers: downstreamReaders, maxLagPerPartition: maxLag)
        }
        let logs = PartitionLogs(
            directory: stateDirectory.path, inputTopics: inputTopics,
            administration: try KafkaAdministration(configuration: kafka, logger: logger), policy: newTopicPolicy,
            restoring: restoring, status: status, logger: logger)
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: groupID, topics: inputTopics)
        configuration.fetchWaitMilliseconds = Int(fetchWait / .milliseconds(1))
        return PartitionedConsumer(
            configuration: configuration, independentPartitions: independentPartitions,
            gathering: busyWait > .zero ? BatchGathering(wait: busyWait) : nil,
            status: status, backPressure: backPressure, logs: logs, logger: logger, open: open)
    }
}
