import Crypto
import Foundation
import Shared
import TestSupport
import Testing
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// The pipeline as it runs: the broker and the four services as separate processes on the event clock, fed a
/// generated London data set through `harmrank publish`, then three planted Dauntless+ scenarios through
/// `POST /v1/offences`, one record at a time as they would be reported. When
/// nothing is left to read, every list must equal a recomputation from scratch, every bad record must be
/// dead-lettered with its reason, the counts must reconcile, and each planted scenario must have raised its alert
/// once, on the topic, at the webhook (signed) and in the API, routed to the units covering its wards (the Met's
/// command units), where a supervisor acknowledges and assigns one and the officer it was assigned to closes it.
@Suite(.serialized) struct PipelineTests {
    static let token = "pipeline-token-0123456789"
    static let supervisorToken = "supervisor-token-0123456789"
    static let analystToken = "analyst-token-0123456789"
    static let officerToken = "officer-token-0123456789"
    static let webhookSecret = "webhook-secret-for-tests"

    typealias Scenario = (suspect: String, kind: Alert.Kind, records: [String], units: [String])

    /// A suspect who escalates, one who gains a second victim, and one who enters the cohort, in late December. The
    /// last commits enough domestic rapes to score above `cohortThreshold` (the 100th Dauntless+ score before).
    static func planted(cohortThreshold: Harm) -> [Scenario] {
        func record(_ number: Int, _ code: String, day: Int, _ suspect: String, victim: String, ward: String? = nil) -> String {
            let place = ward.map { #","wardCode":"\#($0)""# } ?? ""
            return #"{"crimeRef":"\#(7_000_000 + number)/25","version":1,"offenceCode":"\#(code)","occurredAt":"2025-12-\#(day)T10:00:00Z","flags":["domestic"],"suspects":["\#(suspect)"],"victims":["\#(victim)"]\#(place)}"#
        }
        let (islington, sutton, camden) = ("E05013697", "E05013754", "E05013652")
        var rapes = 1
        while true {
            let harm = Harm(days: 2555 * Int64(rapes))
            let rfg = 40 + DauntlessComponents.frequencyPoints(rapes) + 30
            if harm.hundredths * Int64(100 + rfg) / 100 > cohortThreshold.hundredths { break }
            rapes += 1
        }
        return [
            ("PLANT-ESC", .escalation, [
                record(1, "105A", day: 10, "PLANT-ESC", victim: "PLANT-V1", ward: islington),
                record(2, "8N", day: 17, "PLANT-ESC", victim: "PLANT-V1", ward: sutton),
            ], ["central-north", "south"]),
            ("PLANT-NV", .newVictim, [
                record(3, "8L", day: 11, "PLANT-NV", victim: "PLANT-V2", ward: camden), record(4, "8L", day: 18, "PLANT-NV", victim: "PLANT-V3"),
            ], ["central-north"]),
            ("PLANT-COH", .enteredCohort, (0..<rapes).map { record(10 + $0, "19C", day: 10 + $0 % 18, "PLANT-COH", victim: "PLANT-V4") },
             ["unassigned"]),
        ]
    }

    @Test(.timeLimit(.minutes(30)))
    func generatedRecordsGiveExactlyTheRecomputedListsAndEveryBadRecordIsDeadLettered() async throws {
        var options = LondonGenerator.Options(start: try Instant.parseRFC3339("2025-01-01T00:00:00Z").get())
        options.seed = 11
        options.crimes = 190_000
        options.badShare = 0.001
        let wards = try WardRegistry.shipped()
        let table = try HarmTable.shipped()
        let generated = LondonGenerator(options: options, wards: wards, harmTable: table).lines()
            .flatMap { $0.text.split(separator: "\n").map(String.init) }
        let before = Recomputation(generated, table: table, wards: wards).lists()[.dauntless]!
        let planted = Self.planted(cohortThreshold: before.count >= 100 ? before[99].score : .zero)
        let lines = generated + planted.flatMap(\.records)
        let expected = Recomputation(lines, table: table, wards: wards)
        #expect(lines.count >= 200_000)

        let broker = try await BrokerProcess.start(partitions: 8)
        let directory = broker.dataDirectory
        let tokens = [
            "\(Self.token) pipeline admin", "\(Self.supervisorToken) sergeant.lee supervisor",
            "\(Self.analystToken) analyst.kaur analyst", "\(Self.officerToken) pc.khan analyst",
        ]
        try (tokens.joined(separator: "\n") + "\n").write(
            to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let webhook = WebhookReceiver()
        defer { webhook.stop() }
        // The Met's units, Central North with a webhook of its own.
        let centralNorth = WebhookReceiver()
        defer { centralNorth.stop() }
        let unitsFile = directory.appendingPathComponent("units.csv")
        try TaskingUnits.metropolitanCommandUnitsFile()
            .replacingOccurrences(of: "Camden;Islington,", with: "Camden;Islington,\(centralNorth.url)")
            .write(to: unitsFile, atomically: true, encoding: .utf8)
        let ports = (ingest: freePort(), score: freePort(), rank: freePort(), notify: freePort())
        let environment = [
            "HARMRANK_DATA_DIR": directory.path, "HARMRANK_CLOCK": "event", "HARMRANK_PUBLISH_INTERVAL_MS": "100",
            "HARMRANK_WEBHOOKS": webhook.url, "HARMRANK_WEBHOOK_SECRET": Self.webhookSecret,
            "HARMRANK_DOWNSTREAM_MAX_LAG": "500", "HARMRANK_UNITS": unitsFile.path,
        ]
        var services = try [
            ("IngestService", ports.ingest), ("ScoreService", ports.score), ("RankService", ports.rank),
            ("NotifyService", ports.notify),
        ].map { name, port in try ChildProcess(name, ["--http-port", String(port)], environment: environment) }
        defer {
            for service in services { service.signal(SIGTERM) }
            broker.process.signal(SIGTERM)
        }
        for port in [ports.ingest, ports.score, ports.rank, ports.notify] {
            #expect(await eventually { (try? await get("http://127.0.0.1:\(port)/health/ready"))?.status == 200 })
        }

        let file = directory.appendingPathComponent("records.ndjson")
        try (generated.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
        let publish = try ChildProcess("harmrank", ["publish", "--data-dir", directory.path, file.path])
        func judgedByIngest() async -> Int {
            let status = try? await get("http://127.0.0.1:\(ports.ingest)/v1/status", token: Self.token)
            return (status?.json?["outcomes"] as? [String: Int] ?? [:]).values.reduce(0, +)
        }
        // ScoreService killed outright mid-backfill publishes again, from its last commit and batched anew, what it
        // had published since: the lists and every ward's crimes below must come out exact all the same.
        #expect(await eventually(within: .seconds(600)) { await judgedByIngest() >= 60_000 })
        services[1].signal(SIGKILL)
        _ = await services[1].exitStatus(within: .seconds(10))
        services[1] = try ChildProcess("ScoreService", ["--http-port", String(ports.score)], environment: environment)
        // IngestService killed outright, with its partitions' batches applied side by side: each partition replays
        // from its own last commit and sends its links again; the counts below must reconcile all the same.
        #expect(await eventually(within: .seconds(600)) { await judgedByIngest() >= 120_000 })
        services[0].signal(SIGKILL)
        _ = await services[0].exitStatus(within: .seconds(10))
        services[0] = try ChildProcess("IngestService", ["--http-port", String(ports.ingest)], environment: environment)
        #expect(await publish.exitStatus(within: .seconds(1200)) == 0, "\(publish.errors)")
        let allPorts = [ports.ingest, ports.score, ports.rank, ports.notify]
        #expect(await pipelineSettled(judged: generated.count, ingest: ports.ingest, all: allPorts, token: Self.token), "\(services.map { $0.errors.suffix(2000) })")

        // The planted records one at a time, each applied everywhere before the next is reported.
        var judged = generated.count
        for record in planted.flatMap(\.records) {
            let answer = try await post(
                "http://127.0.0.1:\(ports.ingest)/v1/offences", token: Self.token, body: Data(record.utf8))
            #expect(answer.status == 202)
            #expect(answer.json?["accepted"] as? Int == 1, "\(answer.json ?? [:])")
            judged += 1
            #expect(await pipelineSettled(judged: judged, ingest: ports.ingest, all: allPorts, token: Self.token))
        }
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
        for list in HarmList.scoredFromCrimes {
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
                    #expect(shown?["recencyDays"] as? Int == Int(components.recencyDays), "\(want)")
                }
            }
        }

        // Every ward's crimes, as RankService kept them from ScoreService's changes, are those its score counts.
        for want in lists[.stopSearchWards]! {
            let ward = try await get("http://127.0.0.1:\(ports.rank)/v1/wards/\(want.id)", token: Self.token)
            let crimes = ward.json?["offences"] as? [[String: Any]] ?? []
            #expect(crimes.count == want.offences, "\(want.id)")
            #expect(crimes.compactMap { Self.hundredths($0["cchiDays"]) }.reduce(0, +) == want.score.hundredths, "\(want.id)")
        }

        // The top cells' explanations add up to their scores: near repeats around them and, as the default model's
        // background, each of the cell's own crimes of the past 365 days (the list's crime count).
        for want in lists[.hotspots]!.prefix(10) {
            let cell = try await get("http://127.0.0.1:\(ports.rank)/v1/cells/\(want.id)", token: Self.token)
            let json = try #require(cell.json, "\(want.id): \(cell.body)")
            #expect(json["model"] as? String == "default" && json["rank"] != nil, "\(want.id)")
            #expect(Self.hundredths(json["score"]) == want.score.hundredths, "\(want.id)")
            let crimes = json["crimes"] as? [[String: Any]] ?? []
            let parts = crimes.map { ($0["nearRepeat"] as? Double ?? 0) + ($0["background"] as? Double ?? 0) }
            #expect(abs(parts.reduce(0, +) - (json["risk"] as? Double ?? -1)) < 1e-6, "\(want.id)")
            #expect(crimes.filter { ($0["background"] as? Double ?? 0) > 0 }.count == want.offences, "\(want.id)")
            #expect(crimes.allSatisfy { expected.latest[$0["crimeRef"] as? String ?? ""] != nil }, "\(want.id)")
        }
        #expect(try await get("http://127.0.0.1:\(ports.rank)/v1/cells/E1N2", token: Self.token).status == 404)

        // The last snapshot of each list on `rankings` is what the API shows, at the version it reports.
        let versions = Dictionary(uniqueKeysWithValues: (try await get(
            "http://127.0.0.1:\(ports.rank)/v1/lists", token: Self.token).json?["lists"] as? [[String: Any]] ?? []
        ).compactMap { list in (list["name"] as? String).map { ($0, list["version"] as? Int ?? -1) } })
        let snapshots = try await latestSnapshots(bootstrap: broker.bootstrap)
        for list in HarmList.scoredFromCrimes {
            let snapshot = try #require(snapshots[list.rawValue], "no snapshot of \(list)")
            #expect(snapshot.version == Int64(versions[list.rawValue] ?? -1))
            let shown = list == .stopSearchWards ? wards.wards.count : 100
            #expect(snapshot.entries.map(\.id) == lists[list]!.prefix(shown).map(\.id), "\(list)")
        }

        // Roles: sending records needs the ingest role.
        #expect(try await post("http://127.0.0.1:\(ports.ingest)/v1/offences", token: Self.analystToken).status == 403)

        // The terminal view shows the same list.
        let top = try ChildProcess(
            "harmrank", ["top", "dauntless", "--limit", "5", "--url", "http://127.0.0.1:\(ports.rank)", "--token", Self.token])
        #expect(await top.exitStatus(within: .seconds(30)) == 0, "\(top.errors)")
        let rows = top.output.split(separator: "\n").dropFirst(2)
        #expect(rows.map { $0.split(separator: " ")[1] } == lists[.dauntless]!.prefix(5).map { Substring($0.id) }, "\(top.output)")

        // Every dead letter is on offences.rejected with the reason the recomputation expects.
        let reasons = try await deadLetterReasons(bootstrap: broker.bootstrap)
        #expect(reasons.sorted() == expected.rejections.map(\.rawValue).sorted())

        try await checkAlerts(planted, notify: "http://127.0.0.1:\(ports.notify)", webhook: webhook, bootstrap: broker.bootstrap)
        try await RoutingCheck.check(
            notify: "http://127.0.0.1:\(ports.notify)", token: Self.analystToken, lines: lines,
            units: String(contentsOf: unitsFile, encoding: .utf8))
        // A unit's webhook gets its alerts, signed, and no other.
        let routed = try await get("http://127.0.0.1:\(ports.notify)/v1/alerts?unit=central-north", token: Self.analystToken)
        let ofUnit = Set((routed.json?["alerts"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        #expect(!ofUnit.isEmpty)
        #expect(await eventually(within: .seconds(30)) { Set(centralNorth.deliveries.compactMap(\.alertID)) == ofUnit },
                "\(centralNorth.deliveries.count) deliveries to Central North for \(ofUnit.count) alerts")
        let key = SymmetricKey(data: Data(Self.webhookSecret.utf8))
        #expect(centralNorth.deliveries.allSatisfy { delivery in
            delivery.signature == "sha256=" + HMAC<SHA256>.authenticationCode(for: delivery.body, using: key).map { String(format: "%02x", $0) }.joined()
        })
        try await checkWorkflow(notify: "http://127.0.0.1:\(ports.notify)", bootstrap: broker.bootstrap)

        // RankService killed outright comes back with the same lists, from its own state.
        let listsBefore = try await HarmList.scoredFromCrimes.asyncMap { list in
            try await get("http://127.0.0.1:\(ports.rank)/v1/lists/\(list.rawValue)?limit=1000", token: Self.token).body
        }
        services[2].signal(SIGKILL)
        _ = await services[2].exitStatus(within: .seconds(10))
        let restarted = try ChildProcess("RankService", ["--http-port", String(ports.rank)], environment: environment)
        defer { restarted.signal(SIGTERM) }
        // The group first waits out the killed member's session, then the state of every partition is read back:
        // in a debug build on two busy cores that can pass half a minute.
        #expect(await eventually(within: .seconds(120)) {
            (try? await get("http://127.0.0.1:\(ports.rank)/health/ready"))?.status == 200
        })
        let listsAfter = try await HarmList.scoredFromCrimes.asyncMap { list in
            try await get("http://127.0.0.1:\(ports.rank)/v1/lists/\(list.rawValue)?limit=1000", token: Self.token).body
        }
        #expect(listsAfter == listsBefore, "\(restarted.errors.suffix(2000))")
    }

    func checkAlerts(_ planted: [Scenario], notify: String, webhook: WebhookReceiver, bootstrap: String) async throws {
        let all = try await get(notify + "/v1/alerts", token: Self.analystToken).json?["alerts"] as? [[String: Any]] ?? []
        #expect(!all.isEmpty)
        var plantedIDs: [String] = []
        for scenario in planted {
            let raised = all.filter {
                $0["suspect"] as? String == scenario.suspect && $0["kind"] as? String == scenario.kind.rawValue
            }
            #expect(raised.count == 1, "\(scenario.suspect) \(scenario.kind): \(all.filter { $0["suspect"] as? String == scenario.suspect })")
            let crimes = (raised.first?["crimes"] as? [[String: Any]] ?? []).compactMap { $0["crimeRef"] as? String }
            #expect(!crimes.isEmpty, "\(scenario.suspect): the alert names the crimes behind it")
            #expect((raised.first?["components"] as? [String: Any])?["rfg"] != nil)
            #expect(raised.first?["units"] as? [String] == scenario.units, "\(scenario.suspect): routed by \(raised.first?["wards"] ?? "-")")
            if let id = raised.first?["id"] as? String { plantedIDs.append(id) }
        }

        // Every alert reaches the webhook, signed, and the alerts topic.
        let delivered = await eventually(within: .seconds(30)) { webhook.deliveries.count >= all.count }
        #expect(delivered, "\(webhook.deliveries.count) of \(all.count) alerts reached the webhook")
        let key = SymmetricKey(data: Data(Self.webhookSecret.utf8))
        for delivery in webhook.deliveries {
            let expected = "sha256=" + HMAC<SHA256>.authenticationCode(for: delivery.body, using: key)
                .map { String(format: "%02x", $0) }.joined()
            #expect(delivery.signature == expected)
            let id = (try? JSONSerialization.jsonObject(with: delivery.body) as? [String: Any])?["id"] as? String
            #expect(delivery.alertID != nil && delivery.alertID == id, "X-HarmRank-Alert-Id names the alert delivered")
        }
        let deliveredIDs = Set(webhook.deliveries.compactMap {
            (try? JSONSerialization.jsonObject(with: $0.body) as? [String: Any])?["id"] as? String
        })
        #expect(Set(plantedIDs).isSubset(of: deliveredIDs))
        let onTopic = try await readTopic(TopicCatalogue().alertsDauntless, bootstrap: bootstrap, count: all.count)
        #expect(onTopic.count == all.count)

        // An analyst may not acknowledge; a supervisor may, and the API records who.
        let id = try #require(plantedIDs.first)
        #expect(try await post(notify + "/v1/alerts/\(id)/acknowledge", token: Self.analystToken).status == 403)
        let acknowledged = try await post(notify + "/v1/alerts/\(id)/acknowledge", token: Self.supervisorToken)
        #expect(acknowledged.status == 200)
        #expect(acknowledged.json?["acknowledgedBy"] as? String == "sergeant.lee")
        let closed = try await get(notify + "/v1/alerts?status=acknowledged", token: Self.analystToken)
        #expect((closed.json?["alerts"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        let open = try await get(notify + "/v1/alerts?status=open", token: Self.analystToken)
        #expect((open.json?["alerts"] as? [[String: Any]])?.count == all.count - 1)
    }

    /// The rest of an alert's life through the API: assigned by a supervisor, closed by the officer it was assigned
    /// to, each step refused with a precise answer when it is out of turn or not the caller's to take, and each
    /// version on the alerts topic once.
    func checkWorkflow(notify: String, bootstrap: String) async throws {
        let acknowledged = try await get(notify + "/v1/alerts?status=acknowledged", token: Self.analystToken)
        let id = try #require((acknowledged.json?["alerts"] as? [[String: Any]])?.first?["id"] as? String)
        let open = try #require(
            (try await get(notify + "/v1/alerts?status=open", token: Self.analystToken).json?["alerts"] as? [[String: Any]])?
                .first?["id"] as? String)
        func step(_ action: String, _ alert: String, _ body: String, token: String) async throws -> (status: Int, json: [String: Any]?) {
            let answer = try await post(notify + "/v1/alerts/\(alert)/\(action)", token: token, body: Data(body.utf8))
            return (answer.status, answer.json)
        }
        let assignee = #"{"assignee":"pc.khan"}"#
        #expect(try await step("assign", id, assignee, token: Self.analystToken).status == 403, "an analyst may not assign")
        let early = try await step("assign", open, assignee, token: Self.supervisorToken)
        #expect(early.status == 409 && early.json?["error"] as? String == "invalid-transition", "\(early.json ?? [:])")
        #expect(try await step("close", id, #"{"outcome":"arrest"}"#, token: Self.supervisorToken).status == 409, "not before assigned")
        #expect(try await step("assign", id, "{}", token: Self.supervisorToken).json?["detail"] as? String == "'assignee' is required: a string")
        #expect(try await step("assign", id, "not json", token: Self.supervisorToken).status == 400)
        #expect(try await step("assign", "no-such-alert", assignee, token: Self.supervisorToken).status == 404)
        let assigned = try await step("assign", id, assignee, token: Self.supervisorToken)
        #expect(assigned.status == 200 && assigned.json?["status"] as? String == "assigned" && assigned.json?["assignedBy"] as? String == "sergeant.lee")
        #expect(try await step("close", id, #"{"outcome":"arrest"}"#, token: Self.analystToken).status == 403, "neither supervisor nor assignee")
        let unknown = try await step("close", id, #"{"outcome":"shrug"}"#, token: Self.officerToken)
        #expect(unknown.status == 400 && (unknown.json?["detail"] as? String)?.contains("safeguarding-referral") == true)
        let closed = try await step(
            "close", id, #"{"outcome":"safeguarding-referral","note":"referred to the IDVA"}"#, token: Self.officerToken)
        #expect(closed.status == 200 && closed.json?["status"] as? String == "closed" && closed.json?["closedBy"] as? String == "pc.khan")
        #expect(closed.json?["version"] as? Int == 4 && closed.json?["note"] as? String == "referred to the IDVA")
        #expect(try await step("close", id, #"{"outcome":"arrest"}"#, token: Self.supervisorToken).status == 409, "closed once")
        let listed = try await get(notify + "/v1/alerts?status=closed", token: Self.analystToken)
        #expect((listed.json?["alerts"] as? [[String: Any]])?.compactMap { $0["id"] as? String } == [id])
        #expect(try await get(notify + "/v1/alerts?unit=nowhere", token: Self.analystToken).status == 400)
        #expect(try await get(notify + "/v1/alerts?status=done", token: Self.analystToken).status == 400)

        // The leader publishes each version once: raised, acknowledged, assigned, closed.
        var versions: [Int] = []
        _ = await eventually(within: .seconds(90)) {
            let messages = (try? await readTopic(TopicCatalogue().alertsDauntless, bootstrap: bootstrap)) ?? []
            versions = messages.compactMap { $0.value.flatMap { try? JSONDecoder().decode(Alert.self, from: Data($0)) } }
                .filter { $0.id == id }.map(\.version)
            return versions.count >= 4
        }
        #expect(versions == [1, 2, 3, 4])
    }

    static func hundredths(_ value: Any?) -> Int64? {
        (value as? Double).map { Int64(($0 * 100).rounded()) } ?? (value as? Int).map { Int64($0) * 100 }
    }

    /// The last `rankings` message of each list.
    func latestSnapshots(bootstrap: String) async throws -> [String: RankingMessage] {
        var latest: [String: RankingMessage] = [:]
        for message in try await readTopic(TopicCatalogue().rankings, bootstrap: bootstrap) {
            guard let snapshot = try? RankingMessage.decode(message.value ?? []) else { continue }
            latest[snapshot.list] = snapshot
        }
        return latest
    }

    /// The reason of each dead letter on `offences.rejected`, once per record: IngestService killed between
    /// sending a batch and committing it judges the batch again and sends its dead letters again, and `source`
    /// (topic, partition, offset) says which record a dead letter is about.
    func deadLetterReasons(bootstrap: String) async throws -> [String] {
        var reasonBySource: [String: String] = [:]
        var reasons: [String] = []
        for message in try await readTopic(TopicCatalogue().offencesRejected, bootstrap: bootstrap) {
            let json = try? JSONSerialization.jsonObject(with: Data(message.value ?? [])) as? [String: Any]
            guard let reason = json?["reason"] as? String, let source = json?["source"] as? String else {
                Issue.record("a dead letter without reason or source: \(message)")
                continue
            }
            if source != "http", let earlier = reasonBySource.updateValue(reason, forKey: source) {
                #expect(earlier == reason, "\(source) dead-lettered again for another reason")
                continue
            }
            reasons.append(reason)
        }
        return reasons
    }
}

extension Array {
    func asyncMap<T>(_ transform: (Element) async throws -> T) async rethrows -> [T] {
        var result: [T] = []
        for element in self { result.append(try await transform(element)) }
        return result
    }
}
