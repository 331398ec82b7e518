import Foundation
import GRDB
import Shared
import Testing

/// A list's versions on `rankings` rise by one a snapshot, with no number used twice, even when RankService cannot
/// save a snapshot it has sent: readers hold what is on the topic, so the next snapshot follows it, and the saved
/// copy catches up once the disk takes writes again, so a restart goes on from there too.
@Suite struct RankingVersionTests {
    static let token = "versions-token-0123456789"

    @Test(.timeLimit(.minutes(5)))
    func aSnapshotSentWhileItsSaveFailsKeepsItsNumberAndTheNextFollowsIt() async throws {
        let broker = try await BrokerProcess.start(partitions: 3)
        let directory = broker.dataDirectory
        try "\(Self.token) analyst.kaur admin\n".write(
            to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let ports = (ingest: freePort(), score: freePort(), rank: freePort())
        let environment = [
            "HARMRANK_DATA_DIR": directory.path, "HARMRANK_CLOCK": "event", "HARMRANK_PUBLISH_INTERVAL_MS": "50",
        ]
        func started(_ name: String, _ port: Int) throws -> ChildProcess {
            try ChildProcess(name, ["--http-port", String(port)], environment: environment)
        }
        var services = [
            try started("IngestService", ports.ingest), try started("ScoreService", ports.score),
            try started("RankService", ports.rank),
        ]
        defer {
            for service in services { service.signal(SIGTERM) }
            broker.process.signal(SIGTERM)
        }
        for port in [ports.ingest, ports.score, ports.rank] {
            #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/ready"))?.status == 200 })
        }

        // Each record brings a new suspect into the Dauntless+ list, so each is one more snapshot of it.
        var reported = 0
        func reportAndAwaitSnapshot() async throws {
            reported += 1
            let record = #"{"crimeRef":"\#(8_000_000 + reported)/25","version":1,"offenceCode":"8N","occurredAt":"2025-12-\#(10 + reported)T10:00:00Z","flags":["domestic"],"suspects":["VERSION-S\#(reported)"],"victims":["VERSION-V\#(reported)"]}"#
            let answer = try await post(
                "http://127.0.0.1:\(ports.ingest)/v1/offences", token: Self.token, body: Data(record.utf8))
            #expect(answer.status == 202)
            let expected = reported
            #expect(await eventually(within: .seconds(60)) { await dauntlessVersion(port: ports.rank) == expected })
        }

        try await reportAndAwaitSnapshot()
        // Another connection holds the file's write lock, so RankService's next save fails.
        var configuration = Configuration()
        configuration.allowsUnsafeTransactions = true
        let saved = try DatabaseQueue(
            path: directory.appendingPathComponent("state/RankService/rankings-published.sqlite").path,
            configuration: configuration)
        try saved.inDatabase { try $0.execute(sql: "BEGIN IMMEDIATE") }
        try await reportAndAwaitSnapshot()
        #expect(await eventually { services[2].errors.contains("saving published snapshots:") }, "\(services[2].errors)")
        try await Task.sleep(for: .milliseconds(1500))  // retried and failed again at least once, publishing nothing
        try saved.inDatabase { try $0.execute(sql: "ROLLBACK") }
        #expect(await eventually { services[2].errors.contains("saving published snapshots works again") })
        try await reportAndAwaitSnapshot()

        // Restarted, RankService goes on from the saved copy.
        services[2].signal(SIGTERM)
        #expect(await services[2].exitStatus(within: .seconds(30)) == 0)
        services[2] = try started("RankService", ports.rank)
        #expect(await eventually { (try? await get("http://127.0.0.1:\(ports.rank)/health/ready"))?.status == 200 })
        try await reportAndAwaitSnapshot()

        let snapshots = try await rankings(bootstrap: broker.bootstrap)
        let dauntless = snapshots.filter { $0.list == HarmList.dauntless.rawValue }
        #expect(dauntless.map(\.version) == [1, 2, 3, 4], "\(dauntless.map { ($0.version, $0.entries.map(\.id)) })")
        #expect(dauntless.map { $0.diff.entered.map(\.id) } == (1...4).map { ["VERSION-S\($0)"] })
        for list in Set(snapshots.map(\.list)).sorted() {
            let versions = snapshots.filter { $0.list == list }.map(\.version)
            #expect(versions == Array(1...Int64(versions.count)), "\(list): \(versions)")
        }
    }

    func dauntlessVersion(port: Int) async -> Int? {
        let answer = try? await get("http://127.0.0.1:\(port)/v1/lists", token: Self.token)
        let lists = answer?.json?["lists"] as? [[String: Any]] ?? []
        return lists.first { $0["name"] as? String == HarmList.dauntless.rawValue }?["version"] as? Int
    }

    /// Every `rankings` message, each list's in the order published.
    func rankings(bootstrap: String) async throws -> [RankingMessage] {
        try await readTopic(TopicCatalogue().rankings, bootstrap: bootstrap)
            .sorted { ($0.partition, $0.offset) < ($1.partition, $1.offset) }
            .map { try RankingMessage.decode($0.value ?? []) }
    }
}
