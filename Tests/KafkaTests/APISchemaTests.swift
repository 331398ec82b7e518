import Foundation
import Shared
import Testing

/// The OpenAPI document each service serves: valid OpenAPI 3.1 (openapi-spec-validator), the routes and roles of
/// the README's table and no others, and held to by the live services under schemathesis's generated requests
/// with a valid token: no 5xx, no response outside the schema.
@Suite(.serialized) struct APISchemaTests {
    static let token = "schema-admin-0123456789"

    @Test(.timeLimit(.minutes(12)))
    func everyServiceServesAValidDocumentOfItsRoutesAndKeepsToItUnderGeneratedRequests() async throws {
        for tool in ["openapi-spec-validator", "schemathesis"] {
            let found = try ChildProcess("sh", ["-c", "command -v \(tool)"])
            try #require(await found.exitStatus(within: .seconds(10)) == 0, "\(tool) is needed: scripts/install-prerequisites --for-tests")
        }
        let stack = try await TestStack.start(token: Self.token, principal: "schema.checker")
        defer { stack.stop() }
        let directory = stack.directory
        let ports = Dictionary(uniqueKeysWithValues: TestStack.services.map { ($0, Int(stack.base($0).split(separator: ":").last!)!) })
        // Something to find: a suspect in every suspect list and an open alert.
        let record = #"{"crimeRef":"SCHEMA-1","version":1,"offenceCode":"19C","occurredAt":"2025-12-31T23:00:00Z","#
            + #""wardCode":"E05009317","flags":["domestic"],"suspects":["SCHEMA-S1"],"victims":["SCHEMA-V1"]}"#
        let sent = try await post("http://127.0.0.1:\(ports["IngestService"]!)/v1/offences", token: Self.token, body: Data(record.utf8))
        #expect(sent.status == 202)
        #expect(await eventually(within: .seconds(60)) {
            let alerts = try? await get("http://127.0.0.1:\(ports["NotifyService"]!)/v1/alerts", token: Self.token)
            return (alerts?.json?["alerts"] as? [Any])?.isEmpty == false
        })

        let table = try AccessTests.routeTable()
        for service in TestStack.services {
            let base = "http://127.0.0.1:\(ports[service]!)"
            let answer = try await get(base + "/openapi.json")
            #expect(answer.status == 200)
            let file = directory.appendingPathComponent("\(service).openapi.json")
            try answer.body.write(to: file)
            let validator = try ChildProcess("openapi-spec-validator", [file.path])
            #expect(await validator.exitStatus(within: .seconds(60)) == 0, "\(service): \(validator.output) \(validator.errors)")

            // The routes it describes are those the README lists for it, each with the README's role.
            let paths = answer.json?["paths"] as? [String: [String: [String: Any]]] ?? [:]
            var described: [String: String?] = [:]
            for (path, operations) in paths {
                for (method, operation) in operations {
                    let open = (operation["security"] as? [Any])?.isEmpty == true
                    described.updateValue(open ? nil : operation["x-harmrank-role"] as? String, forKey: "\(method.uppercased()) \(path)")
                }
            }
            let listed = Dictionary(uniqueKeysWithValues: table.filter { $0.services.contains(service) }.map {
                ("\($0.method) \($0.path)", $0.role)
            })
            #expect(described.keys.sorted() == listed.keys.sorted(), "\(service)")
            for (route, role) in listed { #expect(described[route] == role, "\(service) \(route)") }

            // Generated requests, valid and not, with a token that may do everything. The rankings stream never
            // ends, so it is left to the route walk.
            let schemathesis = try ChildProcess(
                "schemathesis",
                ["run", base + "/openapi.json", "--header", "Authorization: Bearer \(Self.token)",
                 "--checks", "not_a_server_error,response_schema_conformance", "--max-examples", "10", "--seed", "20261207",
                 "--exclude-path", "/v1/events/rankings", "--max-time", "30", "--request-timeout", "10", "--workers", "1"],
                environment: ["SCHEMATHESIS_HOOKS": "", "NO_COLOR": "1"])
            let status = await schemathesis.exitStatus(within: .seconds(240))
            #expect(status == 0, "\(service): \(schemathesis.output.suffix(6000))")
        }
        // Whatever they were sent, the services are still up.
        for (service, port) in ports {
            #expect((try? await get("http://127.0.0.1:\(port)/health/live"))?.status == 200, "\(service)")
        }
    }
}
