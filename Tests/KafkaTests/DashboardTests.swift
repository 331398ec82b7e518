import Foundation
import Shared
import Testing

/// The dashboard in a real headless Chromium against a running stack (`harmrank up` on the event clock, fed a
/// generated year): what the page shows is what the API returns. Screenshots of each view are written to
/// `.build/dashboard-screenshots/` for people to look at.
@Suite(.serialized) struct DashboardTests {
    static let screenshots = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/dashboard-screenshots")

    /// The stack, fed and settled, with the page's address and tokens.
    struct Stack {
        let up: ChildProcess
        let base: String
        /// Admin: may do everything, acknowledging alerts included.
        let token: String
        let analystToken: String
        /// The generated year it was fed, and the units file its alerts are routed by.
        let records: URL
        let units: URL
        var notify: String { "http://127.0.0.1:\(Int(base.split(separator: ":").last!)! + 2)" }
        var ingest: String { "http://127.0.0.1:\(Int(base.split(separator: ":").last!)! + 1)" }
    }

    static func startStack() async throws -> Stack {
        let directory = try temporaryDirectory()
        let port = freePort()
        let (token, analystToken) = ("dashboard-admin-0123456789", "dashboard-analyst-0123456789")
        try "\(token) sergeant.lee admin\n\(analystToken) analyst.kaur analyst\n"
            .write(to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let units = directory.appendingPathComponent("met-units.csv")
        try TaskingUnits.metropolitanCommandUnitsFile().write(to: units, atomically: true, encoding: .utf8)
        let up = try ChildProcess(
            "harmrank",
            ["up", "--clock", "event", "--data-dir", directory.path, "--http-port", String(port), "--units", units.path])
        let base = "http://127.0.0.1:\(port)"
        #expect(await eventually(within: .seconds(120)) { (try? await get(base + "/health/ready"))?.status == 200 }, "\(up.output)")

        let records = directory.appendingPathComponent("records.ndjson")
        let generate = try ChildProcess(
            "harmrank", ["generate", "--crimes", "20000", "--start", "2025-01-01", "--bad-share", "0", "-o", records.path])
        #expect(await generate.exitStatus(within: .seconds(120)) == 0, "\(generate.errors)")
        let publish = try ChildProcess("harmrank", ["publish", records.path, "--data-dir", directory.path])
        #expect(await publish.exitStatus(within: .seconds(300)) == 0, "\(publish.errors)")

        // Settled: every record judged and nothing left to read anywhere, so the API's lists are final.
        let lines = try String(contentsOf: records, encoding: .utf8).split(separator: "\n").count
        #expect(await pipelineSettled(judged: lines, ingest: port + 1, all: Array(port..<port + 4), token: token), "\(up.output.suffix(2000))")
        return Stack(up: up, base: base, token: token, analystToken: analystToken, records: records, units: units)
    }

    /// The page after its requests have finished, as Chromium's DOM, with a screenshot of the same view.
    static func render(_ stack: Stack, _ query: String, screenshot name: String) async throws -> String {
        let url = "\(stack.base)/?\(query)&live=off#token=\(stack.token)"
        let flags = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000",
                     "--virtual-time-budget=10000"]
        try FileManager.default.createDirectory(at: screenshots, withIntermediateDirectories: true)
        let shot = try ChildProcess("chromium", flags + ["--screenshot=\(screenshots.appendingPathComponent("\(name).png").path)", url])
        #expect(await shot.exitStatus(within: .seconds(90)) == 0, "\(shot.errors.suffix(2000))")
        let dump = try ChildProcess("chromium", flags + ["--dump-dom", url])
        #expect(await dump.exitStatus(within: .seconds(90)) == 0, "\(dump.errors.suffix(2000))")
        return dump.output
    }

