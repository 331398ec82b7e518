import Foundation
import Hummingbird
import HummingbirdTLS
import Logging
import Metrics
import NIOCore
import Prometheus
import ServiceLifecycle

/// Starts a service: logging, metrics, the Kafka connection, the HTTP server with the operations routes and the
/// service's own, and its processing services; stops them all cleanly on SIGTERM or SIGINT, or when the process
/// that started it is gone (`SupervisorWatch`).
public enum ServiceRuntime {
    public static func run(
        _ identity: ServiceIdentity,
        options: ServiceOptions,
        build: (ServiceSettings, ServiceStatus, Logger) throws -> ServiceParts = { _, _, _ in ServiceParts() }
    ) async throws {
        let settings = try options.resolve(for: identity)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = settings.logLevel
            return handler
        }
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        let logger = Logger(label: identity.name)
        SQLiteProcessSettings.apply(logger: logger)
        if settings.tokens.isEmpty && settings.identityProvider == nil {
            logger.warning("the tokens file lists no token: every request but /health/* is refused")
        }
        var identityProvider: IdentityProvider?
        if let provider = settings.identityProvider {
            identityProvider = try await IdentityProvider(settings: provider, logger: logger)
        }

        let administration = try KafkaAdministration(
            configuration: settings.kafka, logger: Logger(label: "\(identity.name).kafka"))
        let readiness = KafkaReadiness(
            administration: administration, topics: settings.inputTopics, logger: logger)
        let status = ServiceStatus()
        let parts = try build(settings, status, logger)

        let router = Router(context: HarmRankRequestContext.self)
        if !settings.dashboardOrigins.isEmpty { router.add(middleware: DashboardOrigins(settings.dashboardOrigins)) }
        router.add(middleware: BearerAuthentication(tokens: settings.tokens, identityProvider: identityProvider))
        OperationsRoutes(
            settings: settings, status: status, readiness: readiness, administration: administration,
            registry: registry
        ).register(on: router)
        parts.routes(router)
        let document = try APIDocument.json(
            for: router.routes.map { ("\($0.method)", "\($0.path)") } + [("GET", "/openapi.json")])
        router.get("/openapi.json") { _, _ in
            Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: document)))
        }
        logger.info("serving routes", metadata: ["routes": .array(router.routes.map { .string("\($0.method) \($0.path)") })])
        let scheme = settings.tls == nil ? "http" : "https"
        let application = Application(
            router: router,
            server: try settings.tls.map { try .tls(.http1(), tlsConfiguration: $0) } ?? .http1(),
            configuration: .init(address: .hostname(settings.httpHost, port: settings.httpPort), serverName: identity.name),
            onServerRunning: { _ in logger.notice("serving \(scheme) on \(settings.httpHost):\(settings.httpPort)") },
            logger: logger)

        var processing: [any Service] = [readiness] + parts.services + [application]
        if let identityProvider { processing.append(identityProvider) }
        var services = processing.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
        if let supervisor = settings.supervisorProcessID {
            services.append(
                .init(service: SupervisorWatch(supervisor: supervisor, logger: logger), successTerminationBehavior: .gracefullyShutdownGroup))
        }
        let group = ServiceGroup(
            configuration: .init(services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch let error as IOError where error.errnoCode == EADDRINUSE {
            throw ConfigurationError(
                "\(settings.httpHost):\(settings.httpPort) is in use by another process: stop it, or give this service "
                    + "another port with --http-port / HARMRANK_HTTP_PORT")
        }
        logger.notice("stopped")
    }
}
