import Foundation
import Logging
import Shared

enum NotifyService: ServiceDefinition {
    static let abstract = "Raises Dauntless+ alerts, routes them to the units that act on them, delivers them to the alerts topic and webhooks, and keeps each until a person closes it."
    static let identity = ServiceIdentity(name: "NotifyService", defaultPort: 8082, defaultGroup: "harmrank-notify") { topics in
        [topics.scoresSuspect]
    }

    static func build(_ settings: ServiceSettings, _ options: NotifyOptions, _ status: ServiceStatus, _ logger: Logger)
        throws -> ServiceParts
    {
        let own = try options.resolve(clockMode: settings.clockMode, wards: settings.wards)
        let (rules, routing, secret) = (own.rules, own.routing, own.webhookSecret)
        if routing.hasWebhooks, secret == nil {
            logger.warning(
                "webhooks are configured without --webhook-secret-file or HARMRANK_WEBHOOK_SECRET: their bodies will not be signed")
        }

        let stateDirectory = settings.stateDirectory.path
        let store = try AlertStore(path: "\(stateDirectory)/alerts.sqlite")
        let producer = try KafkaProducer(
            configuration: ProducerConfiguration(kafka: settings.kafka), logger: Logger(label: "NotifyService.producer"))
        let alertsRaised = Doorbell()
        let context = NotifyPartition.Context(
            rules: rules, store: store, cohort: Cohort(size: rules.cohortSize), routing: routing,
            alertsRaised: alertsRaised, status: status, logger: logger)
        let restoring = try NotifyRestore(
            topics: settings.topics, kafka: settings.kafka, group: settings.groupID, store: store,
            cohortSize: rules.cohortSize, logger: logger)
        let consumer = try settings.partitionedConsumer(status: status, logger: logger, restoring: restoring) { partition in
            try NotifyPartition(partition, directory: stateDirectory, context: context)
        }
        let changelog = try AlertChangelog(
            store: store, producer: producer, kafka: settings.kafka, topics: settings.topics, coolDown: rules.coolDown,
            routing: routing, outbox: alertsRaised, logger: logger)
        // Replicas (each its own group, so each reads every partition) elect the one that publishes and delivers.
        let delivery = AlertDelivery(
            store: store, producer: producer, kafka: settings.kafka, topics: settings.topics, changelog: changelog,
            group: "\(settings.topics.prefix)notify-leader", secret: secret, alertsRaised: alertsRaised, logger: logger)
        let retention = AlertRetention(store: store, changelog: changelog, days: own.retentionDays, logger: logger)
        let (audit, auditCopy) = try settings.auditLog(producer: producer, logger: logger, configuring: [own.unitsConfiguration])
        let routes = AlertRoutes(store: store, changelog: changelog, units: routing.units, audit: audit)
        // Services stop in reverse order: the consumer first, the tails, the election and the producer last.
        return ServiceParts(
            services: [producer, auditCopy, delivery.leadershipService] + changelog.services + [delivery, retention, consumer],
            routes: { router in
                routes.register(on: router)
                AuditRoutes(log: audit).register(on: router)
            })
    }
}

await ServiceCommand<NotifyService>.start()
