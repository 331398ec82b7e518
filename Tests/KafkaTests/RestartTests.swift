import Foundation
import GRDB
import Shared
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// State kept on disk is only ever continued on the log it was read from. The embedded broker's logs are new at
/// every start; a real cluster's topic can be deleted and created again. Either way nothing sent may be skipped.
@Suite(.serialized) struct RestartTests {
    static let token = "restart-token-0123456789"

    /// `harmrank up` restarted on its data dir (the default one is the same every time) keeps its state, reads the
    /// new logs from their beginnings, and processes what is sent afterwards through every service.
    @Test(.timeLimit(.minutes(6)))
    func harmrankUpRestartedOnItsDataDirectoryProcessesWhatIsSentAfterwards() async throws {
        let directory = try temporaryDirectory()
        let records = directory.appendingPathComponent("records.ndjson")
        let generate = try ChildProcess(
            "harmrank",
            ["generate", "--crimes", "600", "--days", "300", "--bad-share", "0",
             "--start", Self.day(daysAgo: 310), "--output", records.path])
        #expect(await generate.exitStatus(within: .seconds(60)) == 0, "\(generate.errors)")
        let base = freePorts(4)
        let ports = Array(base..<base + 4)
        let arguments = ["up", "--data-dir", directory.path, "--http-port", String(base)]

        let first = try ChildProcess("harmrank", arguments)
        let token = try await Self.readyStack(first, ports: ports, directory: directory)
        #expect(first.output.contains("no existing state"), "\(first.output)")
        let sent = try await post(
            "http://127.0.0.1:\(base + 1)/v1/offences", token: token, body: Data(contentsOf: records))
        let accepted = try #require(sent.json?["accepted"] as? Int, "\(sent.status) \(String(decoding: sent.body, as: UTF8.self))")
        #expect(await pipelineSettled(judged: accepted, ingest: base + 1, all: ports, token: token), "\(first.output.suffix(3000))")
        first.signal(SIGINT)
        #expect(await first.exitStatus(within: .seconds(30)) == 0, "\(first.output.suffix(3000))")

        let second = try ChildProcess("harmrank", arguments)
        _ = try await Self.readyStack(second, ports: ports, directory: directory)
        #expect(
            second.output.contains("resuming the existing state: \(accepted) offence records judged so far"),
            "\(second.output.prefix(2000))")
        let crime = Self.domesticCrime("CR-RESTART-1", suspect: "S-RESTART", occurredAt: Date() - 3_600)
        let answer = try await post("http://127.0.0.1:\(base + 1)/v1/offences", token: token, body: Data(crime.utf8))
        #expect(answer.json?["accepted"] as? Int == 1)

        let ranked = await eventually(within: .seconds(60)) {
            let list = try? await get("http://127.0.0.1:\(base)/v1/lists/vawg100?limit=100", token: token)
            return (list?.json?["entries"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "S-RESTART" }
        }
        #expect(ranked, "S-RESTART never reached vawg100: \(second.output.suffix(4000))")
        let suspect = try await get("http://127.0.0.1:\(base)/v1/suspects/S-RESTART", token: token)
        let lists = (suspect.json?["lists"] as? [[String: Any]] ?? []).compactMap { $0["list"] as? String }
        #expect(Set(lists) == ["vawg100", "violence-harm", "dauntless"], "\(lists)")
        let alerted = await eventually(within: .seconds(30)) {
            let alerts = try? await get("http://127.0.0.1:\(base + 2)/v1/alerts?status=open", token: token)
            return (alerts?.json?["alerts"] as? [[String: Any]] ?? []).contains { $0["suspect"] as? String == "S-RESTART" }
        }
        #expect(alerted, "no alert for S-RESTART")

        // Both runs' records are accounted for, every service read its new logs, and nothing went missing.
        #expect(await pipelineSettled(judged: accepted + 1, ingest: base + 1, all: ports, token: token))
        for port in ports {
            let status = try await get("http://127.0.0.1:\(port)/v1/status", token: token)
            #expect((status.json?["recordsProcessed"] as? Int ?? 0) > 0, "port \(port) read nothing after the restart")
            #expect(status.json?["messagesMissing"] as? Int == 0, "port \(port)")
        }
        let ingest = try await get("http://127.0.0.1:\(base + 1)/v1/status", token: token)
        #expect(ingest.json?["outcomes"] as? [String: Int] == ["accepted": accepted + 1])
        second.signal(SIGINT)
        #expect(await second.exitStatus(within: .seconds(30)) == 0)
    }

