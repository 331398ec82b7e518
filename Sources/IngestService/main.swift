import Logging
import Shared

enum IngestService: ServiceDefinition {
    static let abstract = "Validates offence records, keeps their versions and turns revisions into suspect and place links."
    static let identity = ServiceIdentity(
        name: "IngestService", defaultPort: 8081, defaultGroup: "harmrank-ingest",
        readers: { topics in [("harmrank-score", [topics.linksSuspect, topics.linksPlace])] }
    ) { topics in
        [topics.offencesRaw]
    }

    static func build(_ settings: ServiceSettings, _ options: NoServiceOptions, _ status: ServiceStatus, _ logger: Logger)
        throws -> ServiceParts
    {
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: settings.kafka), logger: Logger(label: "IngestService.producer"))
        let step = IngestStep(
            validator: OffenceValidator(harmTable: settings.harmTable, wards: settings.wards, clockMode: settings.clockMode),
            hotspots: settings.hotspots)
        let context = IngestPartition.Context(
            step: step, producer: producer, topics: settings.topics, clockMode: settings.clockMode, status: status,
            logger: logger)
        let stateDirectory = settings.stateDirectory.path
        // Each partition keeps its own crimes and clock, so a batch's partitions are applied side by side.
        let changelog = try CrimeChangelog(
            topics: settings.topics, kafka: settings.kafka, producer: producer, logger: logger)
        let consumer = try settings.partitionedConsumer(
            status: status, logger: logger, independentPartitions: true, restoring: changelog
        ) { partition in
            try IngestPartition(partition, directory: stateDirectory, context: context)
        }
        let intake = OffenceIntake(
            step: step, producer: producer, topics: settings.topics, stateDirectory: stateDirectory, status: status,
            maximumBodyBytes: settings.maximumBodyBytes)
        // The harm table and the wards decide what every record counts for: their changes are audited here too.
        let (_, auditCopy) = try settings.auditLog(producer: producer, logger: logger)
        // The consumer stops first (services stop in reverse order), so the producer flushes its last sends.
        return ServiceParts(services: [producer, auditCopy, consumer], routes: intake.register(on:))
    }
}

await ServiceCommand<IngestService>.start()
