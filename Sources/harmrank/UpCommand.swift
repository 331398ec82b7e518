import ArgumentParser
import Foundation
import Logging
import Shared
import UnixSignals

struct UpCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "up",
        abstract: "Runs the whole stack on this machine: the embedded broker and the four services as separate processes.",
        discussion: """
            Without --bootstrap the development broker runs inside this process (in memory: Ctrl-C loses what it \
            held; the services keep their own state under the data dir, and on the next start read the new, empty \
            logs from their beginning). A service that exits unexpectedly is restarted. Ctrl-C stops every service \
            cleanly, then the broker.

            Every service is given HARMRANK_BOOTSTRAP, HARMRANK_DATA_DIR, HARMRANK_TOKENS_FILE, \
            HARMRANK_TOPIC_PREFIX, HARMRANK_SUPERVISOR_PID, HARMRANK_DASHBOARD_ORIGINS and HARMRANK_ALERTS_URL; \
            HARMRANK_CLOCK, HARMRANK_HARM_TABLE, HARMRANK_WARDS, HARMRANK_TLS_CERT, HARMRANK_TLS_KEY and \
            HARMRANK_ON_NEW_TOPIC when their flags are \
            given; on the embedded broker HARMRANK_DOWNSTREAM_MAX_LAG=500, HARMRANK_FETCH_WAIT_MS=2 and \
            HARMRANK_ON_NEW_TOPIC=keep-state unless --on-new-topic says otherwise. Every other HARMRANK_* variable of \
            this command's environment is passed on as it is: see each service's --help.
            """)

    @Option(help: "Use this Kafka cluster instead of the embedded development broker (topics are created if missing).")
    var bootstrap: String?

    @OptionGroup var stack: StackOptions

    @Option(help: "Bearer tokens file for the services; default: tokens.txt in the data dir, created with an admin development token.")
    var tokensFile: String?

    @Option(help: "PEM certificate chain: every service then serves HTTPS, the dashboard included (passed on as HARMRANK_TLS_CERT; needs --tls-key).")
    var tlsCert: String?

    @Option(help: "PEM private key of --tls-cert (passed on as HARMRANK_TLS_KEY).")
    var tlsKey: String?

    @Option(help: "wall (T = now, the default) or event (T = the largest occurredAt accepted; for replays).")
    var clock: String?

    @Option(help: "Harm table CSV replacing the shipped one.")
    var harmTable: String?

    @Option(help: "Ward registry CSV replacing the 679 London wards shipped.")
    var wards: String?

    @Flag(help: "Feed the stack a live synthetic London feed: a generated past year at once, then a new crime every few seconds; alerts go to the Met's 12 command units (units.csv in the data dir, written the first time, unless --units is given).")
    var demo = false

    @Option(help: "Units file for NotifyService (unit,name,boroughs,webhook): alerts go to the units covering the boroughs of the suspect's domestic offences. Default: one unit covering everything, or with --demo the Met's 12 command units.")
    var units: String?

    @Option(help: "Port of RankService; IngestService, NotifyService and ScoreService take the next three.")
    var httpPort = 8080

    @Option(help: "More instances, e.g. ingest=2,score=3,rank=2,notify=2: each further one takes the next port after the first four and a data dir of its own (<data dir>/hosts/<service>-<n>), as on a host of its own. IngestService and ScoreService instances share their group's partitions, which move between them as they join, leave or fail; RankService and NotifyService replicas each read every partition (groups harmrank-rank-<n>, harmrank-notify-<n>) and one of each, elected, publishes the rankings or publishes and delivers the alerts.")
    var instances: String?

    @Option(help: "When the services' state was built on another incarnation of a topic: fail or keep-state (passed on as HARMRANK_ON_NEW_TOPIC; default keep-state on the embedded broker, whose logs are new at every start, and the services' default, fail, with --bootstrap).")
    var onNewTopic: String?

    func validate() throws {
        if (tlsCert == nil) != (tlsKey == nil) {
            throw ValidationError("--tls-cert and --tls-key go together: give both, or neither for plain HTTP")
        }
        if let instances { _ = try ServiceInstances(parsing: instances) }
        if let onNewTopic, NewTopicPolicy(rawValue: onNewTopic) == nil {
            throw ValidationError("--on-new-topic '\(onNewTopic)': use 'fail' or 'keep-state'")
        }
    }

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        let logger = Logger(label: "up")
        let directory = stack.directory
        let catalogue = stack.catalogue
        let existing = try ExistingState.read(in: directory, catalogue: catalogue)
        let cluster = try CommandCluster(bootstrap: bootstrap, logger: logger)
        try await cluster.createTopics(catalogue.specifications(partitions: stack.partitions))
        let servers = cluster.bootstrapServers
        let bootstrapFile = try stack.writeBootstrap(servers)
        defer { if cluster.isEmbedded { try? FileManager.default.removeItem(at: bootstrapFile) } }
        let (tokens, developmentToken) = try tokensFile.map { ($0, nil) } ?? developmentTokens(in: directory)

        var environment = [
            "HARMRANK_BOOTSTRAP": servers, "HARMRANK_DATA_DIR": directory.path, "HARMRANK_TOKENS_FILE": tokens,
            "HARMRANK_TOPIC_PREFIX": catalogue.prefix,
        ]
        if cluster.isEmbedded { environment.merge(Self.embeddedBrokerEnvironment) { $1 } }
        environment["HARMRANK_ON_NEW_TOPIC"] =
            onNewTopic ?? (cluster.isEmbedded ? NewTopicPolicy.keepState.rawValue : nil)
        environment["HARMRANK_CLOCK"] = clock
        environment["HARMRANK_TLS_CERT"] = tlsCert.map { URL(fileURLWithPath: $0).path }
        environment["HARMRANK_TLS_KEY"] = tlsKey.map { URL(fileURLWithPath: $0).path }
        let scheme = tlsCert == nil ? "http" : "https"
        // The dashboard (RankService) reads alerts from NotifyService, from the browser.
        environment["HARMRANK_ALERTS_URL"] = "\(scheme)://127.0.0.1:\(httpPort + 2)"
        environment["HARMRANK_DASHBOARD_ORIGINS"] = "\(scheme)://127.0.0.1:\(httpPort),\(scheme)://localhost:\(httpPort)"
        environment["HARMRANK_HARM_TABLE"] = harmTable.map { URL(fileURLWithPath: $0).path }
        environment["HARMRANK_WARDS"] = wards.map { URL(fileURLWithPath: $0).path }
        environment["HARMRANK_UNITS"] = try units.map { URL(fileURLWithPath: $0).path } ?? (demo ? demoUnits(in: directory) : nil)
        let services = ServiceStack(
            environment: environment, firstPort: httpPort,
            instances: try instances.map(ServiceInstances.init(parsing:)) ?? ServiceInstances(), logger: logger)
        try services.start()
        let further = zip(services.services, services.ports).dropFirst(ServiceStack.names.count)
            .map { "  \($0.name)\(String(repeating: " ", count: max(1, 15 - $0.name.count)))\(scheme)://127.0.0.1:\($1)\n" }
            .joined()

        FileHandle.standardOutput.write(Data("""
            HarmRank is up: broker \(servers)\(cluster.isEmbedded ? " (embedded, in memory)" : ""), data in \(directory.path)
              \(existing?.summary ?? "no existing state: starting empty")
              dashboard      \(scheme)://127.0.0.1:\(httpPort)/    (sign in with the token below)
              RankService    \(scheme)://127.0.0.1:\(httpPort)    (lists API)
              IngestService  \(scheme)://127.0.0.1:\(httpPort + 1)
              NotifyService  \(scheme)://127.0.0.1:\(httpPort + 2)
              ScoreService   \(scheme)://127.0.0.1:\(httpPort + 3)
            \(further)\(developmentToken.map { "  development token (admin): \($0)   (in \(tokens))" } ?? "  tokens: \(tokens)")
              try: curl -H "Authorization: Bearer \(developmentToken ?? "<token>")" \(scheme)://127.0.0.1:\(httpPort)/v1/lists/vawg100?limit=10
            \(demo ? "  demo feed: a generated past year now, then a new crime every few seconds\n" : "")
            Ctrl-C stops everything.

            """.utf8))

        let feed = demo
            ? Task {
                do {
                    try await DemoFeed(
                        kafka: KafkaConfiguration(bootstrapServers: servers, clientID: "harmrank-demo"),
                        topic: catalogue.offencesRaw, logger: logger
                    ).run()
                } catch is CancellationError {
                } catch {
                    logger.error("demo feed stopped: \(error)")
                }
            } : nil
        for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
        feed?.cancel()
        logger.notice("stopping the services")
        await services.stop()
        logger.notice("stopped")
    }

    /// What the services need on the embedded broker. It keeps only the newest ~5 MB of a partition, so a service
    /// runs at most 500 messages a partition ahead of the readers of its outputs; and it holds every fetch that
    /// finds nothing for the whole fetch wait, so the wait is short there (idle consumers then ask more often, which
    /// costs an idle stack some CPU).
    static let embeddedBrokerEnvironment = [
        "HARMRANK_DOWNSTREAM_MAX_LAG": "500", "HARMRANK_FETCH_WAIT_MS": String(embeddedFetchWaitMilliseconds),
    ]
    static let embeddedFetchWaitMilliseconds = 2

    /// units.csv in the data dir, the Met's command units the first time: a file to edit and try routing with.
    private func demoUnits(in directory: URL) throws -> String {
        let file = directory.appendingPathComponent("units.csv")
        if !FileManager.default.fileExists(atPath: file.path) {
            try Data(try TaskingUnits.metropolitanCommandUnitsFile().utf8).write(to: file)
        }
        return file.path
    }

    /// tokens.txt in the data dir, created with one admin token the first time; returns its path and that token.
    private func developmentTokens(in directory: URL) throws -> (String, String?) {
        let file = directory.appendingPathComponent("tokens.txt")
        try PrivateFile.create(
            atPath: file.path,
            contents: "# HarmRank development tokens: <token> <principal> <role>[,<role>...]\n"
                + "\(TokenRegistry.randomToken()) developer admin\n")
        let text = try String(contentsOf: file, encoding: .utf8)
        let developer = text.split(separator: "\n").first { $0.hasSuffix(" developer admin") }
        return (file.path, developer?.split(separator: " ").first.map(String.init))
    }
}
