import Foundation
import Logging
import ServiceLifecycle
import Synchronization

/// Reads every message of a topic, from the oldest held and then as they come, in a consumer group of this process
/// alone that never commits: for replicas that each need all of a topic, such as every RankService replica following
/// the snapshots its leader publishes.
public final class TopicTail: Service, Sendable {
    private let configuration: ConsumerConfiguration
    private let topic: String
    private let administration: KafkaAdministration
    private let each: @Sendable (KafkaMessage) throws -> Void
    private let logger: Logger
    /// The next offset to read of each partition, as far as messages have been handed over.
    private let reached = Mutex<[TopicPartition: Int64]>([:])

    /// `each` is called with every message, on one task, in offset order within each partition. A message it throws
    /// on is handed to it again a second later, until it takes it: the tail never reads past a message it lost.
    public init(
        kafka: KafkaConfiguration, topic: String, logger: Logger,
        each: @escaping @Sendable (KafkaMessage) throws -> Void
    ) throws {
        var configuration = ConsumerConfiguration(kafka: kafka, groupID: "harmrank-tail-\(UUID())", topics: [topic])
        configuration.offsetReset = .earliest
        self.configuration = configuration
        self.topic = topic
        administration = try KafkaAdministration(configuration: kafka, logger: logger)
        self.each = each
        self.logger = logger
    }

    public func run() async throws {
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        await withTaskCancellationOrGracefulShutdownHandler {
            for await event in consumer.events {
                guard case .message(let message) = event else { continue }
                while true {
                    do {
                        try each(message)
                        break
                    } catch {
                        logger.error("\(message.topicPartition)@\(message.offset): \(error); trying again in a second")
                        guard (try? await Task.sleep(for: .seconds(1))) != nil else { return }
                    }
                }
                reached.withLock { $0[message.topicPartition] = message.offset + 1 }
            }
        } onCancelOrGracefulShutdown: {
            consumer.close()
        }
        await consumer.waitUntilClosed()
    }

    /// Returns once every message the topic holds now has been handed to `each`; throws after `timeout`.
    public func caughtUp(timeout: Duration = .seconds(30)) async throws {
        let counts = try await administration.partitionCounts()
        let partitions = (0..<(counts[topic] ?? 0)).map { TopicPartition(topic, $0) }
        let held = try await administration.heldOffsets(of: partitions)
        let deadline = ContinuousClock.now + timeout
        while true {
            let behind = reached.withLock { reached in
                held.filter { partition, offsets in !offsets.isEmpty && (reached[partition] ?? 0) < offsets.upperBound }
            }
            if behind.isEmpty { return }
            guard ContinuousClock.now < deadline else {
                throw TopicTailBehind(topic: topic, timeout: timeout, behind: behind.keys.sorted())
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }
}

/// The tail did not reach the end its topic held within the time allowed.
public struct TopicTailBehind: Error, CustomStringConvertible {
    let topic: String
    let timeout: Duration
    let behind: [TopicPartition]

    public var description: String {
        "\(topic) was not read to its end within \(timeout) (still behind: \(behind.map(\.description).joined(separator: " ")))"
    }
}