    /// Every `attribute="value"` of each element carrying `marker`, in document order.
    static func elements(_ html: String, marker: String, attributes: [String]) -> [[String: String]] {
        html.components(separatedBy: "<").filter { $0.contains(marker) }.map { element in
            var values: [String: String] = [:]
            for attribute in attributes {
                guard let start = element.range(of: "\(attribute)=\"") else { continue }
                let rest = element[start.upperBound...]
                values[attribute] = String(rest[..<(rest.firstIndex(of: "\"") ?? rest.endIndex)])
                    .replacingOccurrences(of: "&amp;", with: "&")
            }
            return values
        }
    }

    @Test(.timeLimit(.minutes(15)))
    func thePageShowsWhatTheAPIReturnsExplainsScoresAndDrawsEveryWard() async throws {
        let version = try? ChildProcess("chromium", ["--version"])
        try #require(await version?.exitStatus(within: .seconds(30)) == 0, "Chromium is needed: apt-get install chromium")
        let stack = try await Self.startStack()
        defer { stack.up.signal(SIGINT) }

        // Each list's table holds the API's entries: ids, ranks, scores and crime counts, in order.
        for list in ["vawg100", "violence-harm", "stop-search-wards", "dauntless", "hotspots"] {
            let page = try await get("\(stack.base)/v1/lists/\(list)?limit=100", token: stack.token)
            let entries = page.json?["entries"] as? [[String: Any]] ?? []
            #expect(!entries.isEmpty, "\(list)")
            let html = try await Self.render(stack, "view=\(list)", screenshot: "list-\(list)")
            let rows = Self.elements(html, marker: "tr data-id=", attributes: ["data-id", "data-rank", "data-score", "data-offences"])
            #expect(rows.map { $0["data-id"] ?? "" } == entries.map { $0["id"] as? String ?? "?" }, "\(list)")
            #expect(rows.map { $0["data-rank"] ?? "" } == entries.map { "\($0["rank"] ?? "?")" }, "\(list)")
            #expect(rows.map { Double($0["data-score"] ?? "") } == entries.map { $0["score"] as? Double }, "\(list)")
            #expect(rows.map { $0["data-offences"] ?? "" } == entries.map { "\($0["offences"] ?? "?")" }, "\(list)")
        }

        // A drill-down explains the score to the sum of its crimes' harm.
        let top = try await get("\(stack.base)/v1/lists/vawg100?limit=1", token: stack.token)
        let suspect = try #require((top.json?["entries"] as? [[String: Any]])?.first?["id"] as? String)
        let html = try await Self.render(stack, "view=vawg100&explain=suspect:\(suspect)", screenshot: "drill-down")
        let standings = Self.elements(html, marker: "tr data-list=", attributes: ["data-list", "data-score", "data-sum"])
        let vawg = try #require(standings.first { $0["data-list"] == "vawg100" }, "\(html.suffix(3000))")
        #expect(Double(vawg["data-score"] ?? "") == Double(vawg["data-sum"] ?? "x"), "\(vawg)")
        let crimes = Self.elements(html, marker: "tr data-crime=", attributes: ["data-crime", "data-harm"])
        let explanation = try await get("\(stack.base)/v1/suspects/\(suspect)", token: stack.token)
        #expect(crimes.count == (explanation.json?["offences"] as? [Any])?.count, "every counting crime is listed")

        // The map draws every ward of the registry by its boundary, filled by its score, the units' borders, the
        // top hotspot cells and the borough names, with the boundaries' attribution.
        let map = try await Self.render(stack, "view=map", screenshot: "map")
        let drawn = Self.elements(map, marker: "path ", attributes: ["data-ward", "data-score"]).filter { $0["data-ward"] != nil }
        #expect(drawn.count == 679)
        let stopSearch = try await get("\(stack.base)/v1/lists/stop-search-wards?limit=1000", token: stack.token)
        let scored = Dictionary(uniqueKeysWithValues: (stopSearch.json?["entries"] as? [[String: Any]] ?? []).compactMap { entry in
            (entry["id"] as? String).map { ($0, entry["score"] as? Double ?? 0) }
        })
        #expect(drawn.allSatisfy { Double($0["data-score"] ?? "") == scored[$0["data-ward"] ?? ""] ?? 0 }, "each ward filled by its score")
        let borders = Self.elements(map, marker: "path ", attributes: ["data-unit-borders"]).compactMap { $0["data-unit-borders"] }
        #expect(borders.count == 1 && (Int(borders.first ?? "") ?? 0) > 100, "the 12 units' borders: \(borders)")
        #expect(map.contains("Open Government Licence"))
        let hotspots = try await get("\(stack.base)/v1/lists/hotspots?limit=100", token: stack.token)
        let cells = Self.elements(map, marker: "rect ", attributes: ["data-cell"]).compactMap { $0["data-cell"] }
        #expect(cells == (hotspots.json?["entries"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String })
        // A hotspot cell's drill-down shows its risk and each crime's part in it, as the API gives them.
        let topCell = try #require(cells.first)
        let why = try await get("\(stack.base)/v1/cells/\(topCell)", token: stack.token)
        let cellPage = try await Self.render(stack, "view=hotspots&explain=cell:\(topCell)", screenshot: "cell-drill-down")
        let risk = Self.elements(cellPage, marker: "p id=\"detail-cell\"", attributes: ["data-risk", "data-model"])
        #expect(risk.first?["data-model"] == "default" && Double(risk.first?["data-risk"] ?? "") == why.json?["risk"] as? Double, "\(risk)")
        let parts = Self.elements(cellPage, marker: "tr data-crime=", attributes: ["data-crime"]).compactMap { $0["data-crime"] }
        #expect(parts == (why.json?["crimes"] as? [[String: Any]] ?? []).compactMap { $0["crimeRef"] as? String } && !parts.isEmpty)
        let wards = try await get("\(stack.base)/v1/map/wards", token: stack.token)
        let boroughs = Set((wards.json?["wards"] as? [[String: Any]] ?? []).compactMap { $0["borough"] as? String })
        #expect(boroughs.count == 32)
        #expect(Set(Self.elements(map, marker: "text ", attributes: ["data-borough"]).compactMap { $0["data-borough"] }) == boroughs)

        // Live: a crime reported now reaches the page's event stream as the changed list's snapshot.
        let stream = try ChildProcess(
            "curl", ["-sN", "--max-time", "30", "-H", "Authorization: Bearer \(stack.token)", "\(stack.base)/v1/events/rankings"])
        #expect(await eventually { stream.output.contains(": connected") }, "\(stream.errors)")
        try await Self.report(rapeBy: "LIVE-SUSPECT", crime: "LIVE-1", to: stack)
        #expect(await eventually(within: .seconds(30)) {
            stream.output.contains("event: rankings") && stream.output.contains(#""list":"vawg100""#)
                && stream.output.contains("LIVE-SUSPECT")
        }, "\(stream.output.suffix(2000))")
        stream.signal(SIGTERM)

