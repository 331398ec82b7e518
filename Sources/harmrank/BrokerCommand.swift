import ArgumentParser
import Foundation
import Logging
import UnixSignals
import Shared

struct BrokerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "broker",
        abstract: "Runs the embedded development broker with every HarmRank topic until Ctrl-C.",
        discussion: """
            librdkafka's mock cluster: the real Kafka protocol on loopback, shared by separate processes, in memory \
            only. Each partition keeps only its newest ~5 MB and nothing is compacted: for development and tests; \
            production uses Apache Kafka. The bootstrap address is printed and written to bootstrap.txt in the data dir.
            """)

    @Option(help: "Number of mock brokers.")
    var brokers: Int32 = 3

    @Option(help: "Partitions of the input, link and score topics.")
    var partitions: Int32 = 12

    @Option(help: "Prefix of every topic name (HARMRANK_TOPIC_PREFIX; default 'harmrank.').")
    var topicPrefix: String?

    @Option(help: "Directory to write bootstrap.txt to (HARMRANK_DATA_DIR; default ./.harmrank).")
    var dataDir: String?

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 16") }
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be from 1 to 256") }
    }

    func run() async throws {
        let source = SettingSource()
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "broker")
        let catalogue = TopicCatalogue(prefix: source.value(topicPrefix, "HARMRANK_TOPIC_PREFIX") ?? "harmrank.")
        let broker = try DevelopmentBroker(brokers: brokers, logger: logger)
        for specification in catalogue.specifications(partitions: partitions) {
            try broker.createTopic(specification)
        }

        let directory = source.dataDirectory(dataDir)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let bootstrapFile = directory.appendingPathComponent("bootstrap.txt")
        try (broker.bootstrapServers + "\n").write(to: bootstrapFile, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: bootstrapFile) }

        // Written straight through, so whoever started the broker can read the address while it runs.
        FileHandle.standardOutput.write(Data("""
            HarmRank development broker: \(brokers) brokers, topics under '\(catalogue.prefix)'
            bootstrap: \(broker.bootstrapServers)
            written to \(bootstrapFile.path); Ctrl-C stops it (everything it holds is lost)

            """.utf8))

        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        logger.notice("stopping the development broker")
    }
}
