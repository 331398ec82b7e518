import Foundation
import Shared
import Testing

@Suite(.serialized) struct ProduceConsumeTests {
    @Test func hundredThousandMessagesArriveOnceEachInPartitionOrder() async throws {
        let kafka = try KafkaFixture()
        let topic = try kafka.createTopic(partitions: 4)
        let producer = try kafka.producer()
        for start in stride(from: 0, to: 100_000, by: 10_000) {
            try await producer.send(numberedMessages(start..<start + 10_000, topic: topic))
        }
        await producer.close()

        let consumer = try kafka.consumer(group: "order", topics: [topic])
        let messages = await readMessages(from: consumer, count: 100_000)
        #expect(messages.count == 100_000)
        #expect(Set(messages.map(index(of:))) == Set(0..<100_000))
        #expect(inPartitionOrder(messages))
    }

    @Test func keysHeadersAndTombstonesRoundTrip() async throws {
        let kafka = try KafkaFixture(brokers: 1)
        let topic = try kafka.createTopic(partitions: 3)
        let producer = try kafka.producer()
        try await producer.send([
            OutgoingMessage(
                topic: topic, key: "suspect-1", value: Array("{}".utf8),
                headers: [KafkaHeader("crimeRef", Array("01/123".utf8)), KafkaHeader("empty", [])]),
            OutgoingMessage(topic: topic, key: "suspect-1", value: nil),
            OutgoingMessage(topic: topic, key: "suspect-1", value: []),
        ])
        await producer.close()

        let messages = await readMessages(from: try kafka.consumer(group: "round-trip", topics: [topic]), count: 3)
        try #require(messages.count == 3)
        let expectedPartition = Partitioner.partition(forKey: "suspect-1", partitionCount: 3)
        #expect(messages.allSatisfy { $0.partition == expectedPartition && $0.key == Array("suspect-1".utf8) })
        #expect(messages[0].headers == [KafkaHeader("crimeRef", Array("01/123".utf8)), KafkaHeader("empty", [])])
        #expect(messages[1].value == nil, "a tombstone stays null")
        #expect(messages[2].value == [], "an empty value stays empty, not null")
    }

    @Test func sendingToAMissingTopicFailsWithLibrdkafkasCode() async throws {
        let kafka = try KafkaFixture(brokers: 1)
        let producer = try kafka.producer()
        let error = await #expect(throws: KafkaError.self) {
            try await producer.send(OutgoingMessage(topic: "no-such-topic", key: "k", value: []))
        }
        #expect(error?.name == "UNKNOWN_TOPIC_OR_PART")
        #expect(error?.description.contains("no-such-topic") == true)
        await producer.close()
    }

    @Test func anUnknownKafkaPropertyIsReportedByName() {
        var configuration = KafkaConfiguration(bootstrapServers: "localhost:9092")
        configuration.properties["no.such.property"] = "1"
        let error = #expect(throws: KafkaError.self) {
            _ = try KafkaProducer(configuration: ProducerConfiguration(kafka: configuration), logger: testLogger)
        }
        #expect(error?.context.contains("no.such.property") == true)
    }
}
