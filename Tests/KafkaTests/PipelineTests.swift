import Foundation
import Shared
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The pipeline as it runs: the broker, IngestService, ScoreService and RankService as separate processes on the
/// event clock, fed a generated London data set through `harmrank publish`. When nothing is left to read, every
/// list must equal a recomputation from scratch, every bad record must be dead-lettered with its reason, and the
/// counts must reconcile.
@Suite(.serialized) struct PipelineTests {
    static let token = "pipeline-token-0123456789"

    @Test(.timeLimit(.minutes(10)))
    func generatedRecordsGiveExactlyTheRecomputedListsAndEveryBadRecordIsDeadLettered() async throws {
        var options = LondonGenerator.Options(start: try Instant.parseRFC3339("2025-01-01T00:00:00Z").get())
        options.seed = 11
        options.crimes = 20_000
        options.badShare = 0.005
        let wards = try WardRegistry.shipped()
        let table = try HarmTable.shipped()
        let lines = LondonGenerator(options: options, wards: wards, harmTable: table).lines()
            .flatMap { $0.text.split(separator: "\n").map(String.init) }
        let expected = Recomputation(lines, table: table, wards: wards)

        let broker = try await BrokerProcess.start(partitions: 8)
        let directory = broker.dataDirectory
        try "\(Self.token) pipeline admin\n".write(
            to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let ports = (ingest: freePort(), score: freePort(), rank: freePort())
        let environment = [
            "HARMRANK_DATA_DIR": directory.path, "HARMRANK_CLOCK": "event", "HARMRANK_PUBLISH_INTERVAL_MS": "100",
        ]
        let services = try [("IngestService", ports.ingest), ("ScoreService", ports.score), ("RankService", ports.rank)]
            .map { name, port in try ChildProcess(name, ["--http-port", String(port)], environment: environment) }
        defer {
            for service in services { service.signal(SIGTERM) }
            broker.process.signal(SIGTERM)
        }
        for port in [ports.ingest, ports.score, ports.rank] {
            #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/ready"))?.status == 200 })
        }

        let file = directory.appendingPathComponent("records.ndjson")
        try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let publish = try ChildProcess("harmrank", ["publish", "--data-dir", directory.path, file.path])
        #expect(await publish.exitStatus(within: .seconds(300)) == 0, "\(publish.errors)")

        // Done when IngestService has judged every record and no service has anything left to read.
        let settled = await eventually(within: .seconds(300)) {
            let ingest = try? await get("http://127.0.0.1:\(ports.ingest)/v1/status", token: Self.token)
            let outcomes = ingest?.json?["outcomes"] as? [String: Int] ?? [:]
            guard outcomes.values.reduce(0, +) == lines.count else { return false }
            for port in [ports.ingest, ports.score, ports.rank] {
                let status = try? await get("http://127.0.0.1:\(port)/v1/status", token: Self.token)
                let lag = status?.json?["lag"] as? [[String: Any]] ?? []
                if lag.isEmpty || lag.contains(where: { ($0["lag"] as? Int ?? 1) != 0 }) { return false }
            }
            return true
        }
        #expect(settled, "the pipeline did not settle: \(services.map { $0.errors.suffix(2000) })")
        // Snapshots are coalesced; give the last one time to go out.
        try await Task.sleep(for: .milliseconds(500))

        let ingest = try await get("http://127.0.0.1:\(ports.ingest)/v1/status", token: Self.token)
        let outcomes = ingest.json?["outcomes"] as? [String: Int] ?? [:]
        #expect(outcomes["accepted"] == expected.accepted)
        #expect(outcomes["duplicate"] == expected.duplicates)
        #expect(outcomes["stale"] == expected.stale)
        #expect(outcomes["rejected"] == expected.rejections.count)
        #expect(outcomes.values.reduce(0, +) == lines.count, "raw = accepted + duplicates + stale + rejected")
        #expect(expected.duplicates > 0 && expected.stale > 0 && expected.rejections.count > 20)

        let lists = expected.lists()
        for list in HarmList.allCases {
            let shown = list == .stopSearchWards ? wards.wards.count : 100
            let page = try await get(
                "http://127.0.0.1:\(ports.rank)/v1/lists/\(list.rawValue)?limit=\(shown)", token: Self.token)
            #expect(page.json?["asOf"] as? String == expected.clock.rfc3339)
            let entries = page.json?["entries"] as? [[String: Any]] ?? []
            let want = Array(lists[list]!.prefix(shown))
            #expect(entries.count == want.count, "\(list)")
            for (got, want) in zip(entries, want) {
                #expect(got["id"] as? String == want.id, "\(list) \(want)")
                #expect(Self.hundredths(got["score"]) == want.score.hundredths, "\(list) \(want)")
                #expect(got["offences"] as? Int == want.offences, "\(list) \(want)")
                if let components = want.dauntless {
                    let shown = got["components"] as? [String: Any]
                    #expect(shown?["victims"] as? Int == components.victims, "\(want)")
                    #expect(shown?["rfg"] as? Int == components.rfg, "\(want)")
                }
            }
        }

        // Every dead letter is on offences.rejected with the reason the recomputation expects.
        let reasons = try await deadLetterReasons(bootstrap: broker.bootstrap, count: expected.rejections.count)
        #expect(reasons.sorted() == expected.rejections.map(\.rawValue).sorted())
    }

    static func hundredths(_ value: Any?) -> Int64? {
        (value as? Double).map { Int64(($0 * 100).rounded()) } ?? (value as? Int).map { Int64($0) * 100 }
    }

    func deadLetterReasons(bootstrap: String, count: Int) async throws -> [String] {
        let consumer = try KafkaConsumer(
            configuration: ConsumerConfiguration(
                kafka: KafkaConfiguration(bootstrapServers: bootstrap), groupID: "pipeline-test-\(UUID())",
                topics: [TopicCatalogue().offencesRejected]),
            logger: testLogger)
        return await readMessages(from: consumer, count: count).compactMap { message in
            let json = try? JSONSerialization.jsonObject(with: Data(message.value ?? [])) as? [String: Any]
            return json?["reason"] as? String
        }
    }
}

/// What the pipeline should make of the lines, worked out without it: versions judged per crime in feed order,
/// the event clock as the latest occurredAt accepted, and the lists recomputed from the latest versions.
struct Recomputation {
    var accepted = 0
    var duplicates = 0
    var stale = 0
    var rejections: [Rejection.Reason] = []
    var latest: [String: OffenceRecord] = [:]
    var clock = Instant(milliseconds: 0)
    let table: HarmTable
    let wards: WardRegistry

    init(_ lines: [String], table: HarmTable, wards: WardRegistry) {
        self.table = table
        self.wards = wards
        let validator = OffenceValidator(harmTable: table, wards: wards, clockMode: .event)
        for line in lines {
            switch validator.validate(Array(line.utf8), receivedAt: .now) {
            case .failure(let rejection):
                rejections.append(rejection.reason)
            case .success(let record):
                guard let stored = latest[record.crimeRef] else {
                    accept(record)
                    continue
                }
                if record.version > stored.version {
                    accept(record)
                } else if record.version < stored.version {
                    stale += 1
                } else if record == stored {
                    duplicates += 1
                } else {
                    rejections.append(.versionConflict)
                }
            }
        }
    }

    private mutating func accept(_ record: OffenceRecord) {
        latest[record.crimeRef] = record
        accepted += 1
        clock = max(clock, record.occurredAt)
    }

    func lists() -> [HarmList: [BruteForce.Entry]] {
        BruteForce.lists(of: latest.values, table: table, wards: wards.wards.map(\.code), at: clock)
    }
}
