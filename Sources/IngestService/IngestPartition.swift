import Logging
import Shared

/// IngestService's state for one partition of `offences.raw`: the latest version of each crime, the partition's
/// event clock (the largest occurredAt it accepted) and how its records ended.
///
/// A batch is applied in four steps: each record is judged against the stored crime, or against a newer
/// version earlier in the same batch; the link changes and dead letters are sent and their delivery awaited; then
/// the crimes accepted and forgotten and the partition's progress go to `crimes.changelog` (`CrimeChangelog`);
/// then the crimes, the clock and the next offset are committed in one transaction. A crash anywhere replays the
/// batch from the stored offset and sends the same messages again, which ScoreService applies idempotently.
/// The changelog is written only once the links are delivered: state rebuilt from it never holds a crime whose
/// links were not sent.
final class IngestPartition: PartitionProcessor {
    struct Context: Sendable {
        let step: IngestStep
        let producer: KafkaProducer
        let topics: TopicCatalogue
        let clockMode: ClockMode
        let status: ServiceStatus
        let logger: Logger
    }

    enum Outcome: String, CaseIterable {
        case accepted, duplicate, stale, rejected
    }

    let partition: TopicPartition
    let ledger: PartitionLedger
    private let context: Context
    /// The largest occurredAt this partition accepted; nil until it accepts one.
    private var eventClock: Instant?

    init(_ partition: TopicPartition, directory: String, context: Context) throws {
        self.partition = partition
        self.context = context
        ledger = try PartitionLedger(directory: directory, partition: partition, migrations: CrimeStore.migrations)
        eventClock = try ledger.database.clock()
        if let eventClock, context.clockMode == .event { context.status.advanceClock(to: eventClock) }
    }

    func apply(_ messages: ArraySlice<KafkaMessage>) async throws {
        let receivedAt = Instant.now
        let placePartitions = try await context.producer.partitionCount(of: context.topics.linksPlace)
        let linkPartitions = [
            EntityKind.suspect: try await context.producer.partitionCount(of: context.topics.linksSuspect),
            EntityKind.ward: placePartitions, EntityKind.cell: placePartitions,
        ]
        // One read transaction for the stored versions of the whole batch.
        let judged = try ledger.database.read { db in
            try context.step.process(
                messages.map { ($0.value ?? [], .topic($0.topic, partition: $0.partition, offset: $0.offset)) },
                receivedAt: receivedAt
            ) { crimeRefs in try CrimeStore.latest(crimeRefs, in: db) }
        }
        var newest = [String: (record: OffenceRecord, offset: Int64)](minimumCapacity: judged.count)
        var outgoing: [OutgoingMessage] = []
        var counted: [String: Int] = [:]
        var clock = eventClock
        for (message, outcome) in zip(messages, judged) {
            switch outcome {
            case .accepted(let record, let changes):
                newest[record.crimeRef] = (record, message.offset)
                outgoing += changes.map {
                    LinkMessage.outgoing($0, topics: context.topics, partitionCount: linkPartitions[$0.entity.kind]!)
                }
                if clock.map({ record.occurredAt > $0 }) ?? true { clock = record.occurredAt }
                counted[Outcome.accepted.rawValue, default: 0] += 1
            case .duplicate:
                counted[Outcome.duplicate.rawValue, default: 0] += 1
            case .stale:
                counted[Outcome.stale.rawValue, default: 0] += 1
            case .rejected(let deadLetter):
                outgoing.append(DeadLetterMessage.outgoing(deadLetter, topics: context.topics))
                counted[Outcome.rejected.rawValue, default: 0] += 1
                context.status.recordRejected()
                context.logger.debug("dead letter \(deadLetter.source): \(deadLetter.rejection.reason.rawValue): \(deadLetter.rejection.detail)")
            }
        }
        if context.clockMode == .event, let clock, clock != eventClock {
            outgoing += clockMessages(clock, linkPartitions: linkPartitions)
        }
        try await context.producer.send(outgoing)

        let next = messages.last!.offset + 1
        // Crimes that can count nowhere any more are forgotten (data minimisation), here and on the changelog.
        let horizon = (context.clockMode == .event ? clock : Instant.now).map { $0 - HarmWindows.windowLength }
        let forgotten = try horizon.map { horizon in
            try ledger.database.read { try CrimeStore.crimeRefs(occurredAtOrBefore: horizon, in: $0) }
        } ?? []
        // Their links are erased from the link topics too, so that no trace of the crime stays in Kafka.
        if !forgotten.isEmpty {
            let records = try ledger.database.read { try CrimeStore.latest(forgotten, in: $0) }
            try await context.producer.send(
                records.values.sorted { $0.crimeRef.precedesBytewise($1.crimeRef) }.flatMap { record in
                    context.step.revision.entities(record).map { entity in
                        LinkMessage.outgoing(
                            forgetting: entity, crimeRef: record.crimeRef, topics: context.topics,
                            partitionCount: linkPartitions[entity.kind]!)
                    }
                })
        }
        let progress = ChangelogProgress(
            nextOffset: next, clock: clock, outcomes: ledger.outcomes.merging(counted, uniquingKeysWith: +))
        try await context.producer.send(
            CrimeChangelog.messages(
                accepted: newest.values.sorted { $0.offset < $1.offset }, forgotten: forgotten, progress: progress,
                topic: context.topics.crimesChangelog, partition: partition.partition))

        try ledger.commit(upTo: next, clock: clock, counting: counted) { db in
            for (record, _) in newest.values { try CrimeStore.save(record, in: db) }
            try CrimeStore.forget(forgotten, in: db)
        }
        eventClock = clock
        if let clock, context.clockMode == .event { context.status.advanceClock(to: clock) }
    }

    /// The event clock for every partition of both link topics.
    private func clockMessages(_ clock: Instant, linkPartitions: [EntityKind: Int32]) -> [OutgoingMessage] {
        [EntityKind.suspect, .ward].flatMap { kind in
            let topic = LinkMessage.topic(of: kind, in: context.topics)
            return (0..<linkPartitions[kind]!).map { LinkMessage.outgoing(clock: clock, topic: topic, partition: $0) }
        }
    }
}
