import ArgumentParser
import Logging
import Shared

struct CreateTopicsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-topics",
        abstract: "Creates every HarmRank topic that a Kafka cluster does not have yet (safe to run at every deployment).")

    @OptionGroup var kafka: KafkaOptions

    @Option(help: "Partitions of the input, link and score topics. Choose once: more later would move entities between partitions.")
    var partitions: Int32 = 12

    @Option(help: "Replication factor of new topics (-1: the cluster's default).")
    var replicationFactor: Int32 = -1

    @Option(help: "min.insync.replicas of new topics: how many replicas must have a write before it is acknowledged (default: the cluster's).")
    var minInsyncReplicas: Int32?

    func validate() throws {
        if let minInsyncReplicas, minInsyncReplicas < 1 || (replicationFactor > 0 && minInsyncReplicas > replicationFactor) {
            throw ValidationError(
                "--min-insync-replicas \(minInsyncReplicas): from 1 to the replication factor (\(replicationFactor)); "
                    + "2 with a factor of 3 keeps writes going while one broker is down")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "create-topics")
        let administration = try KafkaAdministration(
            configuration: try kafka.kafkaConfiguration(clientID: "harmrank-create-topics"), logger: logger)
        let specifications = kafka.topics().specifications(partitions: partitions).map {
            var specification = $0
            specification.replicationFactor = replicationFactor
            if let minInsyncReplicas { specification.configs["min.insync.replicas"] = String(minInsyncReplicas) }
            return specification
        }
        let created = try await administration.ensureTopics(specifications)
        print(created.isEmpty ? "every topic exists already" : "created \(created.joined(separator: ", "))")
    }
}
