import Foundation
import Shared
import TestSupport
import Testing

/// Who may call what, over the wire: the whole stack over HTTPS, signed in only with JWTs from an identity provider
/// (no tokens file), walked route by route from the README's table.
@Suite(.serialized) struct AccessTests {
    /// One row of the README's "Routes and roles" table.
    struct Route: CustomStringConvertible {
        let services: [String]
        let method: String
        let path: String
        /// nil: no token needed; "any": any HarmRank role; otherwise the role's name.
        let role: String?
        var description: String { "\(method) \(path) (\(services.joined(separator: ", ")))" }
    }

    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    static func routeTable() throws -> [Route] {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let section = try #require(text.components(separatedBy: "### Routes and roles").dropFirst().first)
        let every = TestStack.services
        return section.split(separator: "\n").prefix { !$0.hasPrefix("### ") }.compactMap { line -> Route? in
            let cells = line.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            guard cells.count == 3, cells[1].hasPrefix("`") else { return nil }
            let route = cells[1].trimmingCharacters(in: CharacterSet(charactersIn: "`")).split(separator: " ")
            let services = cells[0] == "every service" ? every : cells[0].components(separatedBy: ", ")
            let role = cells[2].split(separator: " ").first.map(String.init)
            return Route(services: services, method: String(route[0]), path: String(route[1]), role: role == "none" ? nil : role)
        }
    }

    /// The routes a service's router holds, from the line each service logs as it starts.
    static func servedRoutes(_ output: String, service: String) -> Set<String> {
        guard let line = output.split(separator: "\n").last(where: { $0.hasPrefix("[\(service)] ") && $0.contains("routes=[") }),
            let start = line.range(of: "routes=["), let end = line[start.upperBound...].firstIndex(of: "]")
        else { return [] }
        // Each route is logged quoted.
        return Set(line[start.upperBound..<end].components(separatedBy: ", ").map { $0.trimmingCharacters(in: ["\""]) }.map { route in
            // The router writes a parameter as `:name`, the README as `{name}`.
            route.split(separator: "/", omittingEmptySubsequences: false).map { part in
                part.hasPrefix(":") ? "{\(part.dropFirst())}" : String(part)
            }.joined(separator: "/")
        })
    }

    struct Answer {
        let status: Int
        let body: String
    }

    /// A request through curl, trusting only the stack's own certificate. A stream (server-sent events) is cut
    /// after a second: its status is what counts.
    static func request(
        _ method: String, _ url: String, token: String?, body: String? = nil, certificate: URL
    ) async throws -> Answer {
        let directory = try temporaryDirectory()
        let output = directory.appendingPathComponent("body")
        var arguments = ["-s", "-o", output.path, "-w", "%{http_code}", "--cacert", certificate.path, "--max-time", "3",
                         "-X", method]
        if let token { arguments += ["-H", "Authorization: Bearer \(token)"] }
        if let body {
            let file = directory.appendingPathComponent("request")
            try body.write(to: file, atomically: true, encoding: .utf8)
            arguments += ["-H", "Content-Type: application/json", "--data-binary", "@\(file.path)"]
        }
        let curl = try ChildProcess("curl", arguments + [url])
        _ = await curl.exitStatus(within: .seconds(10))
        return Answer(
            status: Int(curl.output) ?? 0,
            body: (try? String(contentsOf: output, encoding: .utf8)) ?? "")
    }

