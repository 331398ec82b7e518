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

    /// With Nagle's algorithm on the brokers' side, a send spread over partitions of one broker waited ~40 ms for
    /// a delayed ACK; timing is for benchmarks, so this checks the cause: every connection the brokers accepted
    /// has TCP_NODELAY set.
    @Test func theEmbeddedBrokersSendResponsesWithoutNaglesDelay() async throws {
        let kafka = try KafkaFixture()
        let topic = try kafka.createTopic(partitions: 6)
        let producer = try kafka.producer()
        try await producer.send(numberedMessages(0..<60, topic: topic))
        let brokerPorts = Set(kafka.broker.bootstrapServers.split(separator: ",").compactMap { UInt16($0.split(separator: ":").last!) })
        var accepted: [Int32] = []
        for descriptor in Int32(0)..<4096 {
            var address = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let named = withUnsafeMutablePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
            }
            var listening: Int32 = 0
            var optionLength = socklen_t(MemoryLayout<Int32>.size)
            guard named == 0, address.sin_family == sa_family_t(AF_INET),
                brokerPorts.contains(UInt16(bigEndian: address.sin_port)),
                getsockopt(descriptor, SOL_SOCKET, SO_ACCEPTCONN, &listening, &optionLength) == 0, listening == 0
            else { continue }
            accepted.append(descriptor)
        }
        await producer.close()
        try #require(!accepted.isEmpty, "the producer's connections to the brokers were found")
        for descriptor in accepted {
            var noDelay: Int32 = 0
            var optionLength = socklen_t(MemoryLayout<Int32>.size)
            #expect(getsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, &optionLength) == 0)
            #expect(noDelay != 0, "broker side of connection \(descriptor) has Nagle's algorithm on")
        }
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
