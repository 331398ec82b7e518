import Logging
import Shared
import Synchronization

/// ScoreService's state on Kafka. Its links are its input topics, compacted by `entity|crimeRef`, so they are its
/// changelog; what Kafka must also give an instance that takes a partition over is where its predecessor had got to
/// and how far its score numbers went.
///
/// - A partition with no state file (or one the log has outrun) is rebuilt from its link partition up to the
///   offset the group last committed for it: links the predecessor had applied and scored. They go into the state
///   without a score being published, so readers never see an entity's score rebuilt step by step (a suspect's
///   falling and climbing back, a cohort left and entered again); from that offset on the partition is read as
///   usual, and what the predecessor had applied beyond it is scored again, which readers take as a repeat.
/// - Readers skip a score whose sequence is not above the highest they applied from its partition, so before the
///   partitions open, the highest sequence on each score partition is read from Kafka and stored as the
///   partition's floor (the opening then moves the numbers further ahead, as after any restart).
final class ScoreRestore: StateRestoring {
    let topics: TopicCatalogue
    let kafka: KafkaConfiguration
    let group: String
    let administration: KafkaAdministration
    let logger: Logger
    private let compacted: CompactedTopics

    init(topics: TopicCatalogue, kafka: KafkaConfiguration, group: String, logger: Logger) throws {
        self.topics = topics
        self.kafka = kafka
        self.group = group
        administration = try KafkaAdministration(configuration: kafka, logger: logger)
        compacted = CompactedTopics([topics.linksSuspect, topics.linksPlace], administration: administration, logger: logger)
        self.logger = logger
    }

    func restore(_ partition: TopicPartition, directory: String, cluster: String, beyond: Int64?) async throws -> Int64? {
        guard let kind = LinkMessage.kind(of: partition.topic, in: topics) else { return nil }
        guard let range = try await compacted.rebuildRange(of: partition, group: group, beyond: beyond) else { return nil }
        let committed = range.upperBound
        let read = Mutex((changes: [LinkChange](), clock: Instant?.none, unreadable: 0))
        try await PartitionReader.read([partition: range], configuration: kafka, logger: logger) {
            messages in
            read.withLock { read in
                for message in messages where message.offset < committed {
                    switch LinkMessage.decode(message, kind: kind) {
                    case .success(.change(let change)): read.changes.append(change)
                    case .success(.forgotten(let entity, let crimeRef)):
                        read.changes.append(.retract(entity, crimeRef: crimeRef, version: .max))
                    case .success(.clock(let clock)): read.clock = max(read.clock ?? clock, clock)
                    case .failure: read.unreadable += 1
                    }
                }
            }
        }
        let (changes, linkClock, unreadable) = read.withLock { ($0.changes, $0.clock, $0.unreadable) }
        // The clock the predecessor last scored at: the windows start there, so what has changed with time since
        // (recency, crimes ageing out) is scored once they open, and nothing before it again.
        let scores = scorePartition(of: partition)
        let scoredAt = try await lastScores(on: scores.map { [$0] } ?? []).values.first?.clock
        let clock = [linkClock, scoredAt].compactMap { $0 }.max()
        let database = try PartitionDatabase(directory: directory, partition: partition, migrations: LinkStore.migrations)
        let progress = ChangelogProgress(
            nextOffset: committed, clock: clock, outcomes: ["link": changes.count, "unreadable": unreadable].filter { $0.value > 0 })
        try database.replaceState(with: progress, cluster: cluster) { db in
            try LinkStore.removeAll(in: db)
            for change in changes { try LinkStore.apply(change, in: db) }
        }
        logger.info("\(partition): \(changes.count) link changes rebuilt from the topic up to offset \(committed)")
        return committed
    }

    /// The last messages of a score partition that are read for its highest sequence: a partition's numbers rise
    /// message by message, so the last readable one is enough; a few more ride out one that cannot be read.
    static let tail: Int64 = 16

    /// Raises each partition's sequence floor to the highest on its score partition.
    func reconcile(_ partitions: [TopicPartition], directory: String) async throws {
        let scorePartitions = Dictionary(uniqueKeysWithValues: partitions.compactMap { partition in
            scorePartition(of: partition).map { ($0, partition) }
        })
        for (scores, last) in try await lastScores(on: Array(scorePartitions.keys)).sorted(by: { $0.key < $1.key }) {
            let input = scorePartitions[scores]!
            let database = try PartitionDatabase(directory: directory, partition: input, migrations: LinkStore.migrations)
            let raised = try database.update { db in
                guard try LinkStore.sequence(in: db) < last.sequence else { return false }
                try LinkStore.setSequence(last.sequence, in: db)
                return true
            }
            if raised { logger.info("\(input): score numbers continue above \(last.sequence), the highest on \(scores)") }
        }
    }

    /// The score partition a link partition's scores go to.
    private func scorePartition(of links: TopicPartition) -> TopicPartition? {
        guard let kind = LinkMessage.kind(of: links.topic, in: topics) else { return nil }
        return TopicPartition(kind == .suspect ? topics.scoresSuspect : topics.scoresPlace, links.partition)
    }

    /// The highest sequence and the latest clock among the last messages of each of `partitions` that has any.
    private func lastScores(on partitions: [TopicPartition]) async throws -> [TopicPartition: (sequence: Int64, clock: Instant)] {
        guard !partitions.isEmpty else { return [:] }
        let held = try await administration.heldOffsets(of: partitions)
        let tails = held.mapValues { max($0.lowerBound, $0.upperBound - Self.tail)..<$0.upperBound }
        let last = Mutex<[TopicPartition: (sequence: Int64, clock: Instant)]>([:])
        try await PartitionReader.read(tails, configuration: kafka, logger: logger) { messages in
            for message in messages {
                guard let score = try? EntityScore.decode(message) else { continue }
                last.withLock { last in
                    let known = last[message.topicPartition]
                    last[message.topicPartition] = (
                        max(known?.sequence ?? 0, score.sequence), max(known?.clock ?? score.clock, score.clock)
                    )
                }
            }
        }
        return last.withLock { $0 }
    }
}
