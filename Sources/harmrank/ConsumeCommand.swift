import ArgumentParser
import Foundation
import Logging
import Shared

struct ConsumeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "consume",
        abstract: "Prints the messages of a topic as NDJSON, one {topic, partition, offset, key, value} per line.")

    @Argument(help: "The topic, with or without the prefix (for example offences.rejected).")
    var topic: String

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Consumer group; offsets are committed so the next run goes on from there. Default: a new group that reads from the beginning.")
    var group: String?

    @Option(help: "Stop after this many messages.")
    var count: Int?

    @Option(help: "Stop when no message has arrived for this many seconds.")
    var idleSeconds: Double?

    func run() async throws {
        let logger = quietLogging("consume")
        let catalogue = kafka.topics()
        let name = topic.hasPrefix(catalogue.prefix) ? topic : catalogue.prefix + topic
        let groupID = group ?? "harmrank-consume-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(
                kafka: try kafka.kafkaConfiguration(clientID: "harmrank-consume"), groupID: groupID, topics: [name]),
            logger: logger)

        let lastMessage = LastMessageClock()
        let idleWatch = Task { [idleSeconds] in
            guard let idleSeconds else { return }
            while !Task.isCancelled {
                try await Task.sleep(for: .milliseconds(100))
                if lastMessage.idleFor > idleSeconds { return consumer.close() }
            }
        }
        defer { idleWatch.cancel() }

        var printed = 0
        var next: [TopicPartition: Int64] = [:]
        let encoder = JSONEncoder.api
        for await event in consumer.events {
            switch event {
            case .message(let message):
                lastMessage.touch()
                guard count.map({ printed < $0 }) ?? true else { continue }
                let line = PrintedMessage(
                    topic: message.topic, partition: message.partition, offset: message.offset,
                    key: message.key.map { String(decoding: $0, as: UTF8.self) },
                    value: message.value.map { String(decoding: $0, as: UTF8.self) })
                FileHandle.standardOutput.write(try encoder.encode(line) + [0x0a])
                printed += 1
                next[message.topicPartition] = message.offset + 1
                if let count, printed >= count { consumer.close() }
            case .revoked:
                if group != nil, !next.isEmpty { try await consumer.commit(next) }
                next = [:]
            case .assigned:
                lastMessage.touch()
            }
        }
    }
}

private struct PrintedMessage: Encodable {
    var topic: String
    var partition: Int32
    var offset: Int64
    var key: String?
    var value: String?
}

/// When the last message arrived, for --idle-seconds.
private final class LastMessageClock: @unchecked Sendable {
    private let lock = NSLock()
    private var last = Date()
    func touch() { lock.withLock { last = Date() } }
    var idleFor: Double { lock.withLock { Date().timeIntervalSince(last) } }
}