    @Test(.timeLimit(.minutes(6)))
    func everyRouteOfEveryServiceAnswersNoToken401WrongRole403AndRightRole2xxOverHTTPS() async throws {
        let directory = try temporaryDirectory()
        let certificate = try TestCertificate(in: directory)
        let provider = TestIdentityProvider()
        let jwks = directory.appendingPathComponent("jwks.json")
        try provider.jwks.write(to: jwks, atomically: true, encoding: .utf8)
        // An empty tokens file: only the identity provider's JWTs sign anyone in.
        let tokens = directory.appendingPathComponent("tokens.txt")
        try "# no static tokens\n".write(to: tokens, atomically: true, encoding: .utf8)
        let port = freePort()
        let up = try ChildProcess(
            "harmrank",
            ["up", "--clock", "event", "--data-dir", directory.path, "--http-port", String(port), "--tokens-file", tokens.path,
             "--tls-cert", certificate.certificateFile.path, "--tls-key", certificate.keyFile.path],
            environment: [
                "HARMRANK_JWKS": jwks.path, "HARMRANK_JWT_ISSUER": provider.issuer,
                "HARMRANK_JWT_AUDIENCE": provider.audience,
            ])
        defer { up.signal(SIGINT) }
        let ports = Dictionary(uniqueKeysWithValues: TestStack.services.enumerated().map { ($1, port + $0) })
        func url(_ service: String, _ path: String) -> String { "https://127.0.0.1:\(ports[service]!)\(path)" }
        func call(_ method: String, _ service: String, _ path: String, token: String?, body: String? = nil) async throws -> Answer {
            try await Self.request(method, url(service, path), token: token, body: body, certificate: certificate.certificateFile)
        }
        for service in TestStack.services {
            #expect(await eventually(within: .seconds(120)) {
                (try? await call("GET", service, "/health/ready", token: nil))?.status == 200
            }, "\(service): \(up.output.suffix(3000))")
        }
        // Plain HTTP gets no answer from a service serving HTTPS.
        let plain = try ChildProcess("curl", ["-s", "-o", "/dev/null", "-w", "%{http_code}", "--max-time", "3",
                                              "http://127.0.0.1:\(port)/health/live"])
        _ = await plain.exitStatus(within: .seconds(10))
        #expect(plain.output != "200")

        func token(_ roles: [String], _ name: String = "walker") async throws -> String {
            try await provider.token(principal: name, roles: roles)
        }
        let admin = try await token(["admin"])
        // A domestic rape by a new suspect puts them in every suspect list and raises an alert.
        let record = #"{"crimeRef":"WALK-1","version":1,"offenceCode":"19C","occurredAt":"2025-12-31T23:00:00Z","#
            + #""wardCode":"E05009317","flags":["domestic"],"suspects":["WALKER-S1"],"victims":["WALKER-V1"]}"#
        /// Reports `record` and waits for the open alert it raises.
        func alert(raisedBy record: String) async throws -> String {
            let sent = try await call("POST", "IngestService", "/v1/offences", token: try await token(["ingest"]), body: record)
            #expect(sent.status == 202, "\(sent.body)")
            var id = ""
            #expect(await eventually(within: .seconds(60)) {
                let alerts = try? await call("GET", "NotifyService", "/v1/alerts?status=open", token: admin)
                let list = (try? JSONSerialization.jsonObject(with: Data((alerts?.body ?? "").utf8))) as? [String: Any]
                id = ((list?["alerts"] as? [[String: Any]])?.first?["id"] as? String) ?? ""
                return !id.isEmpty
            }, "no alert was raised: \(up.output.suffix(3000))")
            // RankService reads the same scores on its own: wait until it shows the suspect too.
            let suspect = try #require(record.firstMatch(of: /"suspects":\["([^"]+)"/)?.1)
            #expect(await eventually(within: .seconds(60)) {
                (try? await call("GET", "RankService", "/v1/suspects/\(suspect)", token: admin))?.status == 200
            })
            return id
        }
        let alertID = try await alert(raisedBy: record)
        let wards = try await call("GET", "RankService", "/v1/lists/stop-search-wards?limit=1", token: admin)
        let ward = try #require(
            ((try JSONSerialization.jsonObject(with: Data(wards.body.utf8)) as? [String: Any])?["entries"] as? [[String: Any]])?
                .first?["id"] as? String)
        let values = ["{name}": "vawg100", "{id}": "WALKER-S1", "{code}": ward]
        var bodies = [
            "POST /v1/offences": record.replacingOccurrences(of: "WALK-1", with: "WALK-2"),
            "POST /v1/alerts/{id}/assign": #"{"assignee": "pc.khan"}"#,
            "POST /v1/alerts/{id}/close": #"{"outcome": "safeguarding-referral", "note": "walked"}"#,
        ]
        bodies["POST /v1/alerts/{id}/acknowledge"] = ""

        let table = try Self.routeTable()
        #expect(table.count >= 20, "\(table)")
        for service in TestStack.services {
            let listed = Set(table.filter { $0.services.contains(service) }.map { "\($0.method) \($0.path)" })
            #expect(Self.servedRoutes(up.output, service: service) == listed, "\(service) serves exactly the routes the README lists for it")
        }
        let roleless = try await token(["offline_access"])
        for route in table {
            for service in route.services {
                var path = route.path
                for (name, value) in values { path = path.replacingOccurrences(of: name, with: value) }
                if route.path.contains("/v1/alerts/{id}") { path = route.path.replacingOccurrences(of: "{id}", with: alertID) }
                if route.path == "/v1/cells/{id}" { path = "/v1/cells/E530250N180500" }
                let body = bodies["\(route.method) \(route.path)"]
                let anonymous = try await call(route.method, service, path, token: nil, body: body)
                guard let role = route.role else {
                    #expect((200..<300).contains(anonymous.status), "\(route) on \(service) needs no token: \(anonymous)")
                    continue
                }
                #expect(anonymous.status == 401, "\(route) on \(service) without a token: \(anonymous)")
                let wrong = role == "any" ? roleless : try await token(["ingest", "analyst", "supervisor"].filter { $0 != role })
                let refused = try await call(route.method, service, path, token: wrong, body: body)
                #expect(refused.status == 403, "\(route) on \(service) with the wrong role: \(refused)")
                let right = try await token(role == "any" ? ["analyst"] : [role], "sgt.walker")
                let answered = try await call(route.method, service, path, token: right, body: body)
                #expect((200..<300).contains(answered.status), "\(route) on \(service) with role \(role): \(answered)")
            }
        }

        // Every person-level read and every alert step of the walk was audited with who and from where, and each
        // service's configuration at its start.
        let audit = try await call("GET", "RankService", "/v1/audit?limit=10000", token: admin)
        let entries = ((try JSONSerialization.jsonObject(with: Data(audit.body.utf8)) as? [String: Any])?["latest"] as? [[String: Any]]) ?? []
        let walked = entries.filter { $0["principal"] as? String == "sgt.walker" }
        #expect(walked.allSatisfy { $0["address"] as? String == "127.0.0.1" }, "\(walked)")
        for read in ["list vawg100 ranks 1-", "suspect WALKER-S1", "live rankings stream", "alerts status any", "alert \(alertID) (acknowledged)",
                     "alert \(alertID) (assigned to pc.khan)", "alert \(alertID) (closed: safeguarding-referral)", "audit log, latest"] {
            #expect(walked.contains { ($0["read"] as? String)?.hasPrefix(read) == true }, "no audit entry '\(read)': \(walked)")
        }
        for service in ["IngestService", "RankService", "NotifyService"] {
            #expect(entries.contains { ($0["principal"] as? String)?.hasPrefix("\(service) started by") == true
                && ($0["read"] as? String)?.contains("harm table shipped") == true }, "\(service)'s configuration")
        }

        // The dashboard over HTTPS, signed in with a JWT: a list from RankService, and the alerts, which the page
        // fetches from NotifyService on its own origin, also over HTTPS.
        let second = record.replacingOccurrences(of: "WALK-1", with: "WALK-3").replacingOccurrences(of: "WALKER-", with: "PAGE-")
        let openID = try await alert(raisedBy: second)
        for (view, marker) in [("vawg100", #"data-id="PAGE-S1""#), ("alerts", "data-alert=\"\(openID)\"")] {
            let page = try ChildProcess("chromium", [
                "--headless", "--no-sandbox", "--disable-gpu", "--ignore-certificate-errors", "--virtual-time-budget=10000",
                "--dump-dom", "https://127.0.0.1:\(port)/?view=\(view)&live=off#token=\(admin)",
            ])
            #expect(await page.exitStatus(within: .seconds(90)) == 0, "\(page.errors.suffix(2000))")
            #expect(page.output.contains(marker), "\(view): \(page.output.suffix(3000))")
        }
    }

    @Test func aNewTokenIsPrintedOnceAndItsFileLineHoldsOnlyItsDigest() async throws {
        let file = try temporaryDirectory().appendingPathComponent("tokens.txt")
        let new = try ChildProcess("harmrank", ["token", "new", "sergeant.lee", "supervisor,analyst", "--append", file.path])
        #expect(await new.exitStatus(within: .seconds(30)) == 0, "\(new.errors)")
        let token = try #require(new.output.split(separator: "\n").first?.split(separator: " ").last.map(String.init))
        let contents = try String(contentsOf: file, encoding: .utf8)
        #expect(!contents.contains(token) && contents.hasPrefix(TokenRegistry.digestPrefix))
        let registry = try TokenRegistry(parsing: contents, source: file.path)
        #expect(registry.principal(for: token) == Principal(name: "sergeant.lee", roles: [.supervisor, .analyst]))
        let mode = try FileManager.default.attributesOfItem(atPath: file.path)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        let refused = try ChildProcess("harmrank", ["token", "new", "sergeant.lee", "inspector"])
        #expect(await refused.exitStatus(within: .seconds(30)) != 0)
        #expect(refused.errors.contains("unknown role 'inspector'"), "\(refused.errors)")
    }
}
