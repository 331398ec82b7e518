import Foundation
import Shared
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Instances of a service on separate hosts share their group's partitions with no shared disk: `harmrank up
/// --instances` gives each further instance a data dir of its own.
@Suite(.serialized) struct ScaleOutTests {
    /// Two IngestService and two ScoreService instances, each with its own data dir, on the event clock; the second
    /// ScoreService killed outright while the records arrive (`up` starts it again). Both instances of each service
    /// hold partitions, every record is accounted for, and every list is exactly the recomputed one.
    @Test(.timeLimit(.minutes(8)))
    func instancesWithDataDirsOfTheirOwnShareThePartitionsAndTheListsAreExact() async throws {
        var options = LondonGenerator.Options(start: try Instant.parseRFC3339("2025-01-01T00:00:00Z").get())
        options.seed = 29
        options.crimes = 4_000
        let wards = try WardRegistry.shipped()
        let table = try HarmTable.shipped()
        let lines = LondonGenerator(options: options, wards: wards, harmTable: table).lines()
            .flatMap { $0.text.split(separator: "\n").map(String.init) }
        let expected = Recomputation(lines, table: table, wards: wards)

        let directory = try temporaryDirectory()
        let base = freePorts(6)
        let ports = Array(base..<base + 6)
        let up = try ChildProcess(
            "harmrank",
            ["up", "--data-dir", directory.path, "--http-port", String(base), "--clock", "event", "--partitions", "4",
             "--instances", "ingest=2,score=2"],
            // The contract's ProMap ranks the hotspots here (the default model elsewhere): each is checked end to end.
            environment: ["HARMRANK_HOTSPOT_MODEL": "promap"])
        defer { up.signal(SIGINT) }
        let token = try await RestartTests.readyStack(up, ports: ports, directory: directory)
        #expect(up.output.contains("ScoreService-2 http://127.0.0.1:\(base + 5)"), "\(up.output.prefix(2000))")

        let file = directory.appendingPathComponent("records.ndjson")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let publish = try ChildProcess("harmrank", ["publish", "--data-dir", directory.path, file.path])
        let ingest = [base + 1, base + 4]
        func judged() async -> Int {
            var total = 0
            for port in ingest {
                let status = try? await get("http://127.0.0.1:\(port)/v1/status", token: token)
                total += (status?.json?["outcomes"] as? [String: Int] ?? [:]).values.reduce(0, +)
            }
            return total
        }
        #expect(await eventually(within: .seconds(120)) { await judged() >= lines.count / 3 })
        let kill = try ChildProcess("pkill", ["-KILL", "-f", "ScoreService --http-port \(base + 5)"])
        #expect(await kill.exitStatus(within: .seconds(10)) == 0, "no ScoreService-2 to kill")
        #expect(await publish.exitStatus(within: .seconds(300)) == 0, "\(publish.errors)")
        #expect(await pipelineSettled(judged: lines.count, ingest: ingest, all: ports, token: token), "\(up.output.suffix(4000))")

        var outcomes: [String: Int] = [:]
        for port in ingest {
            let status = try await get("http://127.0.0.1:\(port)/v1/status", token: token)
            let own = status.json?["outcomes"] as? [String: Int] ?? [:]
            #expect(!own.isEmpty, "IngestService on port \(port) holds no partition")
            outcomes.merge(own, uniquingKeysWith: +)
        }
        #expect(outcomes["accepted"] == expected.accepted && outcomes["duplicate"] == expected.duplicates)
        #expect(outcomes["stale"] == expected.stale && outcomes["rejected"] == expected.rejections.count)
        for port in [base + 3, base + 5] {
            let status = try await get("http://127.0.0.1:\(port)/v1/status", token: token)
            #expect((status.json?["outcomes"] as? [String: Int] ?? [:]).values.reduce(0, +) > 0, "ScoreService on port \(port)")
        }
        // Each instance kept its partitions' state in its own data dir.
        for state in ["state/IngestService", "hosts/IngestService-2/state/IngestService", "state/ScoreService",
                      "hosts/ScoreService-2/state/ScoreService"] {
            let files = (try? FileManager.default.contentsOfDirectory(atPath: directory.appendingPathComponent(state).path)) ?? []
            #expect(files.contains { $0.hasSuffix(".sqlite") }, "\(state): \(files)")
        }

        let lists = expected.lists(hotspotModel: .promap)
        for list in HarmList.scoredFromCrimes {
            let shown = list == .stopSearchWards ? wards.wards.count : 100
            let page = try await get("http://127.0.0.1:\(base)/v1/lists/\(list.rawValue)?limit=\(shown)", token: token)
            let entries = page.json?["entries"] as? [[String: Any]] ?? []
            let want = Array(lists[list]!.prefix(shown))
            #expect(entries.compactMap { $0["id"] as? String } == want.map(\.id), "\(list)")
            #expect(entries.compactMap { PipelineTests.hundredths($0["score"]) } == want.map(\.score.hundredths), "\(list)")
        }
        up.signal(SIGINT)
        #expect(await up.exitStatus(within: .seconds(60)) == 0, "\(up.output.suffix(3000))")
    }

