import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle

/// What a service executable declares: who it is, its own flags, and how to build its processing step and its
/// routes.
public protocol ServiceDefinition {
    /// The flags only this service takes, beside `ServiceOptions`.
    associatedtype Options: ParsableArguments = NoServiceOptions
    static var identity: ServiceIdentity { get }
    static var abstract: String { get }
    /// The service's processing (run beside the HTTP server until shutdown) and its own routes.
    static func build(_ settings: ServiceSettings, _ options: Options, _ status: ServiceStatus, _ logger: Logger) throws
        -> ServiceParts
}

/// The options of a service that takes none of its own.
public struct NoServiceOptions: ParsableArguments {
    public init() {}
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
    public static func build(_ settings: ServiceSettings, _ options: Options, _ status: ServiceStatus, _ logger: Logger)
        throws -> ServiceParts
    { ServiceParts() }
}

/// The command line of a service executable: its flags, then `ServiceRuntime`.
public struct ServiceCommand<Definition: ServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Definition.identity.name, abstract: Definition.abstract)
    }

    @OptionGroup public var options: ServiceOptions

    @OptionGroup(title: "Options of this service") public var own: Definition.Options

    public init() {}

    public func run() async throws {
        let own = own
        try await ServiceRuntime.run(Definition.identity, options: options) { settings, status, logger in
            try Definition.build(settings, own, status, logger)
        }
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
