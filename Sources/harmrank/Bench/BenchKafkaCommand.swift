import ArgumentParser
import Foundation
import Logging
import Shared

/// The raw-Kafka reference: how fast 1 KiB JSON messages go through HarmRank's Kafka layer and through kcat (plain
/// librdkafka) against the same broker in the same run. End-to-end figures are judged against it.
struct BenchKafkaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-kafka",
        abstract: "Measures produce and consume rates of 1 KiB JSON messages through HarmRank's Kafka layer and through kcat.",
        discussion: """
            Both clients use the same broker, topic layout, message bodies and producer settings (idempotent, acks=all, \
            linger 5 ms, murmur2 partitioning). By default the broker is a development broker started in this process; \
            --bootstrap measures against another cluster. Needs kcat on PATH.
            """)

    @Option(help: "Messages per measurement.")
    var messages = 100_000

    @Option(help: "Partitions of each measurement topic (the development broker keeps ~5 MB a partition: keep messages x 1 KiB / partitions under that).")
    var partitions: Int32 = 32

    @Option(help: "Measure against this cluster instead of an embedded development broker.")
    var bootstrap: String?

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    @Option(help: "The kcat executable.")
    var kcat = "kcat"

    func validate() throws {
        guard messages > 0 else { throw ValidationError("--messages must be positive") }
    }

    func run() async throws {
        let logger = quietLogging("bench-kafka")
        let cluster = try CommandCluster(bootstrap: bootstrap, logger: logger)
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "harmrank-bench")
        let run = "bench-\(UInt32.random(in: 0...UInt32.max))"
        let topics = (swift: "\(run).swift", kcat: "\(run).kcat", batched: "\(run).batched")
        try await cluster.createTopics(
            [topics.swift, topics.kcat, topics.batched].map { TopicSpecification(name: $0, partitions: partitions) })

        let bodies = (0..<messages).map(Self.offenceLikeBody)
        let keys = (0..<messages).map { "BENCH/\($0)" }
        let input = FileManager.default.temporaryDirectory.appendingPathComponent("\(run).kcat-input")
        try Data(zip(keys, bodies).map { "\($0)|\(String(decoding: $1, as: UTF8.self))\n" }.joined().utf8).write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        log("\(messages) messages of \(bodies[0].count) bytes into \(partitions) partitions at \(kafka.bootstrapServers)")

        // Produce: the Swift layer as one stream (as kcat sends), then in batches of 10,000 each awaited before the
        // next (as a service that commits after its outputs are delivered), then kcat with the same settings.
        var producerConfiguration = ProducerConfiguration(kafka: kafka)
        producerConfiguration.lingerMilliseconds = 5  // kcat's, below
        let producer = try KafkaProducer(configuration: producerConfiguration, logger: logger)
        func outgoing(_ range: Range<Int>, to topic: String) -> [OutgoingMessage] {
            range.map { OutgoingMessage(topic: topic, key: keys[$0], value: bodies[$0]) }
        }
        let swiftProduce = try await timed { try await producer.send(outgoing(0..<messages, to: topics.swift)) }
        log("produce, Swift layer: \(rate(swiftProduce))")
        let batchedProduce = try await timed {
            for start in stride(from: 0, to: messages, by: 10_000) {
                try await producer.send(outgoing(start..<min(start + 10_000, messages), to: topics.batched))
            }
        }
        await producer.close()
        log("produce in awaited batches of 10,000, Swift layer: \(rate(batchedProduce))")
        let kcatProduce = try await timed {
            try await runKcat(
                ["-P", "-b", kafka.bootstrapServers, "-t", topics.kcat, "-K", "|", "-l", input.path,
                 "-X", "enable.idempotence=true", "-X", "acks=all", "-X", "linger.ms=5",
                 "-X", "partitioner=murmur2_random"])
        }
        log("produce, kcat: \(rate(kcatProduce))")

        // Consume: the Swift layer from first message to last (a group join is not reading), then kcat.
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(kafka: kafka, groupID: "\(run)-reader", topics: [topics.kcat]),
            logger: logger)
        var received = 0
        var firstArrival: ContinuousClock.Instant?
        for await event in consumer.events {
            guard case .message = event else { continue }
            if firstArrival == nil { firstArrival = .now }
            received += 1
            if received == messages { consumer.close() }
        }
        let swiftConsume = ContinuousClock.now - (firstArrival ?? .now)
        guard received == messages else { throw ValidationError("the Swift consumer read \(received) of \(messages)") }
        log("consume, Swift layer: \(rate(swiftConsume))")
        var kcatLines = 0
        let kcatConsume = try await timed {
            kcatLines = try await runKcat(
                ["-C", "-b", kafka.bootstrapServers, "-t", topics.swift, "-o", "beginning", "-e", "-q", "-f", "%o\\n"]
            ).split(separator: "\n").count
        }
        guard kcatLines == messages else { throw ValidationError("kcat read \(kcatLines) of \(messages)") }
        log("consume, kcat: \(rate(kcatConsume))")

        let figures = Figures(
            messages: messages, messageBytes: bodies[0].count, partitions: partitions,
            produce: .init(swift: perSecond(swiftProduce), kcat: perSecond(kcatProduce)),
            produceInAwaitedBatches: perSecond(batchedProduce).rounded(),
            consume: .init(swift: perSecond(swiftConsume), kcat: perSecond(kcatConsume)))
        print(figures.table)
        if let json { try JSONEncoder.api.encode(figures).write(to: URL(fileURLWithPath: json)) }
    }

    /// A JSON body shaped like an offence record, padded to exactly 1 KiB.
    static func offenceLikeBody(_ index: Int) -> [UInt8] {
        let record = #"{"crimeRef":"BENCH/\#(index)","version":1,"offenceCode":"8N","occurredAt":"2026-01-01T00:00:00Z","#
            + #""wardCode":"E05013970","flags":["domestic"],"suspects":["S\#(index % 36_000)"],"victims":["V\#(index)"],"note":""#
        let padding = String(repeating: "x", count: max(0, 1024 - record.utf8.count - 2))
        return Array((record + padding + "\"}").utf8)
    }

    @discardableResult
    private func runKcat(_ arguments: [String]) async throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [kcat] + arguments
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("kcat-\(UUID())")
        _ = FileManager.default.createFile(atPath: output.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: output) }
        process.standardOutput = try FileHandle(forWritingTo: output)
        try process.run()
        await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                process.waitUntilExit()
                continuation.resume()
            }
        }
        guard process.terminationStatus == 0 else {
            throw ValidationError("kcat \(arguments.joined(separator: " ")) exited with \(process.terminationStatus)")
        }
        return try String(contentsOf: output, encoding: .utf8)
    }

    private func timed(_ body: () async throws -> Void) async throws -> Duration {
        let start = ContinuousClock.now
        try await body()
        return ContinuousClock.now - start
    }

    private func perSecond(_ duration: Duration) -> Double {
        Double(messages) / duration.inSeconds
    }

    private func rate(_ duration: Duration) -> String { "\(Int(perSecond(duration))) messages/s" }

    private func log(_ line: String) { FileHandle.standardError.write(Data("bench-kafka: \(line)\n".utf8)) }

    struct Figures: Encodable {
        struct Pair: Encodable {
            var swift: Double
            var kcat: Double
            var ratio: Double { swift / kcat }
            enum CodingKeys: CodingKey { case swift, kcat, ratio }
            func encode(to encoder: any Encoder) throws {
                var container = encoder.container(keyedBy: CodingKeys.self)
                try container.encode(swift.rounded(), forKey: .swift)
                try container.encode(kcat.rounded(), forKey: .kcat)
                try container.encode((ratio * 100).rounded() / 100, forKey: .ratio)
            }
        }
        var messages: Int
        var messageBytes: Int
        var partitions: Int32
        var produce: Pair
        /// Batches of 10,000, each awaited before the next: the pattern of a service committing after delivery.
        var produceInAwaitedBatches: Double
        var consume: Pair

        var table: String {
            func row(_ name: String, _ pair: Pair) -> String {
                name.padding(toLength: 10, withPad: " ", startingAt: 0)
                    + String(Int(pair.swift)).leftPadded(14) + String(Int(pair.kcat)).leftPadded(14)
                    + String(format: "%.2f", pair.ratio).leftPadded(10)
            }
            return """
                \(messages) messages of \(messageBytes) bytes, \(partitions) partitions (messages per second)
                          \("Swift layer".leftPadded(14))\("kcat".leftPadded(14))\("ratio".leftPadded(10))
                \(row("produce", produce))
                \(row("consume", consume))
                produce in batches of 10,000, each awaited: \(Int(produceInAwaitedBatches)) (Swift layer)
                """
        }
    }
}

extension Duration {
    /// In seconds, never quite zero, so that a rate divided by it stays finite.
    var inSeconds: Double { max(Double(components.seconds) + Double(components.attoseconds) / 1e18, 1e-9) }
}

extension String {
    /// Right-aligned in a column of `width` characters, for terminal tables.
    func leftPadded(_ width: Int) -> String {
        count >= width ? self : String(repeating: " ", count: width - count) + self
    }
}