    /// Two RankService replicas, each reading every partition: both serve the lists, one publishes. The publisher
    /// killed outright, the other takes over, and the versions of a list on `rankings` go on rising by one, none
    /// used twice.
    @Test(.timeLimit(.minutes(6)))
    func rankServiceReplicasElectOnePublisherAndHandOverWhenItIsKilled() async throws {
        let directory = try temporaryDirectory()
        let base = freePorts(5)
        let replicas = ["RankService": base, "RankService-2": base + 4]
        let up = try ChildProcess(
            "harmrank",
            ["up", "--data-dir", directory.path, "--http-port", String(base), "--partitions", "2", "--instances", "rank=2"])
        defer { up.signal(SIGINT) }
        let token = try await RestartTests.readyStack(up, ports: Array(base..<base + 5), directory: directory)
        let bootstrap = try String(contentsOf: directory.appendingPathComponent("bootstrap.txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        func report(_ number: Int) async throws {
            let crime = RestartTests.domesticCrime("CR-LEAD-\(number)", suspect: "S-LEAD-\(number)", occurredAt: Date() - 3_600)
            let answer = try await post("http://127.0.0.1:\(base + 1)/v1/offences", token: token, body: Data(crime.utf8))
            #expect(answer.json?["accepted"] as? Int == 1)
        }
        func listed(_ suspect: String, on port: Int) async -> Bool {
            let list = try? await get("http://127.0.0.1:\(port)/v1/lists/vawg100?limit=100", token: token)
            return (list?.json?["entries"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == suspect }
        }
        func snapshots() async throws -> [RankingMessage] {
            try await readTopic(TopicCatalogue().rankings, bootstrap: bootstrap).compactMap { message in
                message.value.flatMap { try? RankingMessage.decode($0) }
            }.filter { $0.list == "vawg100" }
        }

        try await report(1)
        for port in replicas.values {
            #expect(await eventually(within: .seconds(60)) { await listed("S-LEAD-1", on: port) }, "port \(port)")
        }
        #expect(await eventually(within: .seconds(60)) { (try? await snapshots())?.contains { $0.entries.contains { $0.id == "S-LEAD-1" } } == true })
        let leaders = replicas.keys.filter { Self.leads($0, in: up.output) }
        try #require(leaders.count == 1, "\(leaders): \(up.output.suffix(4000))")
        let leader = leaders[0]

        let kill = try ChildProcess("pkill", ["-KILL", "-f", "RankService --http-port \(replicas[leader]!)"])
        #expect(await kill.exitStatus(within: .seconds(10)) == 0)
        let killed = ContinuousClock.now
        try await report(2)
        let published = await eventually(within: .seconds(90)) {
            (try? await snapshots())?.contains { $0.entries.contains { $0.id == "S-LEAD-2" } } == true
        }
        #expect(published, "no snapshot with S-LEAD-2 after the leader \(leader) was killed: \(up.output.suffix(4000))")
        print("rankings failover: the next snapshot \(killed.duration(to: .now)) after the leader was killed")
        let versions = try await snapshots().map(\.version)
        #expect(versions == Array(1...Int64(versions.count)), "\(versions)")
        for port in replicas.values {
            #expect(await eventually(within: .seconds(60)) { await listed("S-LEAD-2", on: port) }, "port \(port)")
        }
        up.signal(SIGINT)
        #expect(await up.exitStatus(within: .seconds(60)) == 0, "\(up.output.suffix(3000))")
    }

    /// Two NotifyService replicas: both keep every alert, the leader publishes and delivers them, and an
    /// acknowledgement made on either shows on both. The leader killed outright, the other takes over and delivers
    /// the next alert; no alert id is on `alerts.dauntless` twice and the webhook has every alert. A third replica
    /// on an empty data directory takes every alert, acknowledgement included, from Kafka, and again after its
    /// data directory is lost, rebuilding its suspects from the score topic without raising anything again.
    @Test(.timeLimit(.minutes(8)))
    func notifyServiceReplicasElectOneDeliveryAndKeepEveryAlertWhenItIsKilled() async throws {
        let directory = try temporaryDirectory()
        let webhook = WebhookReceiver()
        defer { webhook.stop() }
        let base = freePorts(6)
        let replicas = ["NotifyService": base + 2, "NotifyService-2": base + 4]
        let up = try ChildProcess(
            "harmrank",
            ["up", "--data-dir", directory.path, "--http-port", String(base), "--partitions", "2", "--instances", "notify=2"],
            environment: ["HARMRANK_WEBHOOKS": webhook.url])
        defer { up.signal(SIGINT) }
        let token = try await RestartTests.readyStack(up, ports: Array(base..<base + 5), directory: directory)
        let bootstrap = try String(contentsOf: directory.appendingPathComponent("bootstrap.txt"), encoding: .utf8)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        func report(_ number: Int) async throws {
            let crime = RestartTests.domesticCrime("CR-ALERT-\(number)", suspect: "S-ALERT-\(number)", occurredAt: Date() - 3_600)
            let answer = try await post("http://127.0.0.1:\(base + 1)/v1/offences", token: token, body: Data(crime.utf8))
            #expect(answer.json?["accepted"] as? Int == 1)
        }
        func alerts(on port: Int) async -> [[String: Any]] {
            let answer = try? await get("http://127.0.0.1:\(port)/v1/alerts", token: token)
            return answer?.json?["alerts"] as? [[String: Any]] ?? []
        }
        func suspects(on port: Int) async -> [String] { await alerts(on: port).compactMap { $0["suspect"] as? String }.sorted() }
        func delivered(_ suspect: String) -> Bool {
            webhook.deliveries.contains { String(decoding: $0.body, as: UTF8.self).contains("\"\(suspect)\"") }
        }

        try await report(1)
        for port in replicas.values {
            #expect(await eventually(within: .seconds(60)) { await suspects(on: port) == ["S-ALERT-1"] }, "port \(port)")
        }
        #expect(await eventually(within: .seconds(60)) { delivered("S-ALERT-1") }, "\(up.output.suffix(4000))")
        let leaders = replicas.keys.filter { Self.leads($0, in: up.output) }
        try #require(leaders.count == 1, "\(leaders): \(up.output.suffix(4000))")
        let leader = leaders[0]
        let follower = replicas.keys.first { $0 != leader }!

        let first = try #require(await alerts(on: replicas[follower]!).first?["id"] as? String)
        let acknowledged = try await post(
            "http://127.0.0.1:\(replicas[follower]!)/v1/alerts/\(first)/acknowledge", token: token, body: Data())
        #expect(acknowledged.status == 200)
        #expect(await eventually(within: .seconds(30)) {
            await alerts(on: replicas[leader]!).first?["acknowledgedBy"] as? String != nil
        }, "the leader shows the acknowledgement made on the follower")

        let kill = try ChildProcess("pkill", ["-KILL", "-f", "NotifyService --http-port \(replicas[leader]!)"])
        #expect(await kill.exitStatus(within: .seconds(10)) == 0)
        let killed = ContinuousClock.now
        try await report(2)
        #expect(await eventually(within: .seconds(90)) { delivered("S-ALERT-2") }, "\(up.output.suffix(4000))")
        print("alerts failover: the next alert delivered \(killed.duration(to: .now)) after the leader was killed")
        for port in replicas.values {
            #expect(await eventually(within: .seconds(60)) { await suspects(on: port) == ["S-ALERT-1", "S-ALERT-2"] }, "port \(port)")
        }

        // A replica of its own on an empty data directory, then on another after the first is lost.
        let own = freePort()
        let environment = [
            "HARMRANK_BOOTSTRAP": bootstrap, "HARMRANK_TOKENS_FILE": directory.appendingPathComponent("tokens.txt").path,
            "HARMRANK_GROUP_ID": "harmrank-notify-9", "HARMRANK_WEBHOOKS": webhook.url,
        ]
        var third = try ChildProcess(
            "NotifyService", ["--http-port", String(own)],
            environment: environment.merging(["HARMRANK_DATA_DIR": try temporaryDirectory().path]) { $1 })
        #expect(await eventually(within: .seconds(90)) { await suspects(on: own) == ["S-ALERT-1", "S-ALERT-2"] }, "\(third.errors.suffix(3000))")
        #expect(await alerts(on: own).first?["acknowledgedBy"] as? String != nil, "the acknowledgement came from Kafka")
        // Its group's offsets are committed after its state: wait for them, the point a successor rebuilds up to.
        #expect(await eventually(within: .seconds(30)) {
            let lag = (try? await get("http://127.0.0.1:\(own)/v1/status", token: token))?.json?["lag"] as? [[String: Any]] ?? []
            return !lag.isEmpty && lag.allSatisfy { ($0["committedOffset"] as? Int ?? 0) == $0["endOffset"] as? Int }
        }, "\(third.errors.suffix(3000))")
        third.signal(SIGKILL)
        _ = await third.exitStatus(within: .seconds(10))
        third = try ChildProcess(
            "NotifyService", ["--http-port", String(own)],
            environment: environment.merging(["HARMRANK_DATA_DIR": try temporaryDirectory().path]) { $1 })
        defer { third.signal(SIGINT) }
        #expect(await eventually(within: .seconds(90)) { await suspects(on: own) == ["S-ALERT-1", "S-ALERT-2"] }, "\(third.errors.suffix(3000))")
        #expect(await eventually(within: .seconds(30)) { third.errors.contains("state rebuilt from Kafka") }, "\(third.errors.suffix(3000))")

        let onTopic = try await readTopic(TopicCatalogue().alertsDauntless, bootstrap: bootstrap).compactMap { message in
            message.value.flatMap { try? JSONDecoder().decode(Alert.self, from: Data($0)) }
        }
        // The acknowledged alert is on the topic twice: as raised, and as acknowledged. No version twice.
        #expect(onTopic.filter { $0.version == 1 }.map(\.suspect).sorted() == ["S-ALERT-1", "S-ALERT-2"], "\(onTopic.map(\.id))")
        #expect(onTopic.filter { $0.version == 2 }.count == 1, "\(onTopic.map { "\($0.id) v\($0.version)" })")
        #expect(
            Set(onTopic.map { "\($0.id) v\($0.version)" }).count == onTopic.count,
            "an alert version twice on the topic: \(onTopic.map { "\($0.id) v\($0.version)" })")
        #expect(Set(webhook.deliveries.compactMap(\.alertID)) == Set(onTopic.map(\.id)), "every alert delivered")
        third.signal(SIGINT)
        up.signal(SIGINT)
        #expect(await up.exitStatus(within: .seconds(60)) == 0, "\(up.output.suffix(3000))")
    }

    /// Whether `replica` leads, by the last of its lines in `up`'s output that says it began or stopped leading.
    static func leads(_ replica: String, in output: String) -> Bool {
        let last = output.split(separator: "\n").last {
            $0.hasPrefix("[\(replica)] ") && ($0.contains("leading: this replica") || $0.contains("no longer leading"))
        }
        return last?.contains("leading: this replica") == true
    }
}
