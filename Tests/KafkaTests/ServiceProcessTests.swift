import Foundation
import Shared
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

@Suite(.serialized) struct ServiceProcessTests {
    static let token = "operations-token-0123456789"

    @Test(
        .timeLimit(.minutes(2)),
        arguments: [
            // The broker below makes 4 partitions per input, link and score topic; rankings always has 1.
            ("IngestService", ["harmrank.offences.raw"], 4),
            ("ScoreService", ["harmrank.links.suspect", "harmrank.links.place"], 8),
            ("RankService", ["harmrank.scores.suspect", "harmrank.scores.place"], 8),
            ("NotifyService", ["harmrank.scores.suspect"], 4),
        ])
    func serviceAnswersHealthMetricsAndStatusThenStopsOnSIGTERM(service: String, inputs: [String], partitions: Int)
        async throws
    {
        let broker = try await BrokerProcess.start(partitions: 4)
        let tokensFile = broker.dataDirectory.appendingPathComponent("tokens.txt")
        try "# operations\n\(Self.token) operator analyst\n".write(to: tokensFile, atomically: true, encoding: .utf8)
        let port = freePort()
        let process = try ChildProcess(service, ["--http-port", String(port)],
                                       environment: ["HARMRANK_DATA_DIR": broker.dataDirectory.path])
        let base = "http://127.0.0.1:\(port)"

        #expect(await eventually { (try? await get(base + "/health/live"))?.status == 200 }, "\(process.errors)")
        #expect(await eventually { (try? await get(base + "/health/ready"))?.status == 200 }, "\(process.errors)")

        let anonymous = try await get(base + "/metrics")
        #expect(anonymous.status == 401)
        #expect(anonymous.json?["error"] as? String == "unauthorized")
        #expect(try await get(base + "/v1/status", token: "wrong-token-0123456789").status == 401)

        let metrics = try await get(base + "/metrics", token: Self.token)
        #expect(metrics.status == 200)
        #expect(metrics.headers["Content-Type"]?.hasPrefix("text/plain") == true)
        let exposition = String(decoding: metrics.body, as: UTF8.self)
        #expect(exposition.contains("harmrank_ready 1"), "\(exposition)")
        #expect(exposition.contains("harmrank_records_processed_total 0"))
        #expect(exposition.contains("harmrank_batches_applied_total 0"))

        let status = try await get(base + "/v1/status", token: Self.token)
        #expect(status.status == 200)
        #expect(status.json?["service"] as? String == service)
        #expect(status.json?["ready"] as? Bool == true)
        #expect(status.json?["batchesApplied"] as? Int == 0)
        let lag = status.json?["lag"] as? [[String: Any]] ?? []
        #expect(Set(lag.compactMap { $0["topic"] as? String }) == Set(inputs))
        #expect(lag.count == partitions, "one entry per input partition")

        process.signal(SIGTERM)
        #expect(await process.exitStatus(within: .seconds(20)) == 0, "\(process.errors)")
        broker.process.signal(SIGTERM)
        _ = await broker.process.exitStatus(within: .seconds(20))
    }

