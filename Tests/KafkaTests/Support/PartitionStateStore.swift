import Foundation
import Shared

/// Per-partition state as a HarmRank service keeps it: what was applied and the next offset, written together
/// (one lock here, one SQLite transaction in a service). It records every way the consumer could break the
/// guarantee: a partition owned by two members at once, a message applied by a member that does not own its
/// partition, and a gap or repeat in a partition's offsets.
final class PartitionStateStore: @unchecked Sendable {
    private let lock = NSLock()
    private var nextOffsets: [TopicPartition: Int64] = [:]
    private var applied: [Int] = []
    private var owners: [TopicPartition: String] = [:]
    private var problems: [String] = []

    /// Takes ownership of a partition; returns its stored next offset, if any.
    func claim(_ partition: TopicPartition, by member: String) -> Int64? {
        lock.withLock {
            if let owner = owners[partition], owner != member {
                problems.append("\(partition) claimed by \(member) while \(owner) owns it")
            }
            owners[partition] = member
            return nextOffsets[partition]
        }
    }

    func release(_ partition: TopicPartition, by member: String) {
        lock.withLock {
            if owners[partition] == member { owners[partition] = nil }
        }
    }

    func apply(_ message: KafkaMessage, by member: String) {
        lock.withLock {
            let partition = message.topicPartition
            if owners[partition] != member {
                problems.append("\(member) applied \(partition)@\(message.offset) owned by \(owners[partition] ?? "nobody")")
            }
            let expected = nextOffsets[partition] ?? 0
            if message.offset != expected {
                problems.append("\(partition): expected offset \(expected), got \(message.offset) (gap or repeat)")
            }
            applied.append(index(of: message))
            nextOffsets[partition] = message.offset + 1
        }
    }

    var appliedCount: Int { lock.withLock { applied.count } }
    var appliedIndexes: [Int] { lock.withLock { applied } }
    var violations: [String] { lock.withLock { problems } }
    func nextOffsets(of partitions: Set<TopicPartition>) -> [TopicPartition: Int64] {
        lock.withLock { nextOffsets.filter { partitions.contains($0.key) } }
    }
}

/// One member of a consumer group applying messages to a shared `PartitionStateStore`, as instances of a
/// service on one machine share a state directory.
final class GroupMember: @unchecked Sendable {
    let name: String
    let consumer: KafkaConsumer
    private let owned = Mutex<Set<TopicPartition>>([])
    private var loop: Task<Void, Never>!

    /// `crashAfter`: apply that many messages, then stop as a crashed process would, applying nothing more.
    init(
        _ name: String, kafka: KafkaFixture, group: String, topic: String, store: PartitionStateStore,
        crashAfter: Int? = nil, assignmentStrategy: String = "range"
    ) throws {
        self.name = name
        consumer = try kafka.consumer(group: group, topics: [topic]) {
            $0.sessionTimeoutMilliseconds = 6_000
            $0.kafka.properties["partition.assignment.strategy"] = assignmentStrategy
        }
        loop = Task { [self, consumer] in
            var count = 0
            for await event in consumer.events {
                switch event {
                case .assigned(let assignment):
                    for partition in assignment.partitions {
                        assignment.resume(partition, at: store.claim(partition, by: name) ?? beginningOffset)
                    }
                    self.owned.withLock { $0.formUnion(assignment.partitions) }
                case .message(let message):
                    if let crashAfter, count >= crashAfter { continue }
                    store.apply(message, by: name)
                    count += 1
                    if count == crashAfter { consumer.close() }
                    // A little slower than the producer, so rebalances happen with messages in flight.
                    if count % 100 == 0 { try? await Task.sleep(for: .milliseconds(2)) }
                case .revoked(let partitions):
                    // A crashed process commits nothing; its claim on the partitions dies with it.
                    let crashed = crashAfter.map { count >= $0 } ?? false
                    let offsets = store.nextOffsets(of: Set(partitions))
                    if !crashed, !offsets.isEmpty { try? await consumer.commit(offsets) }
                    for partition in partitions { store.release(partition, by: name) }
                    self.owned.withLock { $0.subtract(partitions) }
                }
            }
        }
    }

    var ownedPartitions: Set<TopicPartition> { owned.withLock { $0 } }

    func leave() async {
        consumer.close()
        await loop.value
    }

    /// Waits for a member that stops by itself (`crashAfter`).
    func waitUntilStopped() async {
        await loop.value
    }
}

import Synchronization
