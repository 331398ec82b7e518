import Foundation
import Metrics
import Synchronization

/// What a service has done, for `/v1/status` and `/metrics`. Processing steps report into it.
public final class ServiceStatus: Sendable {
    private let processed = Atomic<Int>(0)
    private let rejected = Atomic<Int>(0)
    private let clockTime = Mutex<Date?>(nil)
    private let processedCounter = Counter(label: "harmrank_records_processed_total")
    private let rejectedCounter = Counter(label: "harmrank_records_rejected_total")

    public init() {}

    public func recordProcessed(_ count: Int = 1) {
        processed.add(count, ordering: .relaxed)
        processedCounter.increment(by: count)
    }

    public func recordRejected(_ count: Int = 1) {
        rejected.add(count, ordering: .relaxed)
        rejectedCounter.increment(by: count)
    }
    /// The clock T the service works at (wall time, or the largest occurredAt accepted in event-clock mode).
    public func setClock(_ time: Date) { clockTime.withLock { $0 = time } }

    public var recordsProcessed: Int { processed.load(ordering: .relaxed) }
    public var recordsRejected: Int { rejected.load(ordering: .relaxed) }
    public var clock: Date? { clockTime.withLock { $0 } }
}

/// The answer of `GET /v1/status`.
public struct StatusReport: Codable, Sendable {
    public var service: String
    public var group: String
    public var ready: Bool
    public var readiness: String
    public var recordsProcessed: Int
    public var recordsRejected: Int
    public var clock: Date?
    /// Consumer lag of the service's group on each partition of its input topics.
    public var lag: [PartitionLag]
}
