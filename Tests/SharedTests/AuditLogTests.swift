import Foundation
import Hummingbird
import HummingbirdTesting
import Shared
import Testing

@Suite struct AuditLogTests {
    func path() throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-audit-\(UUID().uuidString)")
        return directory.appendingPathComponent("audit.log").path
    }

    let lee = Principal(name: "sergeant.lee", roles: [.supervisor])
    let kaur = Principal(name: "analyst.kaur", roles: [.analyst])

    /// Two services sharing a data dir write one chain between them, and a log reopened continues it.
    @Test func entriesOfSeveralWritersFormOneChain() throws {
        let file = try path()
        let rank = try AuditLog(path: file)
        let notify = try AuditLog(path: file)
        for index in 0..<20 {
            (index.isMultiple(of: 3) ? notify : rank).record(index.isMultiple(of: 2) ? lee : kaur, read: "suspect S\(index)", from: "10.0.0.\(index)")
        }
        try AuditLog(path: file).record(lee, read: "alert a1 (closed: arrest)", from: "10.0.0.9")
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let verified = AuditChain.verify(text)
        #expect(verified.entries == 21 && verified.break == nil)
        let first = try #require(text.split(separator: "\n").first)
        #expect(first.contains(#""principal":"sergeant.lee""#) && first.contains(#""read":"suspect S0""#))
        #expect(first.contains(#""previous":"\#(AuditChain.digest(of: ""))""#))
    }

    @Test func anEditedDeletedOrMovedEntryIsFoundWhereItIs() throws {
        let file = try path()
        let log = try AuditLog(path: file)
        for index in 0..<6 { log.record(kaur, read: "list vawg100 offset \(index)", from: "10.0.0.1") }
        let lines = try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n").map(String.init)
        func verify(_ lines: [String]) -> AuditChain.Break? { AuditChain.verify(lines.joined(separator: "\n") + "\n").break }

        var edited = lines
        edited[2] = edited[2].replacingOccurrences(of: "analyst.kaur", with: "someone.else")
        #expect(verify(edited)?.line == 4)
        #expect(verify(edited)?.problem == "does not follow line 3: that line was edited, or entries between them deleted or moved")
        var deleted = lines
        deleted.remove(at: 3)
        #expect(verify(deleted)?.line == 4)
        var moved = lines
        moved.swapAt(1, 4)
        #expect(verify(moved)?.line == 2)
        #expect(verify(Array(lines.dropFirst()))?.problem == "does not follow the start of the file: entries before it were deleted")
        #expect(verify(lines.prefix(2) + ["not json"] + lines.dropFirst(3))?.line == 3)
        #expect(verify(lines) == nil)
    }
}

