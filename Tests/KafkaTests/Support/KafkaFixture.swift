import Foundation
import Logging
import Shared

let testLogger: Logger = {
    var logger = Logger(label: "test")
    logger.logLevel = .warning
    return logger
}()

/// A development broker in the test process (so a test can take brokers down), with its own topics.
/// Clients still reach it over loopback through the Kafka protocol, as any other process would.
struct KafkaFixture {
    let broker: DevelopmentBroker

    init(brokers: Int32 = 3) throws {
        broker = try DevelopmentBroker(brokers: brokers, logger: testLogger)
    }

    var configuration: KafkaConfiguration {
        KafkaConfiguration(bootstrapServers: broker.bootstrapServers, clientID: "harmrank-test")
    }

    func createTopic(partitions: Int32, named name: String = "test-\(UUID().uuidString.prefix(8))") throws -> String {
        try broker.createTopic(TopicSpecification(name: name, partitions: partitions))
        return name
    }

    func producer() throws -> KafkaProducer {
        try KafkaProducer(configuration: ProducerConfiguration(kafka: configuration), logger: testLogger)
    }

    func consumer(group: String, topics: [String], configure: (inout ConsumerConfiguration) -> Void = { _ in }) throws
        -> KafkaConsumer
    {
        var configuration = ConsumerConfiguration(kafka: configuration, groupID: group, topics: topics)
        configure(&configuration)
        return try KafkaConsumer(configuration: configuration, logger: testLogger)
    }

    func administration() throws -> KafkaAdministration {
        try KafkaAdministration(configuration: configuration, logger: testLogger)
    }
}

/// Numbered messages: value "<index>", keys spread over `keys` entities so partitions interleave.
func numberedMessages(_ range: Range<Int>, topic: String, keys: Int = 97) -> [OutgoingMessage] {
    range.map { OutgoingMessage(topic: topic, key: "entity-\($0 % keys)", value: Array(String($0).utf8)) }
}

func index(of message: KafkaMessage) -> Int {
    Int(String(decoding: message.value ?? [], as: UTF8.self)) ?? -1
}

/// Reads messages until `count` have arrived or nothing arrives for `idle`, then closes the consumer and returns
/// what it read, in arrival order.
func readMessages(from consumer: KafkaConsumer, count: Int, idle: Duration = .seconds(10)) async -> [KafkaMessage] {
    let lastArrival = Mutex(ContinuousClock.now)
    let watchdog = Task {
        while !Task.isCancelled {
            try await Task.sleep(for: .milliseconds(100))
            if ContinuousClock.now - lastArrival.withLock({ $0 }) > idle { return consumer.close() }
        }
    }
    defer { watchdog.cancel() }
    var messages: [KafkaMessage] = []
    for await event in consumer.events {
        lastArrival.withLock { $0 = .now }
        guard case .message(let message) = event else { continue }
        messages.append(message)
        if messages.count == count { consumer.close() }
    }
    return messages
}

/// What `topic` on the broker at `bootstrap` holds, read by a new group until `count` have arrived or nothing has
/// for `idle`; each partition's messages in offset order.
func readTopic(
    _ topic: String, bootstrap: String, count: Int = .max, idle: Duration = .seconds(5)
) async throws -> [KafkaMessage] {
    let consumer = try KafkaConsumer(
        configuration: ConsumerConfiguration(
            kafka: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "test-reader-\(UUID())", topics: [topic]),
        logger: testLogger)
    return await readMessages(from: consumer, count: count, idle: idle)
}

/// Checks that each partition's messages arrived in the order they were sent, with offsets rising.
func inPartitionOrder(_ messages: [KafkaMessage]) -> Bool {
    var last: [TopicPartition: (offset: Int64, index: Int)] = [:]
    for message in messages {
        let current = (offset: message.offset, index: index(of: message))
        if let previous = last[message.topicPartition],
            previous.offset >= current.offset || previous.index >= current.index
        {
            return false
        }
        last[message.topicPartition] = current
    }
    return true
}

import Synchronization
