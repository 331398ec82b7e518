import Foundation
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
            (index.isMultiple(of: 3) ? notify : rank).record(index.isMultiple(of: 2) ? lee : kaur, read: "suspect S\(index)")
        }
        try AuditLog(path: file).record(lee, read: "alert a1 (closed: arrest)")
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
        for index in 0..<6 { log.record(kaur, read: "list vawg100 offset \(index)") }
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