@Suite struct AuditRoutesTests {
    @Test func anAdministratorReadsTheLatestEntriesAndWhetherTheChainIsWholeAndThatReadIsAudited() async throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-audit-\(UUID().uuidString)/audit.log").path
        let log = try AuditLog(path: file)
        func day(_ number: Int) throws -> Instant { try Instant.parseRFC3339("2026-01-0\(number)T12:00:00Z").get() }
        for index in 0..<5 {
            log.record(Principal(name: "analyst.kaur", roles: [.analyst]), read: "suspect S\(index)", from: "10.0.0.\(index)", at: try day(index + 1))
            if index == 2 { log.record(Principal(name: "ds.jones", roles: [.analyst]), read: "suspect J1", from: "10.0.1.1", at: try day(3)) }
        }
        let router = Router(context: HarmRankRequestContext.self)
        router.add(middleware: BearerAuthentication(tokens: try TokenRegistry(parsing: """
            admin-token-00000001 dpo.smith admin
            analyst-token-000002 analyst.kaur analyst
            """, source: "test")))
        AuditRoutes(log: log).register(on: router)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/audit", method: .get) { #expect($0.status == .unauthorized) }
            try await client.execute(uri: "/v1/audit", method: .get, headers: [.authorization: "Bearer analyst-token-000002"]) {
                #expect($0.status == .forbidden)
            }
            try await client.execute(uri: "/v1/audit?limit=0", method: .get, headers: [.authorization: "Bearer admin-token-00000001"]) {
                #expect($0.status == .badRequest)
            }
            try await client.execute(uri: "/v1/audit?limit=2", method: .get, headers: [.authorization: "Bearer admin-token-00000001"]) {
                #expect($0.status == .ok)
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                #expect(answer?["chain"] as? String == "whole" && answer?["entries"] as? Int == 6)
                #expect((answer?["latest"] as? [[String: Any]])?.compactMap { $0["read"] as? String } == ["suspect S3", "suspect S4"])
                #expect((answer?["latest"] as? [[String: Any]])?.compactMap { $0["address"] as? String } == ["10.0.0.3", "10.0.0.4"])
            }
            try await client.execute(
                uri: "/v1/audit?principal=analyst.kaur&since=2026-01-03T00:00:00Z", method: .get,
                headers: [.authorization: "Bearer admin-token-00000001"]
            ) {
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                #expect((answer?["latest"] as? [[String: Any]])?.compactMap { $0["read"] as? String } == ["suspect S2", "suspect S3", "suspect S4"])
            }
            try await client.execute(uri: "/v1/audit?since=yesterday", method: .get, headers: [.authorization: "Bearer admin-token-00000001"]) {
                #expect($0.status == .badRequest)
                #expect(String(buffer: $0.body).contains("since 'yesterday' must be an RFC 3339 time"))
            }
        }
        let text = try String(contentsOfFile: file, encoding: .utf8)
        let reads = text.split(separator: "\n").suffix(2)
        #expect(reads.first?.contains(#""principal":"dpo.smith""#) == true && reads.first?.contains(#""read":"audit log, latest 2 entries""#) == true)
        #expect(reads.last?.contains(#"latest 3 entries by analyst.kaur since 2026-01-03T00:00:00"#) == true, "\(reads)")
        // An edited entry shows in the answer.
        try text.replacingOccurrences(of: "suspect S1", with: "suspect S9").write(toFile: file, atomically: false, encoding: .utf8)
        try await Application(router: router).test(.router) { client in
            try await client.execute(uri: "/v1/audit", method: .get, headers: [.authorization: "Bearer admin-token-00000001"]) {
                let answer = try JSONSerialization.jsonObject(with: Data(buffer: $0.body)) as? [String: Any]
                #expect((answer?["chain"] as? String)?.hasPrefix("broken at line 3") == true, "\(answer ?? [:])")
            }
        }
    }
}

@Suite struct ConfigurationAuditTests {
    @Test func aStartIsRecordedOnlyWhenTheHarmTableWardsOrUnitsDiffer() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("harmrank-configuration-\(UUID().uuidString)")
        let log = try AuditLog(path: directory.appendingPathComponent("audit.log").path)
        let state = directory.appendingPathComponent("state/RankService/configuration.json")
        let table = try HarmTable.shipped()
        let wards = try WardRegistry.shipped()
        func start(_ table: HarmTable, units: TaskingUnits = TaskingUnits(coveringAll: try! WardRegistry.shipped())) throws -> Bool {
            try ConfigurationAudit(
                items: [.harmTable(table, source: "shipped"), .wards(wards, source: "shipped"), .units(units, source: "units.csv")],
                stateFile: state
            ).record(service: "RankService", in: log)
        }
        #expect(try start(table))
        #expect(try !start(table), "the same configuration again writes nothing")
        // The same table written differently is the same table.
        let reformatted = try HarmTable(csv: table.csv.replacingOccurrences(of: "\n", with: "\r\n"), file: "reformatted.csv")
        #expect(try !start(reformatted))
        let edited = try HarmTable(csv: table.csv.replacingOccurrences(of: "Murder,homicide,5475.00", with: "Murder,homicide,5476.00"), file: "edited.csv")
        #expect(edited.csv != table.csv)
        #expect(try start(edited))
        let units = try TaskingUnits(csv: "unit,name,boroughs,webhook\nwest,West,Ealing;Hounslow,\n", file: "units.csv", wards: wards)
        #expect(try start(edited, units: units))

        let entries = try String(contentsOfFile: log.path, encoding: .utf8).split(separator: "\n")
        #expect(entries.count == 3)
        #expect(entries[0].contains("harm table shipped sha256:") && entries[0].contains("(first recorded)"))
        #expect(entries[1].contains("harm table shipped sha256:") && entries[1].contains("(changed from shipped sha256:"))
        #expect(entries[1].contains("wards shipped sha256:") && entries[1].contains("(unchanged)"))
        #expect(entries[2].contains("units units.csv sha256:") && entries[2].contains("(changed from units.csv"))
        #expect(entries.allSatisfy { $0.contains(#""principal":"RankService started by "#) && $0.contains(#""address":"local""#) })
        #expect(AuditChain.verify(entries.joined(separator: "\n") + "\n").break == nil)
    }
}
