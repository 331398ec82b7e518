import Logging
import Shared
import Synchronization

/// NotifyService's state on Kafka. What it remembers of a suspect is drawn from the suspect's latest score alone,
/// and `scores.suspect` is compacted by suspect with every score complete, so the score topic is its changelog; its
/// alerts are on the alert topics (`AlertChangelog`).
///
/// A partition with no state file (or one the log has outrun) is rebuilt from its score partition up to the offset
/// the replica's group last committed for it: scores this replica had taken in, whose alerts it raised then and the
/// leader published. They go into the state without raising an alert again; from that offset on the partition is
/// read as usual.
final class NotifyRestore: StateRestoring {
    private let kafka: KafkaConfiguration
    private let group: String
    private let store: AlertStore
    private let cohortSize: Int
    private let compacted: CompactedTopics
    private let logger: Logger

    init(topics: TopicCatalogue, kafka: KafkaConfiguration, group: String, store: AlertStore, cohortSize: Int, logger: Logger)
        throws
    {
        self.kafka = kafka
        self.group = group
        self.store = store
        self.cohortSize = cohortSize
        compacted = CompactedTopics(
            [topics.scoresSuspect], administration: try KafkaAdministration(configuration: kafka, logger: logger), logger: logger)
        self.logger = logger
    }

    func restore(_ partition: TopicPartition, directory: String, cluster: String, beyond: Int64?) async throws -> Int64? {
        guard let range = try await compacted.rebuildRange(of: partition, group: group, beyond: beyond) else { return nil }
        let committed = range.upperBound
        let read = Mutex((latest: [String: (score: EntityScore, json: [UInt8])](), applied: Int64(0), counted: [String: Int]()))
        try await PartitionReader.read([partition: range], configuration: kafka, logger: logger) {
            messages in
            read.withLock { read in
                let batch = ScoreBatch(messages.filter { $0.offset < committed }[...], after: read.applied)
                read.applied = batch.appliedSequence
                read.counted.merge(batch.counted, uniquingKeysWith: +)
                for (score, json) in batch.scores where score.kind == .suspect && !score.isChange {
                    read.latest[score.id] = (score, json)
                }
            }
        }
        let (latest, applied, counted) = read.withLock { ($0.latest, $0.applied, $0.counted) }
        let remembered = latest.filter { !$0.value.score.offences.isEmpty }
        let database = try PartitionDatabase(directory: directory, partition: partition, migrations: NotifyPartition.migrations)
        let clock = latest.values.map(\.score.clock).max()
        try database.replaceState(
            with: ChangelogProgress(nextOffset: committed, clock: clock, outcomes: counted), cluster: cluster
        ) { db in
            try db.execute(sql: "DELETE FROM suspects")
            for (suspect, entry) in remembered {
                try NotifyPartition.remember(suspect, AlertRules.SuspectMemory(entry.score), entry.score, json: entry.json, in: db)
            }
            try ScoreBatch.saveAppliedSequence(applied, in: db)
        }
        // The cohort as it was when these scores were taken in: this partition's part of the top N is among its own
        // top N, so none of them is taken for having just entered it.
        var ranked = RankedList()
        for (suspect, entry) in remembered {
            ranked.update(suspect, score: Harm(hundredths: entry.score.standing(in: .dauntless)?.score ?? 0))
        }
        try store.updateCohort(entered: ranked.entries(limit: cohortSize).map(\.id), left: [])
        logger.info("\(partition): \(remembered.count) suspects rebuilt from the topic up to offset \(committed)")
        return committed
    }
}