    @Test(.timeLimit(.minutes(2)))
    func aTakenHTTPPortStopsAServiceOrHarmrankUpWithAnErrorNamingIt() async throws {
        let broker = try await BrokerProcess.start(partitions: 2)
        try "\(Self.token) operator analyst\n".write(
            to: broker.dataDirectory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let port = freePort()
        let first = try ChildProcess("RankService", ["--http-port", String(port)],
                                     environment: ["HARMRANK_DATA_DIR": broker.dataDirectory.path])
        #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/live"))?.status == 200 })

        // A second instance on the same port must not linger half-started, consuming with no API, but leave at
        // once saying why.
        let second = try ChildProcess("RankService", ["--http-port", String(port)],
                                      environment: ["HARMRANK_DATA_DIR": broker.dataDirectory.path])
        let status = await second.exitStatus(within: .seconds(30))
        #expect(status != nil && status != 0, "\(second.errors)")
        #expect(second.errors.contains("\(port)"), "\(second.errors)")
        // `harmrank up` looks before it starts anything.
        let up = try ChildProcess("harmrank", ["up", "--data-dir", try temporaryDirectory().path, "--http-port", String(port)])
        #expect(await up.exitStatus(within: .seconds(30)) == 1, "\(up.errors)")
        #expect(up.errors.contains("port \(port) (RankService) is in use"), "\(up.errors)")

        first.signal(SIGTERM)
        #expect(await first.exitStatus(within: .seconds(20)) == 0, "\(first.errors)")
        broker.process.signal(SIGTERM)
        _ = await broker.process.exitStatus(within: .seconds(20))
    }

    @Test(.timeLimit(.minutes(5)))
    func harmrankUpRunsTheStackWithADevelopmentTokenAndADemoFeedAndStopsItOnCtrlC() async throws {
        let directory = try temporaryDirectory()
        let base = freePorts(4)
        let up = try ChildProcess("harmrank", ["up", "--demo", "--data-dir", directory.path, "--http-port", String(base)])
        let tokens = directory.appendingPathComponent("tokens.txt")
        #expect(await eventually { FileManager.default.fileExists(atPath: tokens.path) })
        let permissions = try FileManager.default.attributesOfItem(atPath: tokens.path)[.posixPermissions] as? Int
        #expect(permissions == 0o600, "the development token is readable by its owner only")
        let token = try #require(
            try String(contentsOf: tokens, encoding: .utf8).split(separator: "\n").last?.split(separator: " ").first)

        for port in base..<base + 4 {
            #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/ready"))?.status == 200 },
                    "port \(port): \(up.output)")
            #expect(try await get("http://127.0.0.1:\(port)/v1/status", token: String(token)).status == 200)
        }
        #expect(up.output.contains("development token (admin): \(token)"))
        // The demo feed fills the lists.
        let filled = await eventually(within: .seconds(180)) {
            let page = try? await get("http://127.0.0.1:\(base)/v1/lists/vawg100?limit=5", token: String(token))
            return (page?.json?["entries"] as? [[String: Any]])?.count == 5
        }
        #expect(filled, "\(up.output.suffix(3000))")

