import Foundation
import Logging
import Shared

enum NotifyService: ServiceDefinition {
    static let abstract = "Raises Dauntless+ alerts, delivers them to the alerts topic and webhooks, and keeps them until acknowledged."
    static let identity = ServiceIdentity(name: "NotifyService", defaultPort: 8082, defaultGroup: "harmrank-notify") { topics in
        [topics.scoresSuspect]
    }

    static func build(_ settings: ServiceSettings, _ options: NotifyOptions, _ status: ServiceStatus, _ logger: Logger)
        throws -> ServiceParts
    {
        let own = try options.resolve(clockMode: settings.clockMode)
        let (rules, webhooks, secret) = (own.rules, own.webhooks, own.webhookSecret)
        if !webhooks.isEmpty, secret == nil {
            logger.warning(
                "webhooks are configured without --webhook-secret-file or HARMRANK_WEBHOOK_SECRET: their bodies will not be signed")
        }

        let stateDirectory = settings.stateDirectory.path
        let store = try AlertStore(path: "\(stateDirectory)/alerts.sqlite")
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: settings.kafka), logger: Logger(label: "NotifyService.producer"))
        let alertsRaised = Doorbell()
        let context = NotifyPartition.Context(
            rules: rules, store: store, cohort: Cohort(size: rules.cohortSize), webhooks: webhooks,
            alertsRaised: alertsRaised, status: status, logger: logger)
        let consumer = try settings.partitionedConsumer(status: status, logger: logger) { partition in
            try NotifyPartition(partition, directory: stateDirectory, context: context)
        }
        let delivery = AlertDelivery(
            store: store, producer: producer, topic: settings.topics.alertsDauntless, secret: secret,
            alertsRaised: alertsRaised, logger: logger)
        let routes = AlertRoutes(
            store: store, audit: try AuditLog(path: settings.dataDirectory.appendingPathComponent("audit.log").path))
        return ServiceParts(services: [producer, delivery, consumer], routes: routes.register(on:))
    }
}

await ServiceCommand<NotifyService>.start()
