import Foundation
import Metrics
import Synchronization

/// What a service has done, for `/v1/status` and `/metrics`. Processing steps report into it.
public final class ServiceStatus: Sendable {
    private let processed = Atomic<Int>(0)
    private let batches = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let assigned = Atomic<Bool>(false)
    private let clockTime = Mutex<Instant?>(nil)
    private let partitionOutcomes = Mutex<[TopicPartition: [String: Int]]>([:])
    private let partitionMissing = Mutex<[TopicPartition: [MissingOffsets]]>([:])
    private let losses = Mutex<[String]>([])
    private let catchingUp = Mutex<[TopicPartition: Int64]>([:])
    private let missingGauge = Gauge(label: "harmrank_messages_missing")
    private let processedCounter = Counter(label: "harmrank_records_processed_total")
    private let batchesCounter = Counter(label: "harmrank_batches_applied_total")
    private let rejectedCounter = Counter(label: "harmrank_records_rejected_total")

    public init() {}

    /// A batch of `count` input records applied and committed. Records over batches is the batch size the
    /// consumer achieves: each batch costs a commit and a round of sends, so small ones mean the service pays per
    /// batch rather than per record.
    public func recordApplied(batchOf count: Int) {
        processed.add(count, ordering: .relaxed)
        processedCounter.increment(by: count)
        batches.add(1, ordering: .relaxed)
        batchesCounter.increment()
    }

    public func recordRejected(_ count: Int = 1) {
        rejected.add(count, ordering: .relaxed)
        rejectedCounter.increment(by: count)
    }
    /// The clock T the service works at (wall time, or the largest occurredAt accepted in event-clock mode).
    public func advanceClock(to time: Instant) {
        clockTime.withLock { clock in if clock.map({ time > $0 }) ?? true { clock = time } }
    }

    /// How the records of a partition this instance owns have ended (accepted, duplicate, ...), over its life.
    public func report(_ outcomes: [String: Int], for partition: TopicPartition) {
        partitionOutcomes.withLock { $0[partition] = outcomes }
    }

    /// The offsets of a partition this instance owns that its log lost before they were read, over its life.
    public func reportMissing(_ missing: [MissingOffsets], for partition: TopicPartition) {
        let total = partitionMissing.withLock { all in
            all[partition] = missing.isEmpty ? nil : missing
            return all.values.joined().reduce(0) { $0 + $1.offsets.count }
        }
        missingGauge.record(total)
    }

    /// Messages found lost while this process ran: readiness fails from then on, so the loss cannot go unseen.
    /// The same loss found again (a batch retried) is kept once.
    public func recordLoss(_ description: String) {
        losses.withLock { if !$0.contains(description) { $0.append(description) } }
    }

    /// What `recordLoss` recorded, oldest first.
    public var lossesSinceStart: [String] { losses.withLock { $0 } }

    /// A partition with no state was assigned while its log ended at `end`: until it has read that far, what the
    /// service shows of it is half built (a replica's lists, a cohort).
    public func catchUp(_ partition: TopicPartition, to end: Int64) {
        catchingUp.withLock { $0[partition] = end }
    }

    /// The partition's next offset to read is now `next`.
    public func reached(_ partition: TopicPartition, _ next: Int64) {
        catchingUp.withLock { catchingUp in
            if let end = catchingUp[partition], next >= end { catchingUp[partition] = nil }
        }
    }

    /// Partitions not yet read up to where their logs ended when they were assigned, with those ends.
    public var partitionsCatchingUp: [TopicPartition: Int64] { catchingUp.withLock { $0 } }

    /// Every partition owned has been read at least to where its log ended when it was assigned.
    public var isCaughtUp: Bool { catchingUp.withLock { $0.isEmpty } }

    /// The partition moved to another instance, which reports it from now on.
    public func forget(_ partition: TopicPartition) {
        _ = catchingUp.withLock { $0.removeValue(forKey: partition) }
        _ = partitionOutcomes.withLock { $0.removeValue(forKey: partition) }
        reportMissing([], for: partition)
    }

    /// The missing offsets of every partition owned, by partition.
    public var missing: [MissingMessages] {
        partitionMissing.withLock { all in
            all.keys.sorted().flatMap { partition in
                all[partition]!.map {
                    MissingMessages(
                        topic: partition.topic, partition: partition.partition, cluster: $0.cluster,
                        fromOffset: $0.offsets.lowerBound, toOffset: $0.offsets.upperBound)
                }
            }
        }
    }

    /// The outcomes of every partition owned, summed.
    public var outcomes: [String: Int] {
        partitionOutcomes.withLock { $0.values.reduce(into: [:]) { sum, counts in sum.merge(counts, uniquingKeysWith: +) } }
    }

    /// The consumer group has assigned this instance its partitions and their state is loaded: until then its
    /// answers (lists, alerts) would be incomplete.
    public func markAssigned() { assigned.store(true, ordering: .relaxed) }
    /// Partitions are being taken away (a rebalance, or shutdown), before their state is let go: incomplete again
    /// until the next assignment is loaded.
    public func markUnassigned() { assigned.store(false, ordering: .relaxed) }
    public var isAssigned: Bool { assigned.load(ordering: .relaxed) }

    public var recordsProcessed: Int { processed.load(ordering: .relaxed) }
    public var batchesApplied: Int { batches.load(ordering: .relaxed) }
    public var recordsRejected: Int { rejected.load(ordering: .relaxed) }
    public var clock: Instant? { clockTime.withLock { $0 } }
}

/// The answer of `GET /v1/status`.
public struct StatusReport: Codable, Sendable {
    public var service: String
    public var group: String
    public var ready: Bool
    public var readiness: String
    public var recordsProcessed: Int
    /// The batches those records were applied in, each with one commit of the partition's state.
    public var batchesApplied: Int
    public var recordsRejected: Int
    public var clock: Date?
    /// How the records of the partitions this instance owns have ended, over their whole life (IngestService:
    /// accepted, duplicate, stale, rejected).
    public var outcomes: [String: Int]
    /// Consumer lag of the service's group on each partition of its input topics.
    public var lag: [PartitionLag]
    /// Messages the input logs lost before this service read them, in all.
    public var messagesMissing: Int
    /// Where they were, partition by partition.
    public var missing: [MissingMessages]
}

/// Offsets of an input partition that its log no longer held when the service came to read them.
public struct MissingMessages: Codable, Sendable, Equatable {
    public var topic: String
    public var partition: Int32
    /// The cluster whose log lost them.
    public var cluster: String
    public var fromOffset: Int64
    /// The first offset after them.
    public var toOffset: Int64
}
