import Foundation
import Shared
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// Kafka is the system of record: an instance with no state file of its own (another host, a lost disk) rebuilds
/// a partition from the changelog rather than from the input's beginning, and goes on as the lost one would have.
@Suite(.serialized) struct RestoreTests {
    /// IngestService on an empty data directory takes over a partition another instance built, with its crimes,
    /// counts and position: a version it holds is not accepted again, a revision retracts what the restored version linked, and
    /// nothing is accepted twice.
    @Test(.timeLimit(.minutes(4)))
    func ingestServiceOnAnEmptyDataDirectoryRebuildsItsPartitionFromTheChangelog() async throws {
        let (broker, port) = try await RestartTests.stateOfFiveCrimes()
        let fresh = try temporaryDirectory()
        try "\(RestartTests.token) operator admin\n".write(
            to: fresh.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let ingest = "http://127.0.0.1:\(port)"
        let service = try ChildProcess(
            "IngestService", ["--http-port", String(port), "--bootstrap", broker.bootstrap],
            environment: ["HARMRANK_DATA_DIR": fresh.path])
        #expect(await eventually { (try? await get(ingest + "/health/ready"))?.status == 200 }, "\(service.errors.suffix(2000))")
        #expect(service.errors.contains("state rebuilt from Kafka"), "\(service.errors.suffix(2000))")
        let restored = try await get(ingest + "/v1/status", token: RestartTests.token)
        #expect(restored.json?["outcomes"] as? [String: Int] == ["accepted": 5], "\(restored.json ?? [:])")

        let occurredAt = ISO8601DateFormatter().string(from: Date() - 86_400)
        let revision = """
            {"crimeRef":"CR-2","version":2,"offenceCode":"8N","occurredAt":"\(occurredAt)","flags":["domestic"],\
            "suspects":["S-2B"],"victims":["V-CR-2"]}
            """
        let body = [
            RestartTests.domesticCrime("CR-1", suspect: "S-1", occurredAt: Date() - 86_400), revision,
            RestartTests.domesticCrime("CR-6", suspect: "S-6", occurredAt: Date() - 86_400),
        ].joined(separator: "\n")
        let answer = try await post(ingest + "/v1/offences", token: RestartTests.token, body: Data(body.utf8))
        let sent = String(decoding: answer.body, as: UTF8.self)
        // CR-1's version 1 again, with another time than the one held: a version conflict, not a new crime.
        let rejected = answer.json?["rejected"] as? [[String: Any]] ?? []
        #expect(answer.json?["accepted"] as? Int == 2 && rejected.first?["reason"] as? String == "version-conflict", "\(sent)")
        #expect(await RestartTests.hasAccepted(7, at: ingest), "\(service.errors.suffix(2000))")

        // The revision was judged against the rebuilt version: S-2 loses the crime.
        let links = try await readTopic(TopicCatalogue().linksSuspect, bootstrap: broker.bootstrap)
        let retracted = links.contains { String(decoding: $0.key ?? [], as: UTF8.self) == "S-2|CR-2" && $0.value == nil }
        #expect(retracted, "no retraction of S-2|CR-2 among \(links.count) links")
        let final = try await get(ingest + "/v1/status", token: RestartTests.token)
        #expect(final.json?["outcomes"] as? [String: Int] == ["accepted": 7], "\(final.json ?? [:])")
        #expect(final.json?["messagesMissing"] as? Int == 0)

        service.signal(SIGTERM)
        #expect(await service.exitStatus(within: .seconds(20)) == 0)
        broker.process.signal(SIGTERM)
        _ = await broker.process.exitStatus(within: .seconds(20))
    }

    /// ScoreService on an empty data directory rebuilds its windows from the links its predecessor scored, publishing
    /// nothing for them, and numbers its new scores above those its predecessor published, so readers, which skip a
    /// number they have passed as a repeat, apply them.
    @Test(.timeLimit(.minutes(4)))
    func scoreServiceOnAnEmptyDataDirectoryRebuildsFromTheLinksAndNumbersItsScoresAboveThosePublished() async throws {
        let broker = try await BrokerProcess.start(partitions: 1)
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrap, clientID: "restore-test")
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: testLogger)
        let topics = TopicCatalogue()
        func sendLink(_ suspect: String) async throws {
            let link = CrimeLink(
                crimeRef: "CR-\(suspect)", version: 1, offenceCode: "8N", harm: Harm(hundredths: 36_500),
                lists: ListSet([.vawg100, .violenceHarm]), occurredAt: .now - Instant.days(1), victims: ["V-1"])
            try await producer.send([LinkMessage.outgoing(.add(EntityRef(.suspect, suspect), link), topics: topics, partitionCount: 1)])
        }
        func scoreSequences() async throws -> [String: Int64] {
            try await readTopic(topics.scoresSuspect, bootstrap: broker.bootstrap).reduce(into: [:]) {
                if let value = $1.value, let score = try? EntityScore.decode(value) { $0[score.id] = score.sequence }
            }
        }
        func scoreService(_ directory: URL) throws -> ChildProcess {
            try "\(RestartTests.token) operator admin\n".write(
                to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
            return try ChildProcess(
                "ScoreService", ["--http-port", String(freePort()), "--bootstrap", broker.bootstrap],
                environment: ["HARMRANK_DATA_DIR": directory.path])
        }

        let first = try scoreService(try temporaryDirectory())
        try await sendLink("S-A")
        #expect(await eventually(within: .seconds(60)) { (try? await scoreSequences())?["S-A"] != nil }, "\(first.errors.suffix(2000))")
        first.signal(SIGTERM)
        #expect(await first.exitStatus(within: .seconds(20)) == 0)
        let before = try #require(try await scoreSequences()["S-A"])

        let second = try scoreService(try temporaryDirectory())
        try await sendLink("S-B")
        #expect(await eventually(within: .seconds(60)) { (try? await scoreSequences())?["S-B"] != nil }, "\(second.errors.suffix(2000))")
        // The second instance rebuilt S-A's window from the links the first had scored, without scoring it again.
        let sequences = try await scoreSequences()
        #expect(sequences["S-A"] == before && sequences["S-B"]! > before, "\(before): \(sequences)")
        #expect(second.errors.contains("1 link changes rebuilt from the topic"), "\(second.errors.suffix(2000))")
        #expect(second.errors.contains("score numbers continue above \(before)"), "\(second.errors.suffix(2000))")
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: .seconds(20)) == 0)
        broker.process.signal(SIGTERM)
        _ = await broker.process.exitStatus(within: .seconds(20))
    }
}