        // In the page, driven over the DevTools protocol: the list updates itself when a crime is reported.
        let chromium = try HeadlessChromium()
        let list = try chromium.open("\(stack.base)/?view=vawg100#token=\(stack.token)")
        #expect(try await chromium.waitFor("document.getElementById('status').textContent.startsWith('live')", in: list))
        #expect(try await chromium.waitFor("document.querySelectorAll('tr[data-id]').length == 100", in: list))
        try await Self.report(rapeBy: "LIVE-SUSPECT-2", crime: "LIVE-2", to: stack)
        #expect(try await chromium.waitFor(#"!!document.querySelector('tr[data-id="LIVE-SUSPECT-2"]')"#, in: list))
        // Its movement since the previous snapshot: it entered.
        #expect(try await chromium.waitFor(
            #"document.querySelector('tr[data-id="LIVE-SUSPECT-2"] td:nth-child(2)').textContent == 'new'"#, in: list))
        try chromium.screenshot(list, to: Self.screenshots.appendingPathComponent("live-update.png"))

        // The generated year through `harmrank up` routed every alert to the units its wards give.
        try await RoutingCheck.check(
            notify: stack.notify, token: stack.token,
            lines: try String(contentsOf: stack.records, encoding: .utf8).split(separator: "\n").map(String.init),
            units: try String(contentsOf: stack.units, encoding: .utf8))

