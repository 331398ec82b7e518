import ArgumentParser
import Foundation
import Logging
import Shared
import TestSupport
import UnixSignals

/// `harmrank chaos`: a generated year replayed through every service, several instances of each, while a seeded
/// schedule of faults strikes (`FaultSchedule`); then the checks of `ChaosChecks`. It exits non-zero when one fails,
/// keeping the data dir and the services' logs.
struct ChaosCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "chaos",
        abstract: "Replays a generated year through the services under a seeded schedule of faults (instances killed, "
            + "state lost, brokers down, request errors, latency, a failing webhook), then checks that the lists "
            + "are exact, every record is accounted for, and every alert was sent once and delivered.")

    @Option(help: "The seed of the fault schedule and of the generated year: the same seed does the same again.")
    var seed: UInt64 = 1

    @Option(help: "Minutes of faults; the year is fed over most of them.")
    var minutes: Double = 2

    @Option(help: "Crimes in the generated year (records come to about 6% more: revisions, duplicates, bad records).")
    var crimes = 6_000

    @Option(help: "Instances of each service, as for 'up'.")
    var instances = "ingest=2,score=2,rank=2,notify=2"

    @Option(help: "Partitions of the input, link and score topics.")
    var partitions: Int32 = 4

    @Option(help: "Brokers of the embedded cluster; faults take one down at a time.")
    var brokers: Int32 = 3

    @Option(help: "The first of the ports the services take (then the webhook receiver's).")
    var httpPort = 9_300

    @Option(help: "Where the services keep their state and logs (default: a new temporary directory, removed after a run that passes).")
    var dataDir: String?

    @Option(help: "Minutes to wait, once the faults are over, for the services to finish the input.")
    var settleMinutes: Double = 5

    func validate() throws {
        guard minutes > 0, settleMinutes > 0, crimes > 0 else {
            throw ValidationError("--minutes, --settle-minutes and --crimes must be positive")
        }
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 16") }
        _ = try ServiceInstances(parsing: instances)
    }

    func run() async throws {
        let logger = quietLogging("chaos")
        let directory = dataDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-chaos-\(seed)-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)

        let lines = try Self.year(crimes: crimes, seed: seed)
        say("seed \(seed): \(lines.count) records of a generated year, \(instances), \(partitions) partitions, \(brokers) brokers")
        let expected = Task { Recomputation(lines, table: try HarmTable.shipped(), wards: try WardRegistry.shipped()) }

        let cluster = try CommandCluster(bootstrap: nil, brokers: brokers, logger: logger)
        let broker = cluster.broker!
        let topics = TopicCatalogue(prefix: "harmrank.")
        try await cluster.createTopics(topics.specifications(partitions: partitions))
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "harmrank-chaos")
        let token = TokenRegistry.randomToken()
        let counts = try ServiceInstances(parsing: instances)
        let webhook = ChaosWebhook(port: httpPort + ServiceStack.names.reduce(0) { $0 + counts.count(of: $1) })
        webhook.start()
        defer { webhook.stop() }
        let environment = UpCommand.embeddedBrokerEnvironment.merging([
            "HARMRANK_BOOTSTRAP": cluster.bootstrapServers, "HARMRANK_DATA_DIR": directory.path,
            "HARMRANK_TOKENS": "\(token) chaos admin", "HARMRANK_TOPIC_PREFIX": topics.prefix, "HARMRANK_CLOCK": "event",
            "HARMRANK_PUBLISH_INTERVAL_MS": "200", "HARMRANK_WEBHOOKS": webhook.url,
            "HARMRANK_WEBHOOK_SECRET": TokenRegistry.randomToken(), "HARMRANK_ON_NEW_TOPIC": NewTopicPolicy.keepState.rawValue,
        ]) { $1 }
        let stack = ServiceStack(
            environment: environment, firstPort: httpPort, instances: counts, logDirectory: directory, logger: logger)
        try stack.start()
        let outcome: Bool?
        do {
            // Ctrl-C or SIGTERM ends the run early, the services stopped as after a run.
            outcome = try await withThrowingTaskGroup(of: Bool?.self) { group in
                group.addTask {
                    try await self.exercise(
                        stack: stack, broker: broker, webhook: webhook, lines: lines, expected: expected, kafka: kafka,
                        topics: topics, token: token, logger: logger)
                }
                group.addTask {
                    for await _ in await UnixSignalsSequence(trapping: .sigint, .sigterm) { break }
                    return nil
                }
                let first = try await group.next()!
                group.cancelAll()
                return first
            }
        } catch {
            await stack.stop()
            throw error
        }
        await stack.stop()
        withExtendedLifetime(cluster) {}
        switch outcome {
        case true:
            say("seed \(seed): passed")
            if dataDir == nil { try? FileManager.default.removeItem(at: directory) }
        case false:
            say("seed \(seed): FAILED; state and logs kept in \(directory.path)")
            throw ExitCode.failure
        default:
            say("seed \(seed): interrupted; state and logs kept in \(directory.path)")
            throw ExitCode(130)
        }
    }

    /// Waits for the services, strikes the schedule while the year is fed, and runs the checks; whether they passed.
    private func exercise(
        stack: ServiceStack, broker: DevelopmentBroker, webhook: ChaosWebhook, lines: [String],
        expected: Task<Recomputation, Error>, kafka: KafkaConfiguration, topics: TopicCatalogue, token: String,
        logger: Logger
    ) async throws -> Bool {
        try await stack.waitUntilReady()
        say("services ready; logs in \(stack.logDirectory?.path ?? "-")")
        let schedule = FaultSchedule(
            seed: seed, duration: .milliseconds(Int64(minutes * 60_000)), instances: stack.services.map(\.name),
            brokers: brokers)
        let started = ContinuousClock.now
        async let fed: Void = feed(lines, kafka: kafka, topics: topics, over: .milliseconds(Int64(minutes * 45_000)), logger: logger)
        try await strike(schedule, started: started, stack: stack, broker: broker, webhook: webhook)
        try await fed
        say("faults over after \(Self.clock(started.duration(to: .now))); waiting for the services to finish the input")
        let checks = ChaosChecks(
            stack: stack, kafka: kafka, topics: topics, token: token, webhook: webhook,
            expected: try await expected.value, records: lines.count, logger: logger, say: { say($0) })
        return try await checks.run(settle: .milliseconds(Int64(settleMinutes * 60_000)))
    }

    /// The generated year's records, one per line, in the order they are reported.
    static func year(crimes: Int, seed: UInt64) throws -> [String] {
        var options = LondonGenerator.Options(start: try Instant.parseRFC3339("2025-01-01T00:00:00Z").get())
        options.seed = seed
        options.crimes = crimes
        return LondonGenerator(options: options, wards: try WardRegistry.shipped(), harmTable: try HarmTable.shipped())
            .lines().flatMap { $0.text.split(separator: "\n").map(String.init) }
    }

    /// Publishes `lines` to `offences.raw` in small batches spread over `duration`, held back while IngestService
    /// lags (the embedded broker keeps only a partition's newest few megabytes).
    private func feed(
        _ lines: [String], kafka: KafkaConfiguration, topics: TopicCatalogue, over duration: Duration, logger: Logger
    ) async throws {
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        let administration = try KafkaAdministration(configuration: kafka, logger: logger)
        let tick = Duration.milliseconds(250)
        let batches = max(1, Int(duration / tick))
        let size = (lines.count + batches - 1) / batches
        let started = ContinuousClock.now
        for (index, start) in stride(from: 0, to: lines.count, by: size).enumerated() {
            let batch = PublishCommand.messages(
                lines[start..<min(start + size, lines.count)].joined(separator: "\n"), topic: topics.offencesRaw)
            // A broker down or a request failed by the schedule: the batch is sent again, as any producer would.
            while true {
                do {
                    try await administration.waitForConsumers(
                        group: "harmrank-ingest", topics: [topics.offencesRaw], maxLagPerPartition: 2_000,
                        pollInterval: .milliseconds(100))
                    try await producer.send(batch)
                    break
                } catch {
                    say("feed: \(error); sending the batch again")
                    try await Task.sleep(for: .seconds(1))
                }
            }
            try await Task.sleep(until: started + tick * (index + 1))
        }
        await producer.close()
        say("fed \(lines.count) records in \(Self.clock(started.duration(to: .now)))")
    }

    /// Applies each fault at its time.
    private func strike(
        _ schedule: FaultSchedule, started: ContinuousClock.Instant, stack: ServiceStack, broker: DevelopmentBroker,
        webhook: ChaosWebhook
    ) async throws {
        for event in schedule.events {
            try await Task.sleep(until: started + event.at)
            var done = true
            switch event.fault {
            case .crash(let instance, let losingState):
                let index = stack.services.firstIndex { $0.name == instance }!
                done = stack.services[index].crash(removing: losingState ? stack.stateDirectories[index] : nil)
            case .brokerDown(let id): try broker.setBrokerDown(id)
            case .brokerUp(let id): try broker.setBrokerUp(id)
            case .failRequests(let kind, let errors): broker.failRequests(kind, with: errors)
            case .latency(let id, let milliseconds): try broker.setRoundTripTime(milliseconds, broker: id)
            case .webhookFailing(let failing): webhook.setFailing(failing)
            }
            say("[\(Self.clock(event.at))] \(event.fault)\(done ? "" : " (it was not running: nothing done)")")
        }
    }

    static func clock(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        return String(format: "%d:%02d", seconds / 60, seconds % 60)
    }

    /// Written at once, not buffered, so a long run shows its progress in a file too.
    private func say(_ line: String) { FileHandle.standardOutput.write(Data("chaos: \(line)\n".utf8)) }
}
