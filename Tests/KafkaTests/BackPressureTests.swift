import Foundation
import Shared
import Synchronization
import Testing

/// The embedded broker keeps only the newest ~5 MB of each partition and deletes the rest without telling anyone.
/// These runs publish a million small messages (about 25 MB a partition) to a consumer group slower than the
/// producer: with back-pressure every message arrives; without it the same run loses messages, which shows the
/// test can tell the difference.
@Suite(.serialized) struct BackPressureTests {
    static let total = 1_000_000

    @Test(.timeLimit(.minutes(10)))
    func aMillionMessagesReachASlowerConsumerGroupOnlyWithBackPressure() async throws {
        let kafka = try KafkaFixture(brokers: 1)

        let withBackPressure = try await publishToSlowGroup(kafka, backPressure: true)
        #expect(withBackPressure.received == Self.total)
        #expect(withBackPressure.distinct == Self.total, "none lost")

        let without = try await publishToSlowGroup(kafka, backPressure: false)
        print("without back-pressure \(without.distinct) of \(Self.total) messages reached the consumer group")
        #expect(without.distinct < Self.total, "without back-pressure the broker drops what was not yet read")
        #expect(without.distinct == without.received, "what does arrive arrives once")
    }

    private func publishToSlowGroup(_ kafka: KafkaFixture, backPressure: Bool) async throws
        -> (received: Int, distinct: Int)
    {
        let topic = try kafka.createTopic(partitions: 2)
        let group = "slow-\(backPressure)"
        let received = Atomic<Int>(0)
        let consumer = try kafka.consumer(group: group, topics: [topic])
        let consuming = Task {
            var seen = [Bool](repeating: false, count: Self.total)
            var distinct = 0
            var next: [TopicPartition: Int64] = [:]
            for await event in consumer.events {
                guard case .message(let message) = event else { continue }
                let index = index(of: message)
                if !seen[index] {
                    seen[index] = true
                    distinct += 1
                }
                next[message.topicPartition] = message.offset + 1
                if received.add(1, ordering: .relaxed).newValue % 2_000 == 0 {
                    try? await consumer.commit(next)
                    // Slower than the producer: at most 100,000 messages a second.
                    try? await Task.sleep(for: .milliseconds(20))
                }
            }
            return distinct
        }

        let producer = try kafka.producer()
        let administration = try kafka.administration()
        // About 40 bytes a message: leading zeros pad the number and still parse as it.
        let padding = String(repeating: "0", count: 30)
        for start in stride(from: 0, to: Self.total, by: 10_000) {
            if backPressure {
                try await administration.waitForConsumers(group: group, topics: [topic], maxLagPerPartition: 30_000)
            }
            try await producer.send(
                (start..<start + 10_000).map {
                    OutgoingMessage(topic: topic, key: "k\($0 % 89)", value: Array("\(padding)\($0)".utf8))
                })
        }
        await producer.close()

        // The consumer is done when nothing more arrives for three seconds.
        var last = -1
        while received.load(ordering: .relaxed) != last {
            last = received.load(ordering: .relaxed)
            try await Task.sleep(for: .seconds(3))
        }
        consumer.close()
        let distinct = await consuming.value
        return (received.load(ordering: .relaxed), distinct)
    }
}
