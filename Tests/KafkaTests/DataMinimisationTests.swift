import Foundation
import HarmRankKafka
import Shared
import Testing

/// Minimisation you can prove: named records that age out of every window leave no trace in any file of the data
/// directory, nor in the live messages of the compacted topics, once the services have moved past them.
@Suite(.serialized) struct DataMinimisationTests {
    static let token = "minimisation-admin-0123456789"
    /// Every name the records carry: suspect, victim and crime references.
    static let names = ["TRACE-SUSPECT-7", "TRACE-VICTIM-7", "TRACE-CRIME-1", "TRACE-CRIME-2"]

    /// The files under `directory` holding any of `names`, with the name found.
    static func traces(in directory: URL) -> [String] {
        let files = FileManager.default.enumerator(at: directory, includingPropertiesForKeys: [.isRegularFileKey])?
            .compactMap { $0 as? URL } ?? []
        return files.flatMap { file -> [String] in
            guard let bytes = try? Data(contentsOf: file) else { return [] }
            return names.filter { bytes.range(of: Data($0.utf8)) != nil }.map { "\($0) in \(file.path)" }
        }
    }

    /// The live messages (the latest of each key, unless a tombstone) of every compacted topic that hold any of
    /// `names` in their key or value.
    static func traces(onTopicsAt bootstrap: String) async throws -> [String] {
        let topics = TopicCatalogue()
        var found: [String] = []
        for topic in [topics.linksSuspect, topics.linksPlace, topics.scoresSuspect, topics.crimesChangelog, topics.rankings,
                      topics.alertsChangelog] {
            var live: [String: KafkaMessage] = [:]
            for message in try await readTopic(topic, bootstrap: bootstrap) {
                let key = "\(message.partition)/\(String(decoding: message.key ?? [], as: UTF8.self))"
                live[key] = message.value == nil ? nil : message
            }
            for (key, message) in live {
                let text = key + String(decoding: message.value ?? [], as: UTF8.self)
                found += names.filter { text.contains($0) }.map { "\($0) in \(topic) key \(key): \(text.prefix(600))" }
            }
        }
        return found
    }

    @Test(.timeLimit(.minutes(8)))
    func namedRecordsThatAgeOutLeaveNoTraceInFilesOrCompactedTopics() async throws {
        let stack = try await TestStack.start(token: Self.token, principal: "dpo.test")
        defer { stack.stop() }
        let (directory, port, up) = (stack.directory, stack.port, stack.up)
        let base = stack.base("RankService")

        // An assault with injury and a burglary, by a named suspect against a named victim: links to the suspect, a
        // ward and a hotspot cell; not domestic, so no alert (alerts have a retention of their own, by wall clock).
        let records = [
            #"{"crimeRef":"TRACE-CRIME-1","version":1,"offenceCode":"8N","occurredAt":"2024-03-01T10:00:00Z","wardCode":"E05009317","#
                + #""suspects":["TRACE-SUSPECT-7"],"victims":["TRACE-VICTIM-7"]}"#,
            #"{"crimeRef":"TRACE-CRIME-2","version":1,"offenceCode":"28E","occurredAt":"2024-03-02T10:00:00Z","wardCode":"E05009317","#
                + #""lat":51.5310,"lon":-0.1060,"suspects":["TRACE-SUSPECT-7"],"victims":["TRACE-VICTIM-7"]}"#,
        ]
        let sent = try await post("http://127.0.0.1:\(port + 1)/v1/offences", token: Self.token, body: Data(records.joined(separator: "\n").utf8))
        #expect(sent.status == 202 && sent.json?["accepted"] as? Int == 2, "\(String(decoding: sent.body, as: UTF8.self))")
        func listed() async -> Bool {
            let page = try? await get(base + "/v1/lists/violence-harm?limit=1000", token: Self.token)
            return (page?.json?["entries"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "TRACE-SUSPECT-7" }
        }
        #expect(await eventually(within: .seconds(60)) { await listed() })
        // The search finds them while they count: in the services' state and on the compacted topics.
        let bootstrap = try stack.bootstrap()
        let whileCounting = try await Self.traces(onTopicsAt: bootstrap)
        for topic in ["links.suspect", "links.place", "scores.suspect", "crimes.changelog"] {
            #expect(whileCounting.contains { $0.contains("harmrank.\(topic) ") }, "\(topic): \(whileCounting)")
        }

        #expect(!Self.traces(in: directory.appendingPathComponent("state")).isEmpty)

        // A month of crimes more than a year later, in every partition: the clock moves past the named crimes' window.
        let later = directory.appendingPathComponent("later.ndjson")
        let generate = try ChildProcess(
            "harmrank", ["generate", "--crimes", "1500", "--start", "2025-06-01", "--days", "30", "--bad-share", "0", "-o", later.path])
        #expect(await generate.exitStatus(within: .seconds(60)) == 0, "\(generate.errors)")
        let publish = try ChildProcess("harmrank", ["publish", later.path, "--data-dir", directory.path])
        #expect(await publish.exitStatus(within: .seconds(120)) == 0, "\(publish.errors)")
        let lines = try String(contentsOf: later, encoding: .utf8).split(separator: "\n").count
        #expect(await pipelineSettled(judged: lines + 2, ingest: port + 1, all: Array(port..<port + 4), token: Self.token))
        #expect(await !listed())

        let onTopics = try await Self.traces(onTopicsAt: bootstrap)
        #expect(onTopics.isEmpty, "\(onTopics)")
        // Stopped, so that SQLite has checkpointed its write-ahead logs into the files and removed them.
        up.signal(SIGINT)
        #expect(await up.exitStatus(within: .seconds(60)) == 0)
        let inFiles = Self.traces(in: directory)
        #expect(inFiles.isEmpty, "\(inFiles)")
    }
}
