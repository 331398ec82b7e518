import Foundation
import Shared
import Synchronization
import Testing

@Suite(.serialized) struct ConsumerGroupTests {
    /// Eager (the default) and, as an operator may configure it, cooperative rebalancing.
    @Test(.timeLimit(.minutes(3)), arguments: ["range", "cooperative-sticky"])
    func twoMembersSplitAndHandOverPartitionsWithoutLossOrRepeat(assignmentStrategy: String) async throws {
        let kafka = try KafkaFixture()
        let topic = try kafka.createTopic(partitions: 6)
        let store = PartitionStateStore()

        // A producer keeps writing throughout, so every rebalance happens mid-stream.
        let producer = try kafka.producer()
        let stop = Atomic<Bool>(false)
        let producing = Task {
            var sent = 0
            while !stop.load(ordering: .relaxed) {
                try await producer.send(numberedMessages(sent..<sent + 200, topic: topic))
                sent += 200
                try await Task.sleep(for: .milliseconds(20))
            }
            return sent
        }

        let first = try GroupMember(
            "first", kafka: kafka, group: "split", topic: topic, store: store, assignmentStrategy: assignmentStrategy)
        #expect(await eventually(within: .seconds(60)) { store.appliedCount > 2_000 })

        let second = try GroupMember(
            "second", kafka: kafka, group: "split", topic: topic, store: store, assignmentStrategy: assignmentStrategy)
        let split = await eventually(within: .seconds(60)) {
            first.ownedPartitions.count == 3 && second.ownedPartitions.count == 3
        }
        #expect(split, "six partitions split three and three")
        #expect(first.ownedPartitions.isDisjoint(with: second.ownedPartitions))
        let atSplit = store.appliedCount
        #expect(await eventually(within: .seconds(60)) { store.appliedCount > atSplit + 2_000 })

        await first.leave()
        #expect(await eventually(within: .seconds(60)) { second.ownedPartitions.count == 6 })
        let afterLeave = store.appliedCount
        #expect(await eventually(within: .seconds(60)) { store.appliedCount > afterLeave + 2_000 })

        stop.store(true, ordering: .relaxed)
        let sent = try await producing.value
        await producer.close()
        #expect(await eventually(within: .seconds(60)) { store.appliedCount >= sent })
        await second.leave()

        #expect(store.violations == [])
        #expect(store.appliedIndexes.sorted() == Array(0..<sent), "every message applied exactly once")
    }

    @Test(.timeLimit(.minutes(2)))
    func aRestartedMemberResumesExactlyWhereItsStoredStateStopped() async throws {
        let kafka = try KafkaFixture()
        let topic = try kafka.createTopic(partitions: 3)
        let producer = try kafka.producer()
        try await producer.send(numberedMessages(0..<3_000, topic: topic))
        await producer.close()

        let store = PartitionStateStore()
        let before = try GroupMember(
            "before", kafka: kafka, group: "restart", topic: topic, store: store, crashAfter: 1_000)
        await before.waitUntilStopped()
        #expect(store.appliedCount == 1_000, "the first run stopped part-way")
        #expect(try await kafka.administration().lag(group: "restart", topics: [topic]).allSatisfy {
            $0.committedOffset == nil
        }, "nothing committed to the group: the restart can only resume from the stored state")

        let after = try GroupMember("after", kafka: kafka, group: "restart", topic: topic, store: store)
        #expect(await eventually { store.appliedCount == 3_000 })
        await after.leave()
        // The store flags any first offset after the restart that is not the stored one.
        #expect(store.violations == [])
        #expect(store.appliedIndexes.sorted() == Array(0..<3_000))
    }

    @Test(.timeLimit(.minutes(2)))
    func aMemberWithoutLocalStateResumesFromTheGroupsCommittedOffsets() async throws {
        let kafka = try KafkaFixture()
        let topic = try kafka.createTopic(partitions: 3)
        let producer = try kafka.producer()
        try await producer.send(numberedMessages(0..<3_000, topic: topic))
        await producer.close()

        // First run: read some, commit exactly what was read, leave.
        let first = try kafka.consumer(group: "committed", topics: [topic])
        var firstRun: [KafkaMessage] = []
        var next: [TopicPartition: Int64] = [:]
        for await event in first.events {
            switch event {
            case .message(let message):
                firstRun.append(message)
                next[message.topicPartition] = message.offset + 1
                if firstRun.count == 1_200 { first.close() }
            case .revoked:
                try await first.commit(next)
            case .assigned:
                break
            }
        }

        let committed = try await kafka.administration().lag(group: "committed", topics: [topic])
        for entry in committed {
            #expect(entry.committedOffset == next[TopicPartition(entry.topic, entry.partition)], "committed \(entry)")
        }

        // Second run: no local state, so each partition starts at the committed offset.
        let secondRun = await readMessages(from: try kafka.consumer(group: "committed", topics: [topic]), count: 3_000 - firstRun.count)
        var firstOffsets: [TopicPartition: Int64] = [:]
        for message in secondRun where firstOffsets[message.topicPartition] == nil {
            firstOffsets[message.topicPartition] = message.offset
        }
        for (partition, offset) in firstOffsets { #expect(offset == (next[partition] ?? 0), "\(partition)") }
        #expect((firstRun + secondRun).map(index(of:)).sorted() == Array(0..<3_000))
    }
}
