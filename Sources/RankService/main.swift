import Foundation
import Logging
import Shared

enum RankService: ServiceDefinition {
    static let abstract = "Ranks suspects and wards by harm, publishes the lists and answers the lists API."
    static let identity = ServiceIdentity(name: "RankService", defaultPort: 8080, defaultGroup: "harmrank-rank") { topics in
        [topics.scoresSuspect, topics.scoresPlace]
    }

    static func build(_ settings: ServiceSettings, _ options: RankOptions, _ status: ServiceStatus, _ logger: Logger)
        throws -> ServiceParts
    {
        let own = try options.resolve()
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: settings.kafka), logger: Logger(label: "RankService.producer"))
        let board = Board(
            wards: settings.wards, harmTable: settings.harmTable, size: own.listSize,
            hotspots: LiveHotspots(model: own.hotspotModel, parameters: settings.hotspots),
            forecast: own.forecastModel, clockMode: settings.clockMode)
        let stateDirectory = settings.stateDirectory.path
        let live = LiveRankings()
        let publisher = try RankingPublisher(
            board: board, producer: producer, topic: settings.topics.rankings, interval: own.publishInterval,
            directory: stateDirectory, live: live, status: status,
            // Replicas (each its own group, so each reads every partition) elect the one that publishes.
            election: (settings.kafka, "\(settings.topics.prefix)rank-leader"), logger: logger)
        let context = RankPartition.Context(board: board, publisher: publisher, status: status, logger: logger)
        let consumer = try settings.partitionedConsumer(status: status, logger: logger) { partition in
            try RankPartition(partition, directory: stateDirectory, context: context)
        }
        let (audit, auditCopy) = try settings.auditLog(producer: producer, logger: logger)
        let routes = ListRoutes(board: board, audit: audit)
        let dashboard = DashboardRoutes(
            page: try DashboardPage.html(), live: live, audit: audit, wards: settings.wards,
            boundaries: try WardBoundaries.shipped(), alertsURL: own.alertsURL, hotspotCellSize: settings.hotspots.cellSize)
        // Services stop in reverse order: the consumer first, the election and the producer last.
        return ServiceParts(services: [producer, auditCopy] + publisher.followingServices + [publisher, consumer]) { router in
            routes.register(on: router)
            dashboard.register(on: router)
            AuditRoutes(log: audit).register(on: router)
        }
    }
}

await ServiceCommand<RankService>.start()
