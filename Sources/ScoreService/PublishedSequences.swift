import Logging
import Shared
import Synchronization

/// Keeps a partition's score numbers rising across hosts. Readers skip a score whose sequence is not above the
/// highest they applied from its partition, so an instance that takes a partition over with no state file, or an
/// older one, must number its scores above what its predecessor published: before the partitions open, the
/// highest sequence on each score partition is read from Kafka and stored as the partition's floor (the opening
/// then moves the numbers further ahead, as after any restart).
struct PublishedSequences: StateRestoring {
    let topics: TopicCatalogue
    let kafka: KafkaConfiguration
    let administration: KafkaAdministration
    let logger: Logger

    /// The last messages of a score partition that are read for its highest sequence: a partition's numbers rise
    /// message by message, so the last readable one is enough; a few more ride out one that cannot be read.
    static let tail: Int64 = 16

    func reconcile(_ partitions: [TopicPartition], directory: String) async throws {
        var inputs: [TopicPartition: TopicPartition] = [:]
        for partition in partitions {
            guard let kind = LinkMessage.kind(of: partition.topic, in: topics) else { continue }
            let scores = kind == .suspect ? topics.scoresSuspect : topics.scoresPlace
            inputs[TopicPartition(scores, partition.partition)] = partition
        }
        guard !inputs.isEmpty else { return }
        let held = try await administration.heldOffsets(of: Array(inputs.keys))
        let tails = held.mapValues { max($0.lowerBound, $0.upperBound - Self.tail)..<$0.upperBound }
        let highest = Mutex<[TopicPartition: Int64]>([:])
        try await PartitionReader.read(tails, configuration: kafka, logger: logger) { messages in
            for message in messages {
                guard let value = message.value, let score = try? EntityScore.decode(value) else { continue }
                highest.withLock { $0[message.topicPartition] = max($0[message.topicPartition] ?? 0, score.sequence) }
            }
        }
        for (scores, sequence) in highest.withLock({ $0 }).sorted(by: { $0.key < $1.key }) {
            let input = inputs[scores]!
            let database = try PartitionDatabase(directory: directory, partition: input, migrations: LinkStore.migrations)
            let raised = try database.update { db in
                guard try LinkStore.sequence(in: db) < sequence else { return false }
                try LinkStore.setSequence(sequence, in: db)
                return true
            }
            if raised { logger.info("\(input): score numbers continue above \(sequence), the highest on \(scores)") }
        }
    }
}
