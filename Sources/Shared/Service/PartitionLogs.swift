import Foundation
import Logging

/// Keeps each partition's state on the log it was built from. Before a partition's state is opened, its stored
/// position is judged against what the broker holds now (`LogVerdict`) and the outcome is written to the
/// partition's state file: the cluster is recorded with the offset, a new incarnation of the topic is handled as
/// the `NewTopicPolicy` says, and messages the log lost before they were read are recorded, counted and logged.
/// Nothing is skipped in silence.
final class PartitionLogs: Sendable {
    private let directory: String
    private let administration: KafkaAdministration
    private let policy: NewTopicPolicy
    private let restoring: StateRestoring?
    private let status: ServiceStatus
    private let logger: Logger
    /// The input topics the cluster compacts, asked at the first gap in offsets.
    private let compacted: CompactedTopics

    init(
        directory: String, inputTopics: [String], administration: KafkaAdministration, policy: NewTopicPolicy,
        restoring: StateRestoring?, status: ServiceStatus, logger: Logger
    ) {
        self.directory = directory
        self.administration = administration
        self.policy = policy
        self.restoring = restoring
        compacted = CompactedTopics(inputTopics, administration: administration, logger: logger)
        self.status = status
        self.logger = logger
    }

    /// Judges `partitions` against their logs now and records the outcome. Returns the partitions whose state now
    /// continues on a new log (so a processor opened before must be opened again); throws `NewTopicError` when
    /// the policy is to stop.
    @discardableResult
    func prepare(_ partitions: [TopicPartition]) async throws -> Set<TopicPartition> {
        guard !partitions.isEmpty else { return [] }
        let cluster = try await administration.clusterID()
        let held = try await administration.heldOffsets(of: partitions)
        var moved: [TopicPartition: String] = [:]
        for partition in partitions {
            let offsets = held[partition]!  // `heldOffsets` answers for every partition or throws
            let database = try self.database(partition)
            var verdict = LogVerdict.judge(stored: try database.logPosition(), cluster: cluster, held: offsets)
            if let restored = try await restoredIfBetter(partition, verdict, cluster: cluster) {
                verdict = LogVerdict.judge(
                    stored: LogPosition(nextOffset: restored, cluster: cluster), cluster: cluster, held: offsets)
            }
            switch verdict {
            case .noState:
                try database.continueLog(at: offsets.lowerBound, cluster: cluster)
            case .continues(let position):
                if position.cluster == nil { try database.continueLog(at: position.nextOffset, cluster: cluster) }
            case .missing(let lost):
                try database.continueLog(at: lost.upperBound, cluster: cluster, missing: lost)
                reportLoss(lost, of: partition, "they were deleted from the log before this service read them")
            case .anotherLog(let reason):
                switch policy {
                case .fail:
                    throw NewTopicError(partition: partition, path: database.path, reason: reason)
                case .keepState:
                    try database.continueLog(at: offsets.lowerBound, cluster: cluster)
                    moved[partition] = reason
                }
            }
            // A partition built from nothing by reading its input is not whole until it has read what the log
            // held; one that goes on from a state of its own (a file, or Kafka's copy) is whole from the start.
            switch verdict {
            case .noState: status.catchUp(partition, to: offsets.upperBound)
            case .anotherLog where policy == .keepState: status.catchUp(partition, to: offsets.upperBound)
            default: break
            }
            // A state with no copy on Kafka yet (a changelog new to the cluster) is copied there.
            try await restoring?.seedIfEmpty(partition, directory: directory)
            status.reportMissing(try database.missingOffsets(), for: partition)
        }
        try await restoring?.reconcile(partitions, directory: directory)
        if let (first, reason) = moved.min(by: { $0.key < $1.key }) {
            logger.notice(
                "\(moved.count) partitions' logs are another incarnation than the one their state was built on (\(first): \(reason)); keeping the state and reading each new log from its beginning (--on-new-topic keep-state): \(moved.keys.sorted().map(\.description).joined(separator: " "))")
        }
        return Set(moved.keys)
    }

    /// With no state of its own, or state whose next input messages the log no longer holds, a partition is
    /// rebuilt from Kafka's copy of its state when there is one; returns the input offset the rebuilt state reaches.
    /// A copy that cannot be trusted whole is a loss: counted, logged and failing readiness, never half-restored.
    private func restoredIfBetter(_ partition: TopicPartition, _ verdict: LogVerdict, cluster: String) async throws
        -> Int64?
    {
        guard let restoring else { return nil }
        let reached: Int64?
        switch verdict {
        case .noState: reached = nil
        case .missing(let lost): reached = lost.lowerBound
        case .continues, .anotherLog: return nil
        }
        do {
            let started = ContinuousClock.now
            guard let restored = try await restoring.restore(partition, directory: directory, cluster: cluster, beyond: reached) else {
                return nil
            }
            logger.notice(
                "\(partition): state rebuilt from Kafka in \(started.duration(to: .now)); resuming at offset \(restored)")
            return restored
        } catch let error as IncompleteChangelog {
            logger.error("\(partition): \(error); reading its input from the oldest offset held instead")
            status.recordLoss("\(partition): \(error)")
            return nil
        }
    }

    /// Records offsets that were not in the log when read, between what the state expected and what came. A
    /// compacted topic skips offsets on purpose; anywhere else the messages were deleted before they were read.
    func recordGap(_ offsets: Range<Int64>, of partition: TopicPartition) async throws {
        guard try await !compacted.contains(partition.topic) else {
            logger.debug("\(partition): offsets \(offsets) compacted away")
            return
        }
        let database = try self.database(partition)
        try database.recordMissing(offsets, cluster: try database.logPosition()?.cluster ?? "")
        reportLoss(offsets, of: partition, PartitionedConsumerLog.offsetJump)
        status.reportMissing(try database.missingOffsets(), for: partition)
    }

    private func reportLoss(_ offsets: Range<Int64>, of partition: TopicPartition, _ how: String) {
        let description = "\(partition): \(offsets.count) messages, offsets \(offsets.lowerBound)..<\(offsets.upperBound), \(how)"
        logger.error("\(description); they are lost to this service's state and counted in /v1/status")
        status.recordLoss(description)
    }

    private func database(_ partition: TopicPartition) throws -> PartitionDatabase {
        try PartitionDatabase(directory: directory, partition: partition) { _ in }
    }
}

/// A partition's state was built on another incarnation of its topic, and the service was told to stop then.
public struct NewTopicError: Error, CustomStringConvertible {
    public let partition: TopicPartition
    public let path: String
    public let reason: String

    public var description: String {
        """
        \(partition): the state in \(path) was built on another incarnation of this topic: \(reason). \
        Reading on would skip the new log's messages up to the stored offset, so the service stops. Either start on a \
        new data directory (--data-dir / HARMRANK_DATA_DIR), which builds the state again from what the topics hold \
        now (their changelogs, where the service has one), or, if the new topic carries only data this state has not \
        seen, keep the state and read the new log from its beginning with --on-new-topic keep-state \
        (HARMRANK_ON_NEW_TOPIC=keep-state).
        """
    }
}
