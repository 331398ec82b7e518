import Foundation
import Shared
import Testing

@Suite(.serialized) struct CrossProcessTests {
    @Test(.timeLimit(.minutes(2)))
    func messagesSentInOneProcessAreReadInAnotherThroughHarmrankBroker() async throws {
        let broker = try await BrokerProcess.start()
        #expect(broker.bootstrap.split(separator: ",").count == 1, "one mock broker by default: \(broker.bootstrap)")
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: broker.bootstrap)),
            logger: testLogger)
        try await producer.send(numberedMessages(0..<1_000, topic: "harmrank.offences.raw"))
        await producer.close()

        let reader = try ChildProcess(
            "harmrank",
            ["consume", "offences.raw", "--data-dir", broker.dataDirectory.path, "--count", "1000", "--idle-seconds", "20"])
        #expect(await reader.exitStatus(within: .seconds(60)) == 0, "\(reader.errors)")
        struct Line: Decodable { var partition: Int32; var offset: Int64; var key: String?; var value: String? }
        let lines = try reader.output.split(separator: "\n").map { try JSONDecoder().decode(Line.self, from: Data($0.utf8)) }
        #expect(lines.compactMap { $0.value.flatMap(Int.init) }.sorted() == Array(0..<1_000))
        #expect(lines.allSatisfy { $0.partition == Partitioner.partition(forKey: $0.key ?? "", partitionCount: 3) })

        broker.process.signal(SIGINT)
        #expect(await broker.process.exitStatus(within: .seconds(20)) == 0)
        #expect(!FileManager.default.fileExists(atPath: broker.dataDirectory.appendingPathComponent("bootstrap.txt").path),
                "a stopped broker leaves no stale bootstrap address behind")
    }

    @Test(.timeLimit(.minutes(2)))
    func kcatProducesToAndConsumesFromHarmrankBroker() async throws {
        let broker = try await BrokerProcess.start(brokers: 3)
        #expect(broker.bootstrap.split(separator: ",").count == 3, "\(broker.bootstrap)")

        let lines = (0..<100).map { "suspect-\($0)|{\"n\":\($0)}" }.joined(separator: "\n") + "\n"
        let kcatProducer = try ChildProcess(
            "kcat", ["-b", broker.bootstrap, "-P", "-t", "harmrank.offences.rejected", "-K", "|"], input: Data(lines.utf8))
        #expect(await kcatProducer.exitStatus(within: .seconds(30)) == 0, "\(kcatProducer.errors)")
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(
                kafka: KafkaConfiguration(bootstrapServers: broker.bootstrap), groupID: "from-kcat",
                topics: ["harmrank.offences.rejected"]),
            logger: testLogger)
        let fromKcat = await readMessages(from: consumer, count: 100)
        #expect(Set(fromKcat.compactMap { $0.key.map { String(decoding: $0, as: UTF8.self) } })
                == Set((0..<100).map { "suspect-\($0)" }))

        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: KafkaConfiguration(bootstrapServers: broker.bootstrap)),
            logger: testLogger)
        try await producer.send((0..<100).map {
            OutgoingMessage(topic: "harmrank.rankings", key: "list-\($0)", value: Array("snapshot \($0)".utf8))
        })
        await producer.close()
        let kcatConsumer = try ChildProcess(
            "kcat", ["-b", broker.bootstrap, "-C", "-t", "harmrank.rankings", "-o", "beginning", "-c", "100", "-e",
                     "-f", "%k=%s\\n"])
        #expect(await kcatConsumer.exitStatus(within: .seconds(30)) == 0, "\(kcatConsumer.errors)")
        #expect(Set(kcatConsumer.output.split(separator: "\n").map(String.init))
                == Set((0..<100).map { "list-\($0)=snapshot \($0)" }))
        broker.process.signal(SIGTERM)
        #expect(await broker.process.exitStatus(within: .seconds(20)) == 0)
    }

    @Test(.timeLimit(.minutes(2)))
    func benchKafkaMeasuresBothClientsAndWritesItsFigures() async throws {
        let json = try temporaryDirectory().appendingPathComponent("figures.json")
        let bench = try ChildProcess("harmrank", ["bench-kafka", "--messages", "2000", "--partitions", "4", "--json", json.path])
        #expect(await bench.exitStatus(within: .seconds(90)) == 0, "\(bench.errors)")
        let figures = try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any]
        #expect(figures?["messages"] as? Int == 2000)
        #expect(figures?["messageBytes"] as? Int == 1024)
        for measurement in ["produce", "consume"] {
            let pair = figures?[measurement] as? [String: Double]
            #expect((pair?["swift"] ?? 0) > 0 && (pair?["kcat"] ?? 0) > 0 && (pair?["ratio"] ?? 0) > 0, "\(measurement)")
        }
        #expect(bench.output.contains("Swift layer"))
    }
}
