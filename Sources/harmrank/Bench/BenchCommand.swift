import ArgumentParser
import Foundation
import Histogram
import Logging
import Shared

/// `harmrank bench`: the whole pipeline measured end to end, in one run, on the embedded broker with the real
/// service executables.
///
/// 1. Backfill: a generated London year published as fast as IngestService takes it (the publisher waits on its
///    lag, as `publish` does, because the embedded broker keeps only the newest ~5 MB of a partition), timed from
///    the first record sent to the last `rankings` snapshot once every consumer group has caught up.
/// 2. Reference: the plain consume rate of the same `offences.raw` (what the broker still holds of it) through the
///    Kafka layer alone, and the pipeline's rate as a share of it.
/// 3. Live: a steady feed with probe crimes, each timed from accepted to ranking and to alert (`BenchProbes`).
/// 4. Peak resident memory of each service (the kernel's high-water mark, VmHWM).
/// 5. CPU at rest: each process's share of a core for a few seconds with nothing sent.
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Measures the pipeline end to end: backfill rate against the raw consume rate, live latency, memory.",
        discussion: """
            Starts the embedded broker and the four services (installed beside harmrank: build with -c release to \
            measure what runs in production), prints a table and, with --json, writes the figures. Service logs go \
            to the data dir.
            """)

    @Option(help: "Records in the backfill: a generated London year (every crime type, revisions, duplicates, a few bad records).")
    var records = 1_000_000

    @Option(help: "Records per second in the live phase, probes included.")
    var rate = 200

    @Option(help: "Seconds of the live phase.")
    var liveSeconds = 60

    @Option(help: "Probe crimes per second in the live phase (two records each; the latencies are theirs).")
    var probes = 20

    @Option(help: "RankService publishes a changed list at most this often (HARMRANK_PUBLISH_INTERVAL_MS; its own default is 1000).")
    var publishIntervalMs = 20

    @Option(help: "Partitions of the input, link and score topics.")
    var partitions: Int32 = 12

    @Option(help: "Mock brokers in the embedded cluster.")
    var brokers: Int32 = DevelopmentBroker.defaultBrokerCount

    @Option(help: "ScoreService instances sharing its partitions (the restore phase needs one).")
    var scoreInstances = 1

    @Flag(help: "A small run, under a minute: 30,000 records and 10 live seconds.")
    var quick = false

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    @Option(help: "Keep the services' state and logs here (default: a new temporary directory, removed afterwards).")
    var dataDir: String?

    @Option(help: "Port of RankService; the other services take the next three.")
    var httpPort = 18_080

    func validate() throws {
        guard records > 0, rate > 0, liveSeconds > 0, probes > 0, publishIntervalMs > 0 else {
            throw ValidationError("--records, --rate, --live-seconds, --probes and --publish-interval-ms must be positive")
        }
        guard (1...16).contains(brokers) else { throw ValidationError("--brokers must be from 1 to 16") }
        guard (1...16).contains(scoreInstances) else { throw ValidationError("--score-instances must be from 1 to 16") }
        guard 2 * probes <= rate else { throw ValidationError("--probes must be at most half of --rate (each is two records)") }
    }

    func run() async throws {
        let logger = quietLogging("bench")
        let (records, liveSeconds) = quick ? (30_000, 10) : (self.records, self.liveSeconds)
        let directory = dataDir.map { URL(fileURLWithPath: $0) }
            ?? FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-bench-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { if dataDir == nil { try? FileManager.default.removeItem(at: directory) } }

        let cluster = try CommandCluster(bootstrap: nil, brokers: brokers, logger: logger)
        let topics = TopicCatalogue(prefix: "harmrank.")
        try await cluster.createTopics(topics.specifications(partitions: partitions))
        let kafka = KafkaConfiguration(bootstrapServers: cluster.bootstrapServers, clientID: "harmrank-bench")
        let token = TokenRegistry.randomToken()
        let environment = UpCommand.embeddedBrokerEnvironment.merging([
            "HARMRANK_BOOTSTRAP": cluster.bootstrapServers, "HARMRANK_DATA_DIR": directory.path,
            "HARMRANK_TOKENS": "\(token) bench admin", "HARMRANK_TOPIC_PREFIX": topics.prefix,
            "HARMRANK_PUBLISH_INTERVAL_MS": String(publishIntervalMs),
        ]) { $1 }
        let stack = ServiceStack(
            environment: environment, firstPort: httpPort,
            instances: try ServiceInstances(parsing: "score=\(scoreInstances)"), logDirectory: directory, logger: logger)
        try stack.start()
        let figures: Figures
        do {
            figures = try await measure(
                cluster: cluster, stack: stack, environment: environment, records: records, liveSeconds: liveSeconds,
                token: token, kafka: kafka, topics: topics, logger: logger)
        } catch {
            await stack.stop()
            throw error
        }
        // The services stop before the broker does (when `cluster` goes), so they leave without connection errors.
        await stack.stop()
        print(figures.table)
        if let json { try JSONEncoder.api.encode(figures).write(to: URL(fileURLWithPath: json)) }
        withExtendedLifetime(cluster) {}
    }

    private func measure(
        cluster: CommandCluster, stack: ServiceStack, environment: [String: String], records: Int, liveSeconds: Int,
        token: String, kafka: KafkaConfiguration, topics: TopicCatalogue, logger: Logger
    ) async throws -> Figures {
        try await stack.waitUntilReady()
        progress("services ready; logs in \(stack.logDirectory?.path ?? "-")")

        let observations = BenchObservations()
        let watcher = Task { try await observations.watch(kafka: kafka, topics: topics, logger: logger) }
        defer { watcher.cancel() }

        let now = Instant.now
        let year = try backfillRecords(records, now: now, topic: topics.offencesRaw)
        let cpuBefore = cpuSeconds(of: stack)
        let machineBefore = Self.machineCPUTicks()
        var backfill = try await self.backfill(year, kafka: kafka, topics: topics, observations: observations, logger: logger)
        backfill.cpuSeconds = cpuSeconds(of: stack).merging(cpuBefore) { after, before in ((after - before) * 10).rounded() / 10 }
        backfill.stolenCPUPercent = Self.stolenPercent(since: machineBefore)
        backfill.offsetJumps = Self.offsetJumps(inLogsOf: stack)
        backfill.recordsPerBatch = try await recordsPerBatch(of: stack, token: token)
        if backfill.offsetJumps > 0 {
            progress("backfill: \(backfill.offsetJumps) jumps in offsets: the broker dropped messages before they were read (see the service logs)")
        }
        let reference = try await rawConsumeRate(kafka: kafka, topic: topics.offencesRaw, logger: logger)
        let kafkaAlone = try await kafkaAlone(
            cluster: cluster, kafka: kafka, topics: topics, records: backfill.records, reference: reference, logger: logger)
        let rankService = URL(string: "http://127.0.0.1:\(stack.port(of: "RankService"))")!
        let live = try await self.live(
            seconds: liveSeconds, rankService: rankService, token: token, kafka: kafka, topics: topics,
            observations: observations, logger: logger)
        let memory = Dictionary(uniqueKeysWithValues: stack.services.map {
            ($0.name, $0.processIdentifier.flatMap(Self.peakResidentMegabytes))
        }).compactMapValues { $0 }
        let idle = try await self.idle(stack)
        watcher.cancel()
        _ = await watcher.result
        let restore = scoreInstances > 1
            ? [:]
            : try await BenchRestore(
                stack: stack, environment: environment, directory: stack.logDirectory!, kafka: kafka, topics: topics,
                logger: logger, progress: { progress($0) }
            ).measure()
        return Figures(
            machine: .current, backfill: backfill, reference: reference, kafkaAlone: kafkaAlone,
            ratio: Figures.ratio(backfill.recordsPerSecond, over: reference.rawConsumePerSecond),
            latency: live, memory: .init(peakRssMB: memory), idle: idle, restore: restore)
    }

    // MARK: - Phases

    /// A generated London year up to `now`, about `records` records.
    private func backfillRecords(_ records: Int, now: Instant, topic: String) throws -> [OutgoingMessage] {
        var options = LondonGenerator.Options(start: now - HarmWindows.windowLength - Instant.days(1))
        // About 1.06 records a crime: revisions, duplicates, stale repeats and bad records come on top.
        options.crimes = max(1, records * 100 / 106)
        let messages = LondonGenerator(options: options, wards: try WardRegistry.shipped(), harmTable: try HarmTable.shipped())
            .lines().filter { $0.reportedAt <= now }.flatMap { PublishCommand.messages($0.text, topic: topic) }
        progress("backfill: \(messages.count) records generated")
        return messages
    }

    private func backfill(
        _ messages: [OutgoingMessage], kafka: KafkaConfiguration, topics: TopicCatalogue,
        observations: BenchObservations, logger: Logger
    ) async throws -> Figures.Backfill {
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        let administration = try KafkaAdministration(configuration: kafka, logger: logger)
        let started = ContinuousClock.now
        let brokerBefore = Self.brokerThreadCPUSeconds()
        for start in stride(from: 0, to: messages.count, by: 5_000) {
            try await administration.waitForConsumers(
                group: "harmrank-ingest", topics: [topics.offencesRaw], maxLagPerPartition: 10_000,
                pollInterval: .milliseconds(20))
            try await producer.send(Array(messages[start..<min(start + 5_000, messages.count)]))
            let sent = min(start + 5_000, messages.count)
            progress("backfill: \(sent) published (\(Int(Double(sent) / started.duration(to: .now).inSeconds))/s)", sameLine: true)
        }
        await producer.close()
        for (group, inputs) in Self.serviceReaders(of: topics) {
            try await administration.waitForConsumers(
                group: group, topics: inputs, maxLagPerPartition: 0, pollInterval: .milliseconds(20))
        }
        let drained = started.duration(to: .now)
        let brokerBusy = Self.brokerBusyPercent(since: brokerBefore, over: drained.inSeconds)
        // RankService publishes a changed list within its publish interval; let the last snapshot arrive.
        try await Task.sleep(for: .seconds(2))
        let (last, snapshots) = observations.lastSnapshot
        let elapsed = started.duration(to: last ?? .now).inSeconds
        progress("\nbackfill: lists final after \(String(format: "%.1f", elapsed)) s (\(snapshots) ranking snapshots)")
        return .init(
            records: messages.count, seconds: (elapsed * 100).rounded() / 100,
            recordsPerSecond: (Double(messages.count) / elapsed).rounded(),
            drainedSeconds: (drained.inSeconds * 100).rounded() / 100, cpuSeconds: [:], stolenCPUPercent: nil,
            brokerBusyPercent: brokerBusy, offsetJumps: 0, recordsPerBatch: [:])
    }

    /// The services' consumer groups and what each reads.
    static func serviceReaders(of topics: TopicCatalogue) -> [(group: String, inputs: [String])] {
        [
            ("harmrank-ingest", [topics.offencesRaw]), ("harmrank-score", [topics.linksSuspect, topics.linksPlace]),
            ("harmrank-rank", [topics.scoresSuspect, topics.scoresPlace]), ("harmrank-notify", [topics.scoresSuspect]),
        ]
    }

    /// The backfill's Kafka traffic again with no processing (`BenchTraffic`): a floor under the backfill time.
    private func kafkaAlone(
        cluster: CommandCluster, kafka: KafkaConfiguration, topics: TopicCatalogue, records: Int,
        reference: Figures.Reference, logger: Logger
    ) async throws -> Figures.KafkaAlone {
        // Besides the services, the bench itself reads rankings and alerts throughout (`BenchObservations`).
        let readers = Self.serviceReaders(of: topics) + [("bench", [topics.rankings, topics.alertsDauntless])]
        let flows = try await BenchTraffic.flows(
            of: topics, readers: readers, administration: try KafkaAdministration(configuration: kafka, logger: logger))
        let total = flows.reduce(0) { $0 + $1.messages * (1 + $1.readers) }
        progress("kafka alone: \(total) messages written and read, the backfill's traffic on \(flows.count) topics")
        let traffic = BenchTraffic(kafka: kafka, logger: logger)
        let samples = try await traffic.samples(of: flows)
        try await cluster.createTopics(flows.map { TopicSpecification(name: $0.topic + ".traffic", partitions: $0.partitions) })
        let cpuBefore = Self.cpuSeconds(getpid()) ?? 0
        let machineBefore = Self.machineCPUTicks()
        let brokerBefore = Self.brokerThreadCPUSeconds()
        let (seconds, unread) = try await traffic.replay(flows, from: samples)
        let brokerBusy = Self.brokerBusyPercent(since: brokerBefore, over: seconds)
        progress("kafka alone: \(String(format: "%.1f", seconds)) s\(unread > 0 ? ", \(unread) messages never read" : "")")
        return .init(
            messagesWritten: Dictionary(uniqueKeysWithValues: flows.map { ($0.topic, $0.messages) }),
            readers: Dictionary(uniqueKeysWithValues: flows.map { ($0.topic, $0.readers) }),
            seconds: (seconds * 100).rounded() / 100,
            ratio: Figures.ratio(Double(records) / seconds, over: reference.rawConsumePerSecond), unread: unread,
            cpuSeconds: (((Self.cpuSeconds(getpid()) ?? 0) - cpuBefore) * 10).rounded() / 10,
            stolenCPUPercent: Self.stolenPercent(since: machineBefore), brokerBusyPercent: brokerBusy)
    }

    /// The reference: every message the broker still holds of `offences.raw`, read by a plain group consumer that
    /// does nothing with them, timed from the first message to the last. A read lasts a fraction of a second, so a
    /// stall of the machine in it is a large part of it: the same messages are read `referenceReads` times, each by
    /// a new consumer, and the fastest read is the reference.
    private func rawConsumeRate(kafka: KafkaConfiguration, topic: String, logger: Logger) async throws -> Figures.Reference {
        var reads: [(received: Int, perSecond: Double)] = []
        for _ in 0..<Self.referenceReads {
            let (received, seconds, _) = try await Self.readHeld(topic: topic, kafka: kafka, keeping: 0, logger: logger)
            guard received > 1 else { throw StackError("the reference consumer read nothing from \(topic)") }
            // A read is timed from its first batch to its last: a topic that came in one batch has no rate.
            guard seconds > 0 else {
                throw StackError("the reference consumer read all \(received) records of \(topic) in one batch, too few to time; run with more --records")
            }
            reads.append((received, (Double(received) / seconds).rounded()))
            progress("reference: \(received) records of \(topic) consumed at \(Int(reads.last!.perSecond))/s")
        }
        let fastest = reads.max { $0.perSecond < $1.perSecond }!
        return .init(messages: fastest.received, rawConsumePerSecond: fastest.perSecond, readsPerSecond: reads.map(\.perSecond))
    }

    static let referenceReads = 3

    /// Everything the broker holds of `topic`, read by a new group consumer until nothing more comes: how many,
    /// the seconds from the first message to the last, and the first `keeping` messages.
    static func readHeld(topic: String, kafka: KafkaConfiguration, keeping: Int, logger: Logger) async throws
        -> (received: Int, seconds: Double, kept: [KafkaMessage])
    {
        // librdkafka stops fetching while its queue holds `queued.min.messages` (counted over all partitions) and
        // resumed here only up to a second after the queue had drained, a stall in most reads. A queue as large as
        // the topic keeps the read going.
        var kafka = kafka
        kafka.properties["queued.min.messages"] = "10000000"
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(
                kafka: kafka, groupID: "harmrank-bench-reader-\(UInt32.random(in: 0...UInt32.max))", topics: [topic]),
            logger: logger)
        var (received, idles, kept) = (0, 0, [KafkaMessage]())
        var first: ContinuousClock.Instant?
        var last = ContinuousClock.now
        for await event in consumer.events.batches(idleAfter: .seconds(3)) {
            switch event {
            case .messages(let batch):
                if first == nil { first = .now }
                received += batch.count
                if kept.count < keeping { kept += batch.prefix(keeping - kept.count) }
                last = .now
            case .idle:
                // Joining the group takes a moment; a topic that is still silent after that holds nothing.
                idles += 1
                if first != nil || idles == 3 { consumer.close() }
            default: break
            }
        }
        return (received, first.map { $0.duration(to: last).inSeconds } ?? 0, kept)
    }

    private func live(
        seconds liveSeconds: Int, rankService: URL, token: String, kafka: KafkaConfiguration, topics: TopicCatalogue, observations: BenchObservations,
        logger: Logger
    ) async throws -> Figures.Latency {
        let stageWatcher = Task { try await observations.watchStages(kafka: kafka, topics: topics, logger: logger) }
        defer { stageWatcher.cancel() }
        let wards = try WardRegistry.shipped()
        let harmTable = try HarmTable.shipped()
        let probes = BenchProbes(
            count: probes * liveSeconds, ward: wards.wards[0].code,
            above: try await hundredthDauntlessScore(rankService: rankService, token: token), harmTable: harmTable,
            clock: .now)
        observations.expect(score: probes.expectedScore)
        // The rest of the rate is ordinary crime of the last day, numbered apart from the backfill's.
        let now = Instant.now
        var options = LondonGenerator.Options(start: now - Instant.days(1))
        options.seed = 2
        options.days = 1
        options.firstCrimeNumber = 7_000_000
        let probeRecords = (probes.priors + 1) * self.probes
        options.crimes = max(0, rate - probeRecords) * liveSeconds
        let background = LondonGenerator(options: options, wards: wards, harmTable: harmTable).lines()
            .flatMap { PublishCommand.messages($0.text, topic: topics.offencesRaw) }

        // Every send, in time order: background spread evenly, probe k's priors at k / probes seconds and its
        // timed record one second later (so IngestService has taken the priors before it arrives).
        var schedule: [(at: Double, message: OutgoingMessage, probe: String?)] = background.enumerated().map { index, message in
            (Double(index) / Double(max(1, rate - probeRecords)), message, nil)
        }
        func message(_ record: (crimeRef: String, json: [UInt8])) -> OutgoingMessage {
            OutgoingMessage(topic: topics.offencesRaw, key: record.crimeRef, value: record.json)
        }
        for index in 0..<probes.count {
            let at = Double(index) / Double(self.probes)
            let (priors, timed) = probes.records(index, occurredAt: now)
            for prior in priors { schedule.append((at, message(prior), nil)) }
            schedule.append((at + 1, message(timed), probes.suspect(index)))
        }
        schedule.sort { $0.at < $1.at }
        progress("live: \(schedule.count) records over \(liveSeconds) s; \(probes.count) probes of \(probes.priors + 1) homicides each, the last timed")

        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: logger)
        let machineBefore = Self.machineCPUTicks()
        let started = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { group in
            var next = 0
            while next < schedule.count {
                let due = started + .milliseconds(Int64(schedule[next].at * 1000))
                if due > .now { try await Task.sleep(until: due) }
                let elapsed = started.duration(to: .now).inSeconds
                var end = next
                while end < schedule.count && schedule[end].at <= elapsed { end += 1 }
                let batch = schedule[next..<end]
                next = end
                group.addTask {
                    try await producer.send(batch.map(\.message))
                    let accepted = ContinuousClock.now
                    for case let probe? in batch.map(\.probe) { observations.accepted(probe, at: accepted) }
                }
            }
            try await group.waitForAll()
        }
        await producer.close()
        let deadline = ContinuousClock.now + .seconds(30)
        while !observations.complete && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(100)) }

        let (ranking, alert, unseenRanking, unseenAlert) = observations.latencies()
        if unseenRanking + unseenAlert > 0 {
            progress("live: \(unseenRanking) probes never reached a ranking and \(unseenAlert) never raised an alert within 30 s")
        }
        return .init(
            recordsPerSecond: rate, probes: probes.count, publishIntervalMs: publishIntervalMs,
            stolenCPUPercent: Self.stolenPercent(since: machineBefore),
            rankingMs: .init(ranking, unseen: unseenRanking), alertMs: .init(alert, unseen: unseenAlert),
            stagesMs: observations.stageMilliseconds())
    }

    // MARK: - Helpers

    /// The 100th score of `dauntless` now (0 when the list is shorter), through RankService's API.
    private func hundredthDauntlessScore(rankService: URL, token: String) async throws -> Double {
        let page = try await Self.answer(of: URL(string: "\(rankService.absoluteString)/v1/lists/dauntless?limit=100")!, token: token)
        guard case .array(let entries)? = page["entries"] else {
            throw StackError("RankService did not answer /v1/lists/dauntless with entries")
        }
        guard entries.count >= 100, case .number(let score)? = entries.last?["score"] else { return 0 }
        return Double(score) ?? 0
    }

    /// Each service's records per batch so far, from its `/v1/status`: how much every commit and round of sends
    /// was shared by.
    private func recordsPerBatch(of stack: ServiceStack, token: String) async throws -> [String: Double] {
        var perBatch: [String: Double] = [:]
        for name in ServiceStack.names {
            let status = try await Self.answer(of: URL(string: "http://127.0.0.1:\(stack.port(of: name))/v1/status")!, token: token)
            guard case .number(let records)? = status["recordsProcessed"], let records = Double(records),
                case .number(let batches)? = status["batchesApplied"], let batches = Double(batches)
            else { throw StackError("\(name) did not report recordsProcessed and batchesApplied in /v1/status") }
            perBatch[name] = batches == 0 ? 0 : (records / batches * 10).rounded() / 10
        }
        return perBatch
    }

    /// A service's JSON answer to an authenticated GET.
    private static func answer(of url: URL, token: String) async throws -> JSONValue {
        let (body, status) = try await authenticatedGet(url, token: token)
        guard status == 200 else {
            throw StackError("\(url.absoluteString) answered \(status): \(String(decoding: body, as: UTF8.self))")
        }
        return try JSONValue.parse(Array(body))
    }

    /// CPU used with nothing sent, once the live phase's last batches have settled.
    private func idle(_ stack: ServiceStack) async throws -> Figures.Idle {
        let seconds = 5.0
        progress("idle: \(Int(seconds)) s with nothing sent")
        try await Task.sleep(for: .seconds(2))
        let before = cpuSeconds(of: stack)
        let started = ContinuousClock.now
        try await Task.sleep(for: .seconds(seconds))
        let elapsed = started.duration(to: .now).inSeconds
        let percent = cpuSeconds(of: stack).merging(before) { after, before in
            ((after - before) / elapsed * 1000).rounded() / 10
        }
        return Figures.Idle(seconds: seconds, cpuPercent: percent)
    }

    /// Each service's CPU seconds so far, and this process's (the embedded broker, the feed, the watcher).
    private func cpuSeconds(of stack: ServiceStack) -> [String: Double] {
        var seconds = Dictionary(uniqueKeysWithValues: stack.services.compactMap { service in
            service.processIdentifier.flatMap(Self.cpuSeconds).map { (service.name, $0) }
        })
        seconds["harmrank bench (broker)"] = Self.cpuSeconds(getpid())
        return seconds
    }

    /// How often a service found offsets missing from a partition it read (`PartitionedConsumer` logs each): on
    /// the embedded broker, messages it dropped before they were read, so the lists would be wrong.
    static func offsetJumps(inLogsOf stack: ServiceStack) -> Int {
        stack.services.reduce(0) { count, service in
            let log = stack.logDirectory.flatMap {
                try? String(contentsOf: $0.appendingPathComponent("\(service.name).log"), encoding: .utf8)
            }
            return count + (log?.components(separatedBy: PartitionedConsumerLog.offsetJump).count ?? 1) - 1
        }
    }

    /// The machine's CPU time so far (all states) and the part of it the hypervisor gave to other machines
    /// (steal), in clock ticks, from /proc/stat.
    static func machineCPUTicks() -> (total: Double, stolen: Double)? {
        guard let stat = try? String(contentsOfFile: "/proc/stat", encoding: .utf8),
            let line = stat.split(separator: "\n").first, line.hasPrefix("cpu ")
        else { return nil }
        // user nice system idle iowait irq softirq steal guest guest_nice; guest time is already in user.
        let ticks = line.split(separator: " ").dropFirst().prefix(8).compactMap { Double($0) }
        guard ticks.count == 8 else { return nil }
        return (ticks.reduce(0, +), ticks[7])
    }

    /// The share (%) of the machine's CPU time since `start` that the hypervisor gave to other machines: how far
    /// figures from a shared host can be trusted.
    static func stolenPercent(since start: (total: Double, stolen: Double)?) -> Double? {
        guard let start, let end = machineCPUTicks(), end.total > start.total else { return nil }
        return ((end.stolen - start.stolen) / (end.total - start.total) * 1000).rounded() / 10
    }

    /// CPU seconds (user and system) the process has used so far.
    static func cpuSeconds(_ pid: Int32) -> Double? { cpuSeconds(statFile: "/proc/\(pid)/stat") }

    /// CPU seconds the embedded broker's thread has used so far. librdkafka's mock cluster serves every broker of
    /// it from this one thread, so its share of a phase's time says how near the broker was to its limit.
    static func brokerThreadCPUSeconds() -> Double? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        let broker = tasks.filter {
            (try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8))?.hasPrefix("rdk:mock") == true
        }
        guard !broker.isEmpty else { return nil }
        return broker.compactMap { cpuSeconds(statFile: "/proc/self/task/\($0)/stat") }.reduce(0, +)
    }

    /// `brokerThreadCPUSeconds` since `start` as a share (%) of `seconds`.
    static func brokerBusyPercent(since start: Double?, over seconds: Double) -> Double? {
        guard let start, let now = brokerThreadCPUSeconds(), seconds > 0 else { return nil }
        return ((now - start) / seconds * 1000).rounded() / 10
    }

    private static func cpuSeconds(statFile: String) -> Double? {
        guard let stat = try? String(contentsOfFile: statFile, encoding: .utf8),
            let afterName = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the name: state is the 3rd field of the line, utime and stime the 14th and 15th.
        let fields = stat[stat.index(after: afterName)...].split(separator: " ")
        guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// The kernel's high-water mark of the process's resident set (VmHWM), in MB.
    static func peakResidentMegabytes(_ pid: Int32) -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
            let kilobytes = Double(line.split(separator: " ").dropFirst().first ?? "")
        else { return nil }
        return (kilobytes / 1024).rounded()
    }

    private func progress(_ line: String, sameLine: Bool = false) {
        let text = (sameLine ? "\r" : "") + "bench: " + line + (sameLine ? "" : "\n")
        FileHandle.standardError.write(Data(text.utf8))
    }
}
