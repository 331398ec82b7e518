import Foundation
import Logging
import Shared

enum RankService: ServiceDefinition {
    static let abstract = "Ranks suspects and wards by harm, publishes the lists and answers the lists API."
    static let identity = ServiceIdentity(name: "RankService", defaultPort: 8080, defaultGroup: "harmrank-rank") { topics in
        [topics.scoresSuspect, topics.scoresPlace]
    }

    static func build(_ settings: ServiceSettings, _ status: ServiceStatus, _ logger: Logger) throws -> ServiceParts {
        let environment = ProcessInfo.processInfo.environment
        let size = try positiveInteger(environment["HARMRANK_LIST_SIZE"], "HARMRANK_LIST_SIZE", default: 100)
        let interval = try positiveInteger(environment["HARMRANK_PUBLISH_INTERVAL_MS"], "HARMRANK_PUBLISH_INTERVAL_MS", default: 1000)
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: settings.kafka), logger: Logger(label: "RankService.producer"))
        let board = Board(wards: settings.wards, harmTable: settings.harmTable, size: size)
        let stateDirectory = settings.stateDirectory.path
        let publisher = try RankingPublisher(
            board: board, producer: producer, topic: settings.topics.rankings, interval: .milliseconds(interval),
            directory: stateDirectory, logger: logger)
        let context = RankPartition.Context(board: board, publisher: publisher, status: status, logger: logger)
        let consumer = PartitionedConsumer(
            configuration: ConsumerConfiguration(kafka: settings.kafka, groupID: settings.groupID, topics: settings.inputTopics),
            status: status, logger: logger
        ) { partition in
            try RankPartition(partition, directory: stateDirectory, context: context)
        }
        let routes = ListRoutes(
            board: board, audit: try AuditLog(path: settings.dataDirectory.appendingPathComponent("audit.log").path))
        return ServiceParts(services: [producer, consumer], routes: routes.register(on:))
    }

    static func positiveInteger(_ text: String?, _ variable: String, default value: Int) throws -> Int {
        guard let text else { return value }
        guard let number = Int(text), number > 0 else {
            throw ConfigurationError("\(variable) '\(text)': use a whole number above 0")
        }
        return number
    }
}

await ServiceCommand<RankService>.start()
