import ArgumentParser
import Hummingbird
import Logging
import ServiceLifecycle

/// What a service executable declares: who it is, and later its processing step and its routes.
public protocol ServiceDefinition {
    static var identity: ServiceIdentity { get }
    static var abstract: String { get }
    /// The service's own routes, beside the operations routes every service has.
    static func routes(_ router: Router<HarmRankRequestContext>)
    /// The service's processing step, run beside the HTTP server until shutdown.
    static func services(_ settings: ServiceSettings, _ status: ServiceStatus, _ logger: Logger) throws -> [any Service]
}

extension ServiceDefinition {
    public static func routes(_ router: Router<HarmRankRequestContext>) {}
    public static func services(_ settings: ServiceSettings, _ status: ServiceStatus, _ logger: Logger) throws
        -> [any Service]
    { [] }
}

/// The command line of a service executable: its flags, then `ServiceRuntime`.
public struct ServiceCommand<Definition: ServiceDefinition>: AsyncParsableCommand {
    public static var configuration: CommandConfiguration {
        CommandConfiguration(commandName: Definition.identity.name, abstract: Definition.abstract)
    }

    @OptionGroup public var options: ServiceOptions

    public init() {}

    public func run() async throws {
        try await ServiceRuntime.run(
            Definition.identity, options: options, routes: Definition.routes, services: Definition.services)
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