    /// On a cluster named with `--bootstrap`, state built on another incarnation of a topic stops the service
    /// with an error naming the partition, both offsets and the ways out, unless it is told to keep the state.
    @Test(.timeLimit(.minutes(4)))
    func aServiceRefusesStateBuiltOnAnotherIncarnationOfItsTopic() async throws {
        let (broker, port) = try await Self.stateOfFiveCrimes()
        let data = broker.dataDirectory
        let environment = ["HARMRANK_DATA_DIR": data.path]
        let ingest = "http://127.0.0.1:\(port)"

        // The same cluster, but a log that ends before the stored offset: as a topic deleted and created again.
        let state = data.appendingPathComponent("state/IngestService/harmrank.offences.raw-0.sqlite").path
        try Self.setStoredOffset(500, in: state)
        let shorter = try ChildProcess("IngestService", ["--http-port", String(port)], environment: environment)
        #expect(await shorter.exitStatus(within: .seconds(30)) ?? 0 != 0, "\(shorter.errors.suffix(2000))")
        for part in ["harmrank.offences.raw[0]", "stored next offset 500", "ends at offset 5", "--data-dir",
                     "--on-new-topic keep-state"] {
            #expect(shorter.errors.contains(part), "\(part): \(shorter.errors.suffix(2000))")
        }

        // Another cluster altogether.
        try Self.setStoredOffset(5, in: state)
        let other = try await BrokerProcess.start(partitions: 1)
        let moved = try ChildProcess(
            "IngestService", ["--http-port", String(port), "--bootstrap", other.bootstrap], environment: environment)
        #expect(await moved.exitStatus(within: .seconds(30)) ?? 0 != 0, "\(moved.errors.suffix(2000))")
        #expect(moved.errors.contains("the broker is now cluster"), "\(moved.errors.suffix(2000))")

        // Told to keep the state, it reads the other cluster's log from its beginning.
        let kept = try ChildProcess(
            "IngestService", ["--http-port", String(port), "--bootstrap", other.bootstrap, "--on-new-topic", "keep-state"],
            environment: environment)
        try await Self.send(1, from: 6, to: ingest)
        #expect(await Self.hasAccepted(6, at: ingest), "\(kept.errors.suffix(2000))")
        kept.signal(SIGTERM)
        #expect(await kept.exitStatus(within: .seconds(20)) == 0)
        for process in [broker.process, other.process] {
            process.signal(SIGTERM)
            _ = await process.exitStatus(within: .seconds(20))
        }
    }

    /// Messages the log deleted before the service read them (here the embedded broker's bounded log) are counted,
    /// logged as an error and fail readiness; they are never passed over in silence.
    @Test(.timeLimit(.minutes(4)))
    func messagesDeletedBeforeTheyWereReadAreCountedLoggedAndFailReadiness() async throws {
        let (broker, port) = try await Self.stateOfFiveCrimes()
        let data = broker.dataDirectory
        let environment = ["HARMRANK_DATA_DIR": data.path]
        let ingest = "http://127.0.0.1:\(port)"

        // While the service is away, more arrives than the broker keeps of a partition.
        let oldest = try await Self.overfill(broker)
        let second = try ChildProcess("IngestService", ["--http-port", String(port)], environment: environment)
        try await Self.expectLoss(of: 5..<oldest, reportedBy: ingest, second)
        #expect(second.errors.contains("deleted from the log before this service read them"))
        second.signal(SIGTERM)
        #expect(await second.exitStatus(within: .seconds(20)) == 0)
        broker.process.signal(SIGTERM)
        _ = await broker.process.exitStatus(within: .seconds(20))
    }

    /// The same loss met while reading, by a service paused for a few seconds (shorter than its group session):
    /// the consumer finds its next offset gone and the next message it reads lies past a gap.
    @Test(.timeLimit(.minutes(4)))
    func messagesDeletedWhileTheServiceWasPausedAreCountedWhenRead() async throws {
        let (broker, port) = try await Self.stateOfFiveCrimes()
        let ingest = "http://127.0.0.1:\(port)"
        let service = try ChildProcess(
            "IngestService", ["--http-port", String(port)], environment: ["HARMRANK_DATA_DIR": broker.dataDirectory.path])
        #expect(await eventually { (try? await get(ingest + "/health/ready"))?.status == 200 }, "\(service.errors)")
        service.signal(SIGSTOP)
        let oldest: Int64
        do {
            oldest = try await Self.overfill(broker)
        } catch {
            service.signal(SIGCONT)
            throw error
        }
        service.signal(SIGCONT)
        try await Self.expectLoss(of: 5..<oldest, reportedBy: ingest, service)
        #expect(service.errors.contains(PartitionedConsumerLog.offsetJump), "\(service.errors.suffix(2000))")
        service.signal(SIGTERM)
        #expect(await service.exitStatus(within: .seconds(20)) == 0)
        broker.process.signal(SIGTERM)
        _ = await broker.process.exitStatus(within: .seconds(20))
    }

    // MARK: helpers