        // An alert acknowledged in the page is acknowledged in the API, with who did it; an analyst cannot.
        let alerts = try chromium.open("\(stack.base)/?view=alerts#token=\(stack.token)")
        #expect(try await chromium.waitFor("document.querySelectorAll('[data-acknowledge]').length > 0", in: alerts))
        try chromium.screenshot(alerts, to: Self.screenshots.appendingPathComponent("alerts.png"))
        let id = try #require(try chromium.evaluate("document.querySelector('[data-acknowledge]').dataset.acknowledge", in: alerts) as? String)
        try chromium.evaluate(#"document.querySelector('[data-acknowledge="\#(id)"]').click()"#, in: alerts)
        #expect(try await chromium.waitFor("document.getElementById('alerts-message').textContent.includes('acknowledged')", in: alerts))
        let acknowledged = try await get("\(stack.notify)/v1/alerts?status=acknowledged", token: stack.token)
        let alert = (acknowledged.json?["alerts"] as? [[String: Any]])?.first { $0["id"] as? String == id }
        #expect(alert?["acknowledgedBy"] as? String == "sergeant.lee")

        let refused: String = try chromium.open("\(stack.base)/?view=alerts#token=\(stack.analystToken)")
        #expect(try await chromium.waitFor("document.querySelectorAll('[data-acknowledge]').length > 0", in: refused))
        let other = try #require(try chromium.evaluate("document.querySelector('[data-acknowledge]').dataset.acknowledge", in: refused) as? String)
        try chromium.evaluate(#"document.querySelector('[data-acknowledge="\#(other)"]').click()"#, in: refused)
        #expect(try await chromium.waitFor("document.getElementById('alerts-message').textContent.includes('supervisor')", in: refused))
        let open = try await get("\(stack.notify)/v1/alerts?status=open", token: stack.token)
        #expect((open.json?["alerts"] as? [[String: Any]])?.contains { $0["id"] as? String == other } == true)

        // The acknowledged alert through the rest of its life in the page: the analyst may not assign it, the
        // supervisor assigns it, and closes it with an outcome.
        func pressed(_ status: String, in tab: String) throws {
            try chromium.evaluate(#"document.querySelector('[data-alert-status="\#(status)"]').click()"#, in: tab)
        }
        try pressed("acknowledged", in: refused)
        #expect(try await chromium.waitFor(#"!!document.querySelector('[data-assign="\#(id)"]')"#, in: refused))
        try chromium.evaluate(#"document.querySelector('[data-assignee="\#(id)"]').value = 'pc.khan'"#, in: refused)
        try chromium.evaluate(#"document.querySelector('[data-assign="\#(id)"]').click()"#, in: refused)
        #expect(try await chromium.waitFor("document.getElementById('alerts-message').textContent.startsWith('Not assigned') && document.getElementById('alerts-message').textContent.includes('supervisor')", in: refused))

        try pressed("acknowledged", in: alerts)
        #expect(try await chromium.waitFor(#"!!document.querySelector('[data-assign="\#(id)"]')"#, in: alerts))
        try chromium.evaluate(#"document.querySelector('[data-assign="\#(id)"]').click()"#, in: alerts)
        #expect(try await chromium.waitFor("document.getElementById('alerts-message').textContent.includes('must not be blank')", in: alerts),
                "an empty assignee is refused with the reason")
        try chromium.evaluate(#"document.querySelector('[data-assignee="\#(id)"]').value = 'pc.khan'"#, in: alerts)
        try chromium.evaluate(#"document.querySelector('[data-assign="\#(id)"]').click()"#, in: alerts)
        #expect(try await chromium.waitFor("document.getElementById('alerts-message').textContent.includes('assigned')", in: alerts))
        try pressed("assigned", in: alerts)
        #expect(try await chromium.waitFor(#"!!document.querySelector('[data-close="\#(id)"]')"#, in: alerts))
        #expect(try chromium.evaluate(#"document.querySelector('tr[data-alert="\#(id)"]').textContent.includes('assigned to pc.khan')"#, in: alerts) as? Bool == true)
        try chromium.evaluate(#"document.querySelector('[data-outcome="\#(id)"]').value = 'safeguarding-referral'"#, in: alerts)
        try chromium.evaluate(#"document.querySelector('[data-note="\#(id)"]').value = 'referred to the IDVA'"#, in: alerts)
        try chromium.evaluate(#"document.querySelector('[data-close="\#(id)"]').click()"#, in: alerts)
        #expect(try await chromium.waitFor("document.getElementById('alerts-message').textContent.includes('closed')", in: alerts))
        let closed = try await get("\(stack.notify)/v1/alerts?status=closed", token: stack.token)
        let closedAlert = (closed.json?["alerts"] as? [[String: Any]])?.first { $0["id"] as? String == id }
        #expect(closedAlert?["outcome"] as? String == "safeguarding-referral" && closedAlert?["closedBy"] as? String == "sergeant.lee")
        #expect(closedAlert?["assignee"] as? String == "pc.khan" && closedAlert?["note"] as? String == "referred to the IDVA")

        // A unit's queue shows only its alerts; an alert's explanation shows what routed it there.
        try pressed("open", in: alerts)
        let everyOpen = try await get("\(stack.notify)/v1/alerts?status=open", token: stack.token).json?["alerts"] as? [[String: Any]] ?? []
        let unit = try #require((everyOpen.first?["units"] as? [String])?.first)
        let ofUnit = everyOpen.filter { ($0["units"] as? [String])?.contains(unit) == true }.count
        try chromium.evaluate("const s = document.getElementById('alerts-unit'); s.value = '\(unit)'; s.dispatchEvent(new Event('change'))", in: alerts)
        #expect(try await chromium.waitFor(
            "document.getElementById('alerts-title').textContent.startsWith('Dauntless+ alerts: \(ofUnit) open for')", in: alerts))
        #expect(try chromium.evaluate(
            "[...document.querySelectorAll('#alerts-body tr')].every((row) => row.dataset.units.split(' ').includes('\(unit)'))", in: alerts) as? Bool == true)
        try chromium.screenshot(alerts, to: Self.screenshots.appendingPathComponent("unit-queue.png"))
        try chromium.evaluate("document.querySelector('[data-why]').click()", in: alerts)
        #expect(try await chromium.waitFor("document.getElementById('detail-routing')?.textContent.startsWith('Routed to')", in: alerts))
        #expect(try await chromium.waitFor("document.querySelectorAll('#detail-alert-crimes tbody tr').length > 0", in: alerts))

        // The fairness view draws a report of `harmrank fairness` on the same year, opened from a file.
        let reportFile = stack.records.deletingLastPathComponent().appendingPathComponent("fairness.json")
        let fairness = try ChildProcess("harmrank", ["fairness", stack.records.path, "--json", reportFile.path])
        #expect(await fairness.exitStatus(within: .seconds(120)) == 0, "\(fairness.errors)")
        let report = try JSONSerialization.jsonObject(with: Data(contentsOf: reportFile)) as? [String: Any]
        let rows = report?["rows"] as? [[String: Any]] ?? []
        let lastMonth = rows.compactMap { $0["month"] as? String }.max() ?? ""
        let expected = rows.filter { $0["month"] as? String == lastMonth && $0["list"] as? String == "vawg100" }
        try chromium.evaluate("document.querySelector('[data-view=\"fairness\"]').click()", in: alerts)
        let text = String(decoding: try Data(contentsOf: reportFile), as: UTF8.self)
        let literal = String(decoding: try JSONEncoder().encode(text), as: UTF8.self)
        try chromium.evaluate(
            "const t = new DataTransfer(); t.items.add(new File([\(literal)], 'fairness.json')); "
                + "const i = document.getElementById('fairness-file'); i.files = t.files; i.dispatchEvent(new Event('change'))",
            in: alerts)
        #expect(try await chromium.waitFor(
            "document.querySelectorAll('#fairness-body tr').length == \(expected.count) && document.getElementById('fairness-month').value == '\(lastMonth)'",
            in: alerts))
        let noted = expected.filter { $0["noted"] as? Bool == true }.compactMap { $0["borough"] as? String }.sorted()
        let shownNoted = try chromium.evaluate(
            "[...document.querySelectorAll('#fairness-body tr[data-noted=\"true\"]')].map((r) => r.dataset.borough).sort().join('|')",
            in: alerts) as? String
        #expect(shownNoted == noted.joined(separator: "|"))
        #expect(try chromium.evaluate("document.querySelectorAll('#fairness-chart rect[data-share]').length", in: alerts) as? Int == expected.count)
        try chromium.screenshot(alerts, to: Self.screenshots.appendingPathComponent("fairness.png"))

        // Every service of the stack wrote to one audit log, in one unbroken chain, the steps taken included.
        let auditLog = stack.records.deletingLastPathComponent().appendingPathComponent("audit.log")
        let verify = try ChildProcess("harmrank", ["audit", "verify", auditLog.path])
        #expect(await verify.exitStatus(within: .seconds(60)) == 0, "\(verify.output)\(verify.errors)")
        #expect(verify.output.contains("each following the one before it"))
        let audit = try String(contentsOf: auditLog, encoding: .utf8)
        #expect(audit.contains("alert \(id) (assigned to pc.khan)") && audit.contains("alert \(id) (closed: safeguarding-referral)"))
        // And each entry went to the audit topic too, keyed by the service that wrote it. The alerts queue reads
        // (and is audited) every five seconds: leave it, so the topic falls quiet and can be read to its end.
        try chromium.evaluate("document.querySelector('[data-view=\"fairness\"]').click()", in: refused)
        let directory = stack.records.deletingLastPathComponent()
        let bootstrap = try String(contentsOf: directory.appendingPathComponent("bootstrap.txt"), encoding: .utf8)
        var copied: [(key: String, line: String)] = []
        let lines = Set(audit.split(separator: "\n").map(String.init))
        _ = await eventually(within: .seconds(60)) {
            copied = ((try? await readTopic(TopicCatalogue().audit, bootstrap: bootstrap)) ?? []).map {
                (String(decoding: $0.key ?? [], as: UTF8.self), String(decoding: $0.value ?? [], as: UTF8.self))
            }
            return lines.isSubset(of: copied.map(\.line))
        }
        // The page goes on reading while this runs, so the topic may hold entries written after the file was read.
        #expect(lines.isSubset(of: copied.map(\.line)), "\(copied.count) entries on the topic, \(lines.count) in the file")
        #expect(copied.contains { $0.key == "NotifyService" && $0.line.contains("(closed: safeguarding-referral)") })
        #expect(copied.contains { $0.key == "RankService" })

        stack.up.signal(SIGINT)
        #expect(await stack.up.exitStatus(within: .seconds(30)) == 0)
    }

    /// Reports a domestic rape (2,555 days: into the top 100 of `vawg100`) at the latest time of the data.
    static func report(rapeBy suspect: String, crime: String, to stack: Stack) async throws {
        let record = #"{"crimeRef":"\#(crime)","version":1,"offenceCode":"19C","occurredAt":"2025-12-31T23:59:59.999Z","#
            + #""flags":["domestic"],"suspects":["\#(suspect)"],"victims":["V-\#(crime)"]}"#
        let sent = try await post("\(stack.ingest)/v1/offences", token: stack.token, body: Data(record.utf8))
        #expect(sent.status == 202, "\(String(decoding: sent.body, as: UTF8.self))")
    }
}