        up.signal(SIGINT)
        #expect(await up.exitStatus(within: .seconds(30)) == 0, "\(up.output)")
        for port in base..<base + 4 {
            #expect((try? await get("http://127.0.0.1:\(port)/health/live")) == nil, "port \(port) still answers")
        }
    }

    /// `harmrank up` killed outright (SIGKILL, or its terminal closed) cannot stop its services; they notice that
    /// their parent is gone and stop by themselves, so nothing is left holding partitions and ports.
    @Test(.timeLimit(.minutes(3)))
    func servicesStopByThemselvesWhenHarmrankUpIsKilledOutright() async throws {
        let base = freePorts(4)
        let up = try ChildProcess("harmrank", ["up", "--data-dir", try temporaryDirectory().path, "--http-port", String(base)])
        for port in base..<base + 4 {
            #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/live"))?.status == 200 },
                    "port \(port): \(up.output)")
        }
        let services = childProcesses(of: up.processIdentifier)
        #expect(services.count == 4, "\(services)")

        up.signal(SIGKILL)
        let stopped = await eventually(within: .seconds(60)) { services.allSatisfy(hasEnded) }
        #expect(stopped, "still running: \(services.filter { !hasEnded($0) })")
        for pid in services where !hasEnded(pid) { kill(pid, SIGKILL) }
    }

    /// A small `harmrank bench`: every figure is written, and every probe is seen. Its timings
    /// are not judged here (a debug build on a shared machine); `harmrank bench` itself is for that.
    @Test(.timeLimit(.minutes(10)))
    func harmrankBenchWritesEveryFigureAndSeesEveryProbe() async throws {
        let directory = try temporaryDirectory()
        let json = directory.appendingPathComponent("bench.json")
        let bench = try ChildProcess(
            "harmrank",
            ["bench", "--records", "3000", "--live-seconds", "3", "--rate", "40", "--probes", "4",
             "--http-port", String(freePorts(4)), "--data-dir", directory.appendingPathComponent("run").path,
             "--json", json.path])
        #expect(await bench.exitStatus(within: .seconds(540)) == 0, "\(bench.output.suffix(3000))")
        let figures = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: json)) as? [String: Any], "\(bench.output.suffix(3000))")
        let backfill = try #require(figures["backfill"] as? [String: Any])
        #expect((backfill["records"] as? Int ?? 0) > 3_000 * 9 / 10)
        #expect((backfill["seconds"] as? Double ?? 0) > 0)
        #expect((backfill["recordsPerSecond"] as? Double ?? 0) > 0)
        #expect(backfill["offsetJumps"] as? Int == 0, "no service found messages missing")
        // Every service applied the backfill in batches of at least one record (and no more than it was sent).
        let perBatch = try #require(backfill["recordsPerBatch"] as? [String: Double])
        #expect(Set(perBatch.keys) == ["IngestService", "ScoreService", "RankService", "NotifyService"])
        #expect(perBatch.values.allSatisfy { $0 >= 1 }, "\(perBatch)")
        #expect(perBatch["IngestService"]! <= Double(backfill["records"] as? Int ?? 0))
        // The reference is the fastest of its reads.
        let reference = try #require(figures["reference"] as? [String: Any])
        let reads = reference["readsPerSecond"] as? [Double] ?? []
        #expect(reads.count == 3 && reads.allSatisfy { $0 > 0 }, "\(reads)")
        #expect(reference["rawConsumePerSecond"] as? Double == reads.max())
        #expect((figures["ratio"] as? Double ?? 0) > 0)
        // The backfill's traffic again with no processing: every topic the pipeline wrote, read by its readers.
        let kafkaAlone = try #require(figures["kafkaAlone"] as? [String: Any])
        let written = kafkaAlone["messagesWritten"] as? [String: Int] ?? [:]
        #expect(written["harmrank.offences.raw"] == backfill["records"] as? Int)
        #expect(Set(written.keys).isSuperset(of: ["harmrank.links.suspect", "harmrank.scores.suspect", "harmrank.rankings"]))
        #expect((kafkaAlone["readers"] as? [String: Int])?["harmrank.scores.suspect"] == 2, "RankService and NotifyService")
        #expect((kafkaAlone["seconds"] as? Double ?? 0) > 0)
        #expect((kafkaAlone["ratio"] as? Double ?? 0) > 0)
        #expect(kafkaAlone["unread"] as? Int == 0)
        let latency = try #require(figures["latency"] as? [String: Any])
        for effect in ["rankingMs", "alertMs"] {
            let percentiles = try #require(latency[effect] as? [String: Any])
            #expect(percentiles["samples"] as? Int == 12, "\(effect): every probe's effect is seen")
            #expect(percentiles["unseen"] as? Int == 0)
            let p50 = percentiles["p50"] as? Double ?? 0, p99 = percentiles["p99"] as? Double ?? 0
            let p999 = percentiles["p999"] as? Double ?? 0
            #expect(0 < p50 && p50 <= p99 && p99 <= p999)
        }
        // The step-by-step breakdown reads the link and score topics from their ends once the live phase starts, so
        // in so short a run it may miss probes; each step is reported all the same.
        #expect((latency["stagesMs"] as? [[String: Any]])?.compactMap { $0["step"] as? String }.count == 6)
        let memory = try #require((figures["memory"] as? [String: Any])?["peakRssMB"] as? [String: Double])
        #expect(Set(memory.keys) == ["IngestService", "ScoreService", "RankService", "NotifyService"])
        #expect(memory.values.allSatisfy { $0 > 0 })
        let idle = try #require(figures["idle"] as? [String: Any])
        let atRest = try #require(idle["cpuPercent"] as? [String: Double])
        #expect(Set(atRest.keys) == Set(memory.keys).union(["harmrank bench (broker)"]))
        #expect(atRest.values.allSatisfy { $0 >= 0 && $0 <= 100 * Double(ProcessInfo.processInfo.activeProcessorCount) })
        // Every service restored twice: from its files, and from Kafka on an empty data dir (or a reason why not, a
        // topic the embedded broker has cut); ScoreService's rebuild from the links is timed by its partitions.
        let restore = try #require(figures["restore"] as? [String: [String: Any]])
        #expect(Set(restore.keys) == Set(memory.keys), "\(restore)")
        for (service, figures) in restore {
            #expect((figures["fromCacheToReadySeconds"] as? Double ?? 0) > 0, "\(service): \(figures)")
            #expect((figures["fromKafkaToReadySeconds"] as? Double ?? 0) > 0 || figures["notFromKafka"] is String,
                    "\(service): \(figures)")
        }
        #expect((restore["ScoreService"]?["fromKafkaRebuildSeconds"] as? Double ?? 0) > 0, "\(restore)")
    }

    @Test func aServiceWithoutTokensRefusesToStartAndSaysHowToFixIt() async throws {
        let directory = try temporaryDirectory()
        let process = try ChildProcess(
            "RankService", ["--bootstrap", "127.0.0.1:1", "--data-dir", directory.path, "--http-port", String(freePort())])
        #expect(await process.exitStatus(within: .seconds(20)) != 0)
        #expect(process.errors.contains("--tokens-file"))
        #expect(process.errors.contains("HARMRANK_TOKENS_FILE"))
    }
}

