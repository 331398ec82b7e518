import Foundation
import Shared
import Testing

@Suite(.serialized) struct BrokerFaultTests {
    @Test(.timeLimit(.minutes(3)))
    func nothingIsLostOrRepeatedWhenABrokerGoesDownAndComesBackDuringProduction() async throws {
        let kafka = try KafkaFixture(brokers: 3)
        let topic = try kafka.createTopic(partitions: 6)
        let producer = try kafka.producer()
        let sending = Task {
            for start in stride(from: 0, to: 20_000, by: 500) {
                try await producer.send(numberedMessages(start..<start + 500, topic: topic))
            }
        }
        try await Task.sleep(for: .milliseconds(300))
        try kafka.broker.setBrokerDown(1)
        try await Task.sleep(for: .seconds(3))
        try kafka.broker.setBrokerUp(1)
        try await sending.value  // every send completed: each message has its delivery report
        await producer.close()

        let messages = await readMessages(from: try kafka.consumer(group: "after-fault", topics: [topic]), count: 20_000)
        #expect(messages.count == 20_000)
        #expect(Set(messages.map(index(of:))) == Set(0..<20_000))
        #expect(inPartitionOrder(messages))
    }
}
