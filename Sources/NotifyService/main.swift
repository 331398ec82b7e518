import Foundation
import Logging
import Shared

enum NotifyService: ServiceDefinition {
    static let abstract = "Raises Dauntless+ alerts, delivers them to the alerts topic and webhooks, and keeps them until acknowledged."
    static let identity = ServiceIdentity(name: "NotifyService", defaultPort: 8082, defaultGroup: "harmrank-notify") { topics in
        [topics.scoresSuspect]
    }

    static func build(_ settings: ServiceSettings, _ status: ServiceStatus, _ logger: Logger) throws -> ServiceParts {
        let source = SettingSource()
        let environment = source.environment
        var rules = AlertRules()
        rules.escalationHarm = Harm(days: Int64(try source.wholeNumber("HARMRANK_ESCALATION_DAYS", default: 365)))
        rules.coolDown = Instant.days(Int64(try source.wholeNumber("HARMRANK_ALERT_COOLDOWN_DAYS", default: 28)))
        rules.backfillHorizon =
            settings.clockMode == .wall
            ? Instant.days(Int64(try source.wholeNumber("HARMRANK_ALERT_BACKFILL_DAYS", default: 30))) : nil
        rules.cohortSize = try source.wholeNumber("HARMRANK_COHORT_SIZE", default: 100)
        let webhooks = (environment["HARMRANK_WEBHOOKS"] ?? "").split(whereSeparator: { $0 == "," || $0 == " " }).map(String.init)
        for url in webhooks where URL(string: url)?.scheme.map({ $0 == "http" || $0 == "https" }) != true {
            throw ConfigurationError("HARMRANK_WEBHOOKS: '\(url)' is not an http or https URL")
        }
        let secret = environment["HARMRANK_WEBHOOK_SECRET"].flatMap { $0.isEmpty ? nil : $0 }
        if !webhooks.isEmpty, secret == nil {
            logger.warning("webhooks are configured without HARMRANK_WEBHOOK_SECRET: their bodies will not be signed")
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
