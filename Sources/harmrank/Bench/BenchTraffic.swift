import Foundation
import Logging
import Shared
import Synchronization

/// The backfill's Kafka traffic carried again with nothing done to it: what the broker and the clients alone cost
/// the backfill on this machine, and so a floor under its time that no work in the services can go below.
///
/// Every topic gets as many messages as the backfill wrote to it, taken in turn from what the broker still holds of
/// it (its real keys, values and partitions), written to a topic of its own in awaited batches as the services
/// write, and read by as many consumers as read it during the backfill, all topics at once. Writers hold back
/// while a reader is 2 MB behind on a partition, counted in process (a cheaper check than the services' lag
/// queries), since the embedded broker keeps only its newest ~5 MB of each.
struct BenchTraffic {
    /// One topic of the pipeline: how many messages the backfill wrote to it and how many consumers read it.
    struct Flow {
        let topic: String
        let partitions: Int32
        let messages: Int
        let readers: Int
    }

    let kafka: KafkaConfiguration
    let logger: Logger

    /// Each topic's messages and readers after the backfill (the topics are new, so their ends are the counts).
    static func flows(
        of topics: TopicCatalogue, readers: [(group: String, inputs: [String])], administration: KafkaAdministration
    ) async throws -> [Flow] {
        let ends = try await administration.endOffsets(of: topics.specifications().map(\.name))
        return Dictionary(grouping: ends, by: \.key.topic).map { topic, partitions in
            Flow(
                topic: topic, partitions: Int32(partitions.count), messages: Int(partitions.map(\.value).reduce(0, +)),
                readers: readers.filter { $0.inputs.contains(topic) }.count)
        }.filter { $0.messages > 0 }.sorted { $0.topic < $1.topic }
    }

    /// What the broker holds of each flow's topic (the first 20,000 messages), to write again in turn.
    func samples(of flows: [Flow]) async throws -> [String: [KafkaMessage]] {
        var samples: [String: [KafkaMessage]] = [:]
        for flow in flows {
            samples[flow.topic] = try await BenchCommand.readHeld(
                topic: flow.topic, kafka: kafka, keeping: 20_000, logger: logger
            ).kept
        }
        return samples
    }

    /// Carries `flows` again, from `samples`, through topics named `<topic>.traffic` (made beforehand, with the
    /// flow's partitions); returns the seconds from the first message written to the last one read, and what was
    /// not read.
    func replay(_ flows: [Flow], from samples: [String: [KafkaMessage]]) async throws -> (seconds: Double, unread: Int) {
        let flows = flows.filter { !(samples[$0.topic] ?? []).isEmpty }
        // The services' consumers have long joined their groups when a backfill starts: so have these.
        let start = StartLine(readers: flows.reduce(0) { $0 + $1.readers })
        let unread = try await withThrowingTaskGroup(of: Int.self) { group in
            for flow in flows {
                let progress = Progress(readers: flow.readers, partitions: flow.partitions)
                group.addTask {
                    while start.time == nil { try await Task.sleep(for: .milliseconds(10)) }
                    try await write(flow, from: samples[flow.topic]!, progress: progress)
                    return 0
                }
                for reader in 0..<flow.readers {
                    group.addTask { try await read(flow, as: reader, progress: progress, start: start) }
                }
            }
            return try await group.reduce(0, +)
        }
        return ((start.time ?? .now).duration(to: .now).inSeconds, unread)
    }

    private func write(_ flow: Flow, from sample: [KafkaMessage], progress: Progress) async throws {
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        let meanSize = max(1, sample.reduce(0) { $0 + ($1.value?.count ?? 0) + ($1.key?.count ?? 0) } / sample.count)
        let maxBehind = max(1, 2_000_000 / meanSize)
        let batchSize = min(5_000, maxBehind * Int(flow.partitions))
        var next = 0
        while next < flow.messages {
            while progress.mostBehind > maxBehind { try await Task.sleep(for: .milliseconds(2)) }
            let batch = (next..<min(next + batchSize, flow.messages)).map { index in
                let message = sample[index % sample.count]
                return OutgoingMessage(
                    topic: flow.topic + ".traffic", key: message.key, value: message.value, headers: message.headers,
                    partition: message.partition)
            }
            try await producer.send(batch)
            progress.wrote(batch)
            next += batch.count
        }
        await producer.close()
    }

    /// Reads until every message of the flow is read or nothing more comes; returns how many were not read.
    private func read(_ flow: Flow, as reader: Int, progress: Progress, start: StartLine) async throws -> Int {
        var configuration = ConsumerConfiguration(
            kafka: kafka, groupID: "harmrank-bench-traffic-\(reader)-\(UInt32.random(in: 0...UInt32.max))",
            topics: [flow.topic + ".traffic"])
        configuration.fetchWaitMilliseconds = UpCommand.embeddedFetchWaitMilliseconds
        let consumer = try KafkaConsumer(configuration: configuration, logger: logger)
        var read = 0
        for await event in consumer.events.batches(idleAfter: .seconds(5)) {
            switch event {
            case .messages(let batch):
                read += batch.count
                progress.read(batch, by: reader)
                if read >= flow.messages { consumer.close() }
            case .assigned: start.joined()
            case .idle where progress.writtenCount >= flow.messages: consumer.close()
            default: break
            }
        }
        return flow.messages - read
    }

    /// The instant every reader had joined its group, when writing starts.
    final class StartLine: Sendable {
        private let state: Mutex<(waiting: Int, time: ContinuousClock.Instant?)>
        init(readers: Int) { state = Mutex((readers, readers == 0 ? .now : nil)) }

        func joined() {
            state.withLock { state in
                guard state.time == nil else { return }
                state.waiting -= 1
                if state.waiting == 0 { state.time = .now }
            }
        }

        var time: ContinuousClock.Instant? { state.withLock(\.time) }
    }

    /// How far each reader is behind the writer, partition by partition.
    final class Progress: Sendable {
        private struct Counts {
            var written: [Int]
            var read: [[Int]]
        }
        private let counts: Mutex<Counts>

        init(readers: Int, partitions: Int32) {
            counts = Mutex(Counts(
                written: Array(repeating: 0, count: Int(partitions)),
                read: Array(repeating: Array(repeating: 0, count: Int(partitions)), count: readers)))
        }

        func wrote(_ messages: [OutgoingMessage]) {
            counts.withLock { counts in for message in messages { counts.written[Int(message.partition!)] += 1 } }
        }

        func read(_ messages: [KafkaMessage], by reader: Int) {
            counts.withLock { counts in for message in messages { counts.read[reader][Int(message.partition)] += 1 } }
        }

        var writtenCount: Int { counts.withLock { $0.written.reduce(0, +) } }

        /// The most messages any reader has still to read on any partition.
        var mostBehind: Int {
            counts.withLock { counts in
                counts.read.map { read in zip(counts.written, read).map { $0 - $1 }.max() ?? 0 }.max() ?? 0
            }
        }
    }
}
