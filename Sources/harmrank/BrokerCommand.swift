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

    @Option(help: "Number of mock brokers (more only to take one down in a fault test).")
    var brokers: Int32 = DevelopmentBroker.defaultBrokerCount

    @OptionGroup var stack: StackOptions

    func validate() throws {
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 16") }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "broker")
        let catalogue = stack.catalogue
        let cluster = try CommandCluster(bootstrap: nil, brokers: brokers, logger: logger)
        try await cluster.createTopics(catalogue.specifications(partitions: stack.partitions))
        let bootstrapFile = try stack.writeBootstrap(cluster.bootstrapServers)
        defer { try? FileManager.default.removeItem(at: bootstrapFile) }

        // Written straight through, so whoever started the broker can read the address while it runs.
        FileHandle.standardOutput.write(Data("""
            HarmRank development broker: \(brokers) brokers, topics under '\(catalogue.prefix)'
            bootstrap: \(cluster.bootstrapServers)
            written to \(bootstrapFile.path); Ctrl-C stops it (everything it holds is lost)

            """.utf8))

        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        logger.notice("stopping the development broker")
    }
}
