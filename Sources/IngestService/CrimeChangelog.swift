import Logging
import Shared
import Synchronization

/// IngestService's state on Kafka: `crimes.changelog`, one partition for each partition of `offences.raw`
/// (`CrimeChangelogMessage`). An instance given a partition it has no state file for, or one whose next input the
/// raw topic no longer holds, rebuilds the partition's crimes, clock and counts from it; a file kept from before
/// the changelog existed (or from another cluster, on the embedded broker) is copied to it first.
final class CrimeChangelog: StateRestoring {
    private let topics: TopicCatalogue
    private let kafka: KafkaConfiguration
    private let producer: KafkaProducer
    private let administration: KafkaAdministration
    private let logger: Logger
    private let compacted: CompactedTopics

    init(topics: TopicCatalogue, kafka: KafkaConfiguration, producer: KafkaProducer, logger: Logger) throws {
        self.topics = topics
        self.kafka = kafka
        self.producer = producer
        administration = try KafkaAdministration(configuration: kafka, logger: logger)
        compacted = CompactedTopics([topics.crimesChangelog], administration: administration, logger: logger)
        self.logger = logger
    }

    /// A batch's changelog messages: the crimes it accepted (in input order), those it forgot, then its progress.
    static func messages(
        accepted: [(record: OffenceRecord, offset: Int64)], forgotten: [String], progress: ChangelogProgress,
        topic: String, partition: Int32
    ) -> [OutgoingMessage] {
        accepted.map { CrimeChangelogMessage.crime($0.record, offset: $0.offset).outgoing(topic: topic, partition: partition) }
            + forgotten.map { CrimeChangelogMessage.forgotten(crimeRef: $0).outgoing(topic: topic, partition: partition) }
            + [CrimeChangelogMessage.progress(progress).outgoing(topic: topic, partition: partition)]
    }

    func restore(_ partition: TopicPartition, directory: String, cluster: String, beyond: Int64?) async throws -> Int64? {
        let changelog = TopicPartition(topics.crimesChangelog, partition.partition)
        let held = try await compacted.wholeLog(of: changelog)
        guard !held.isEmpty else { return nil }
        let rebuilt = Mutex(Rebuild())
        try await PartitionReader.read([changelog: held], configuration: kafka, logger: logger) { messages in
            try rebuilt.withLock { rebuild in for message in messages { try rebuild.apply(message) } }
        }
        let rebuild = rebuilt.withLock { $0 }
        guard let progress = rebuild.progress, progress.nextOffset > (beyond ?? -1) else { return nil }
        // Crimes written after the last progress belong to a batch that did not finish: it is read again.
        let crimes = rebuild.crimes.values.filter { $0.offset < progress.nextOffset }.map(\.record)
        let database = try PartitionDatabase(directory: directory, partition: partition, migrations: CrimeStore.migrations)
        try database.replaceState(with: progress, cluster: cluster) { db in
            try CrimeStore.removeAll(in: db)
            for record in crimes { try CrimeStore.save(record, in: db) }
        }
        logger.info("\(partition): \(crimes.count) crimes rebuilt from \(held.count) messages of \(changelog)")
        return progress.nextOffset
    }

    func seedIfEmpty(_ partition: TopicPartition, directory: String) async throws {
        let changelog = TopicPartition(topics.crimesChangelog, partition.partition)
        guard try await administration.heldOffsets(of: [changelog])[changelog]?.upperBound == 0 else { return }
        let database = try PartitionDatabase(directory: directory, partition: partition, migrations: CrimeStore.migrations)
        guard let next = try database.nextOffset(), next > 0 else { return }
        let crimes = try database.read { try CrimeStore.all(in: $0) }
        let progress = ChangelogProgress(nextOffset: next, clock: try database.clock(), outcomes: try database.outcomeCounts())
        // Offsets below `next` mark the crimes as applied, so a rebuild keeps them all.
        let messages = Self.messages(
            accepted: crimes.map { ($0, next - 1) }, forgotten: [], progress: progress, topic: changelog.topic,
            partition: changelog.partition)
        for start in stride(from: 0, to: messages.count, by: 5_000) {
            try await producer.send(Array(messages[start..<min(start + 5_000, messages.count)]))
        }
        logger.notice("\(partition): \(crimes.count) crimes of the state file copied to \(changelog), which held none")
    }

    /// The changelog read so far: the latest message of each key.
    private struct Rebuild {
        var crimes: [String: (record: OffenceRecord, offset: Int64)] = [:]
        var progress: ChangelogProgress?

        mutating func apply(_ message: KafkaMessage) throws {
            switch try CrimeChangelogMessage.decode(message) {
            case .crime(let record, let offset): crimes[record.crimeRef] = (record, offset)
            case .forgotten(let crimeRef): crimes[crimeRef] = nil
            case .progress(let progress): self.progress = progress
            }
        }
    }
}
