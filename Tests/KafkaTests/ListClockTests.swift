import Foundation
import Shared
import Testing

/// A list is as of the clock T when it is read, and so is every figure of its entries (CONTRACT.md section 4),
/// even for a suspect whose score has not been published again since the clock moved on.
@Suite struct ListClockTests {
    static let token = "list-clock-token-0123456789"

    @Test(.timeLimit(.minutes(4)))
    func aDauntlessEntryIsAsOfTheClockNowWhenTheClockMovesWithoutNewCrimesForTheSuspect() async throws {
        let broker = try await BrokerProcess.start(partitions: 2)
        let directory = broker.dataDirectory
        try "\(Self.token) analyst.kaur admin\n".write(
            to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let ports = (ingest: freePort(), score: freePort(), rank: freePort())
        let environment = ["HARMRANK_DATA_DIR": directory.path, "HARMRANK_CLOCK": "event"]
        let services = try [("IngestService", ports.ingest), ("ScoreService", ports.score), ("RankService", ports.rank)]
            .map { try ChildProcess($0.0, ["--http-port", String($0.1)], environment: environment) }
        defer {
            for service in services { service.signal(SIGTERM) }
            broker.process.signal(SIGTERM)
        }
        for port in [ports.ingest, ports.score, ports.rank] {
            #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/ready"))?.status == 200 })
        }
        // A domestic assault on 1 March, then crimes by someone else on 11 and 26 March: the clock moves, and the
        // first suspect's recency with it, with no new crime of theirs.
        let crimes = [
            (ref: "9000001/25", day: "2025-03-01", suspect: "CLOCK-S1", flags: #"["domestic"]"#),
            (ref: "9000002/25", day: "2025-03-11", suspect: "CLOCK-S2", flags: "[]"),
            (ref: "9000003/25", day: "2025-03-26", suspect: "CLOCK-S3", flags: "[]"),
        ]
        for (index, crime) in crimes.enumerated() {
            let record = #"{"crimeRef":"\#(crime.ref)","version":1,"offenceCode":"8N","occurredAt":"\#(crime.day)T10:00:00Z","flags":\#(crime.flags),"suspects":["\#(crime.suspect)"],"victims":["CLOCK-V"]}"#
            let answer = try await post(
                "http://127.0.0.1:\(ports.ingest)/v1/offences", token: Self.token, body: Data(record.utf8))
            #expect(answer.status == 202)
            #expect(
                await pipelineSettled(
                    judged: index + 1, ingest: ports.ingest, all: [ports.ingest, ports.score, ports.rank],
                    token: Self.token))
        }
        let clock = "2025-03-26T10:00:00.000Z"
        let reachedClock = await eventually {
            let page = try? await get("http://127.0.0.1:\(ports.rank)/v1/lists/dauntless", token: Self.token)
            return page?.json?["asOf"] as? String == clock
        }
        #expect(reachedClock)

        let page = try await get("http://127.0.0.1:\(ports.rank)/v1/lists/dauntless", token: Self.token)
        let entry = (page.json?["entries"] as? [[String: Any]] ?? []).first { $0["id"] as? String == "CLOCK-S1" }
        let components = try #require(entry?["components"] as? [String: Any], "\(page.json ?? [:])")
        // 25 whole days after 1 March: 30 recency points, 0 for one crime, 20 for a gravity of 365 days or more.
        #expect(components["recencyDays"] as? Int == 25, "\(components)")
        #expect(components["rfg"] as? Int == 50, "\(components)")
        let csv = String(
            decoding: try await get("http://127.0.0.1:\(ports.rank)/v1/lists/dauntless.csv", token: Self.token).body,
            as: UTF8.self)
        #expect(csv.split(separator: "\n").contains { $0.contains("CLOCK-S1") && $0.hasSuffix(",25,1,50") }, "\(csv)")
        let suspect = try await get("http://127.0.0.1:\(ports.rank)/v1/suspects/CLOCK-S1", token: Self.token)
        #expect(suspect.json?["asOf"] as? String == clock)
        let dauntless = (suspect.json?["lists"] as? [[String: Any]] ?? []).first { $0["list"] as? String == "dauntless" }
        #expect((dauntless?["components"] as? [String: Any])?["recencyDays"] as? Int == 25, "\(dauntless ?? [:])")
    }
}