struct HTTPAnswer {
    var status: Int
    var headers: [String: String]
    var body: Data
    var json: [String: Any]? { try? JSONSerialization.jsonObject(with: body) as? [String: Any] }
}

func get(_ url: String, token: String? = nil) async throws -> HTTPAnswer {
    try await send(URLRequest(url: URL(string: url)!), token: token)
}

func post(_ url: String, token: String? = nil, body: Data = Data()) async throws -> HTTPAnswer {
    var request = URLRequest(url: URL(string: url)!)
    request.httpMethod = "POST"
    request.httpBody = body
    return try await send(request, token: token)
}

private func send(_ request: URLRequest, token: String?) async throws -> HTTPAnswer {
    var request = request
    request.timeoutInterval = 5
    if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
    let (body, response) = try await URLSession.shared.data(for: request)
    let http = response as! HTTPURLResponse
    let headers = Dictionary(uniqueKeysWithValues: http.allHeaderFields.map { ("\($0.key)", "\($0.value)") })
    return HTTPAnswer(status: http.statusCode, headers: headers, body: body)
}

/// The processes whose parent is `parent`, from /proc.
private func childProcesses(of parent: Int32) -> [Int32] {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.compactMap(Int32.init).filter { pid in processStat(pid)?.parent == parent }
}

/// Gone, or ended and waiting to be reaped (a zombie): either way no longer running.
private func hasEnded(_ pid: Int32) -> Bool {
    guard let state = processStat(pid)?.state else { return true }
    return state == "Z" || state == "X"
}

/// The state letter and parent id of a process, from the fields after its name in /proc/<pid>/stat.
private func processStat(_ pid: Int32) -> (state: Character, parent: Int32)? {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
        let afterName = stat.lastIndex(of: ")")
    else { return nil }
    let fields = stat[stat.index(after: afterName)...].split(separator: " ")
    guard fields.count > 1, let state = fields[0].first, let parent = Int32(fields[1]) else { return nil }
    return (state, parent)
}
