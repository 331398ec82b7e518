import ArgumentParser
import Foundation
import Logging
import Shared

/// The cluster a command works against: a development broker it starts in its own process, or the cluster named
/// by `--bootstrap`.
struct CommandCluster {
    let broker: DevelopmentBroker?
    let bootstrapServers: String
    private let logger: Logger

    init(bootstrap: String?, brokers: Int32 = DevelopmentBroker.defaultBrokerCount, logger: Logger) throws {
        broker = bootstrap == nil ? try DevelopmentBroker(brokers: brokers, logger: logger) : nil
        bootstrapServers = bootstrap ?? broker!.bootstrapServers
        self.logger = logger
    }

    var isEmbedded: Bool { broker != nil }

    /// Creates the topics: directly on the development broker (it does not take the CreateTopics request), or
    /// through the administration API where missing on a real cluster.
    func createTopics(_ specifications: [TopicSpecification]) async throws {
        if let broker {
            for specification in specifications { try broker.createTopic(specification) }
        } else {
            try await KafkaAdministration(
                configuration: KafkaConfiguration(bootstrapServers: bootstrapServers), logger: logger
            ).ensureTopics(specifications)
        }
    }
}

/// The flags of the commands that set a stack up: where its files go and how its topics are laid out.
struct StackOptions: ParsableArguments {
    @Option(help: "Directory for bootstrap.txt, tokens.txt and the services' state (HARMRANK_DATA_DIR; default ./.harmrank).")
    var dataDir: String?

    @Option(help: "Prefix of every topic name (HARMRANK_TOPIC_PREFIX; default 'harmrank.').")
    var topicPrefix: String?

    @Option(help: "Partitions of the input, link and score topics.")
    var partitions: Int32 = 12

    func validate() throws {
        guard (1...256).contains(partitions) else { throw ValidationError("--partitions must be from 1 to 256") }
    }

    var directory: URL { SettingSource().dataDirectory(dataDir) }
    var catalogue: TopicCatalogue {
        TopicCatalogue(prefix: SettingSource().value(topicPrefix, "HARMRANK_TOPIC_PREFIX") ?? "harmrank.")
    }

    /// Creates the data dir and writes the bootstrap address into it for the other commands and services.
    func writeBootstrap(_ servers: String) throws -> URL {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("bootstrap.txt")
        try (servers + "\n").write(to: file, atomically: true, encoding: .utf8)
        return file
    }
}
