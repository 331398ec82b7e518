import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle

/// What a service executable declares: who it is, and how to build its processing step and its routes.
public protocol ServiceDefinition {
    static var identity: ServiceIdentity { get }
    static var abstract: String { get }
    /// The service's processing (run beside the HTTP server until shutdown) and its own routes.
    static func build(_ settings: ServiceSettings, _ status: ServiceStatus, _ logger: Logger) throws -> ServiceParts
}

/// What a service adds to the runtime every service shares.
public struct ServiceParts {
    public var services: [any Service]
    /// The service's own routes, beside the operations routes every service has.
    public var routes: (Router<HarmRankRequestContext>) -> Void

    public init(services: [any Service] = [], routes: @escaping (Router<HarmRankRequestContext>) -> Void = { _ in }) {
        self.services = services
        self.routes = routes
    }
}

extension ServiceDefinition {
    public static func build(_ settings: ServiceSettings, _ status: ServiceStatus, _ logger: Logger) throws
        -> ServiceParts
    { ServiceParts() }
}

/// The command line of a service executable: its flags, then `ServiceRuntime`.
public struct ServiceCommand<Definition: ServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Definition.identity.name, abstract: Definition.abstract)
    }

    @OptionGroup public var options: ServiceOptions

    public init() {}

    public func run() async throws {
        try await ServiceRuntime.run(Definition.identity, options: options, build: Definition.build)
    }

    /// Parses the command line and runs the service. (From top-level code `main()` would resolve to the
    /// synchronous entry point, which refuses asynchronous commands.)
    public static func start() async {
        do {
            var command = try parseAsRoot()
            if let service = command as? Self { try await service.run() } else { try command.run() }
        } catch {
            exit(withError: error)
        }
    }
}