    /// Waits until `up` serves every port ready, and returns its development token.
    static func readyStack(_ up: ChildProcess, ports: [Int], directory: URL) async throws -> String {
        for port in ports {
            #expect(await eventually(within: .seconds(90)) { (try? await get("http://127.0.0.1:\(port)/health/ready"))?.status == 200 },
                    "port \(port): \(up.output.suffix(3000))")
        }
        let tokens = try String(contentsOf: directory.appendingPathComponent("tokens.txt"), encoding: .utf8)
        return try #require(tokens.split(separator: "\n").last?.split(separator: " ").first.map(String.init))
    }

    /// A broker with one partition a topic, and IngestService's state of five crimes read from it, the service
    /// stopped again; returns the broker and the port the service used.
    static func stateOfFiveCrimes() async throws -> (BrokerProcess, Int) {
        let broker = try await BrokerProcess.start(partitions: 1)
        try "\(token) operator admin\n".write(
            to: broker.dataDirectory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let port = freePort()
        let ingest = "http://127.0.0.1:\(port)"
        let first = try ChildProcess(
            "IngestService", ["--http-port", String(port)], environment: ["HARMRANK_DATA_DIR": broker.dataDirectory.path])
        try await send(5, from: 1, to: ingest)
        #expect(await hasAccepted(5, at: ingest), "\(first.errors.suffix(2000))")
        first.signal(SIGTERM)
        #expect(await first.exitStatus(within: .seconds(20)) == 0)
        return (broker, port)
    }

    /// Writes to `offences.raw[0]` more than the embedded broker keeps of a partition, and returns the oldest
    /// offset it then holds.
    static func overfill(_ broker: BrokerProcess) async throws -> Int64 {
        let kafka = KafkaConfiguration(bootstrapServers: broker.bootstrap, clientID: "restart-test")
        let producer = try KafkaProducer(configuration: ProducerConfiguration(kafka: kafka), logger: testLogger)
        let filler = [UInt8](repeating: UInt8(ascii: "x"), count: 60_000)
        for batch in 0..<20 {
            try await producer.send((0..<10).map {
                OutgoingMessage(topic: "harmrank.offences.raw", key: "filler-\(batch)-\($0)", value: filler)
            })
        }
        let held = try await KafkaAdministration(configuration: kafka, logger: testLogger)
            .heldOffsets(of: [TopicPartition("harmrank.offences.raw", 0)]).values.first
        let oldest = try #require(held?.lowerBound)
        try #require(oldest > 5, "the broker kept every message (\(String(describing: held))); the test needs it to drop some")
        return oldest
    }

    /// IngestService counts `lost` in /v1/status and /metrics, fails readiness and logs an error.
    static func expectLoss(of lost: Range<Int64>, reportedBy ingest: String, _ service: ChildProcess) async throws {
        let counted = await eventually {
            let status = try? await get(ingest + "/v1/status", token: token)
            return status?.json?["messagesMissing"] as? Int == lost.count
        }
        #expect(counted, "\(service.errors.suffix(2000))")
        let status = try await get(ingest + "/v1/status", token: token)
        let missing = status.json?["missing"] as? [[String: Any]] ?? []
        #expect(
            missing.count == 1 && missing.first?["fromOffset"] as? Int == Int(lost.lowerBound)
                && missing.first?["toOffset"] as? Int == Int(lost.upperBound), "\(missing)")
        let ready = try await get(ingest + "/health/ready")
        #expect(ready.status == 503 && ready.json?["error"] as? String == "messages-missing", "\(ready.json ?? [:])")
        let metrics = String(decoding: try await get(ingest + "/metrics", token: token).body, as: UTF8.self)
        #expect(metrics.contains("harmrank_messages_missing \(lost.count)"), "\(metrics)")
        #expect(service.errors.contains(" error "), "\(service.errors.suffix(2000))")
    }

    static func day(daysAgo days: Int) -> String {
        ISO8601DateFormatter().string(from: Date() - Double(days) * 86_400).prefix(10).description
    }

    static func domesticCrime(_ crimeRef: String, suspect: String, occurredAt: Date) -> String {
        """
        {"crimeRef":"\(crimeRef)","version":1,"offenceCode":"8N","occurredAt":"\(ISO8601DateFormatter().string(from: occurredAt))",\
        "flags":["domestic"],"suspects":["\(suspect)"],"victims":["V-\(crimeRef)"]}
        """
    }

    /// Sends `count` crimes numbered from `first` to IngestService once it answers.
    static func send(_ count: Int, from first: Int, to ingest: String) async throws {
        #expect(await eventually { (try? await get(ingest + "/health/ready"))?.status == 200 })
        let body = (first..<first + count).map {
            domesticCrime("CR-\($0)", suspect: "S-\($0)", occurredAt: Date() - 86_400)
        }.joined(separator: "\n")
        let answer = try await post(ingest + "/v1/offences", token: token, body: Data(body.utf8))
        #expect(answer.json?["accepted"] as? Int == count, "\(String(decoding: answer.body, as: UTF8.self))")
    }

    /// Whether IngestService's consumer comes to have accepted `expected` records in all.
    static func hasAccepted(_ expected: Int, at ingest: String) async -> Bool {
        await eventually {
            let status = try? await get(ingest + "/v1/status", token: token)
            return (status?.json?["outcomes"] as? [String: Int])?["accepted"] == expected
        }
    }

    static func setStoredOffset(_ offset: Int64, in path: String) throws {
        try DatabaseQueue(path: path).write { db in
            try db.execute(sql: "UPDATE partitionOffset SET nextOffset = ?", arguments: [offset])
        }
    }
}
