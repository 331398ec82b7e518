import Logging
import Shared

enum ScoreService: ServiceDefinition {
    static let abstract = "Keeps each suspect's and ward's rolling 365-day harm windows and publishes their scores."
    static let identity = ServiceIdentity(
        name: "ScoreService", defaultPort: 8083, defaultGroup: "harmrank-score",
        readers: { topics in
            [("harmrank-rank", [topics.scoresSuspect, topics.scoresPlace]), ("harmrank-notify", [topics.scoresSuspect])]
        }
    ) { topics in
        [topics.linksSuspect, topics.linksPlace]
    }

    static func build(_ settings: ServiceSettings, _ options: NoServiceOptions, _ status: ServiceStatus, _ logger: Logger)
        throws -> ServiceParts
    {
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: settings.kafka), logger: Logger(label: "ScoreService.producer"))
        let context = ScorePartition.Context(
            producer: producer, topics: settings.topics, clockMode: settings.clockMode, status: status, logger: logger)
        let stateDirectory = settings.stateDirectory.path
        let restoring = try ScoreRestore(
            topics: settings.topics, kafka: settings.kafka, group: settings.groupID, logger: logger)
        let consumer = try settings.partitionedConsumer(status: status, logger: logger, restoring: restoring) { partition in
            try ScorePartition(partition, directory: stateDirectory, context: context)
        }
        return ServiceParts(services: [producer, consumer])
    }
}

await ServiceCommand<ScoreService>.start()
