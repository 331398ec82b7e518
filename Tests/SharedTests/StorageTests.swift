import Foundation
import GRDB
import GRDBSQLite
@testable import HarmRankCore
@testable import Shared
import Testing

@Suite struct StorageTests {
    func temporaryDirectory() -> String {
        let path = NSTemporaryDirectory() + "harmrank-storage-\(UUID().uuidString)"
        return path
    }

    let record = OffenceRecord(
        crimeRef: "5000123/25", version: 3, offenceCode: "8N", occurredAt: try! Instant.parseRFC3339("2025-03-01T22:15:00Z").get(),
        reportedAt: try! Instant.parseRFC3339("2025-03-02T09:00:00.250Z").get(), wardCode: "E05009317",
        location: .init(latitude: 51.5432, longitude: -0.1021), flags: [.domestic, .weapon], suspects: ["S2", "S1"],
        victims: ["V9"])

    /// A batch reads its stored crimes, then commits: the statements it cached must not be prepared again each time.
    @Test func readingLeavesCachedStatementsPrepared() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try PartitionDatabase(
            directory: directory, topic: "harmrank.offences.raw", partition: 0, migrations: CrimeStore.migrations)
        var preparedAgain: [Int32] = []
        for offset in 1...3 {
            _ = try database.read { db in try CrimeStore.latest(["5000123/25"], in: db) }
            try database.commit(upTo: Int64(offset)) { db in
                try CrimeStore.save(record, in: db)
                let statement = try db.cachedStatement(sql: StoredCrime.insertOrReplace)
                preparedAgain.append(sqlite3_stmt_status(statement.sqliteStatement, SQLITE_STMTSTATUS_REPREPARE, 0))
            }
        }
        #expect(preparedAgain == [0, 0, 0])
    }

    @Test func stateAndOffsetSurviveReopening() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let first = try PartitionDatabase(
            directory: directory, topic: "harmrank.offences.raw", partition: 4, migrations: CrimeStore.migrations)
        #expect(try first.nextOffset() == nil, "no state yet: start at the beginning")
        try first.commit(upTo: 118) { db in try CrimeStore.save(record, in: db) }

        let reopened = try PartitionDatabase(
            directory: directory, topic: "harmrank.offences.raw", partition: 4, migrations: CrimeStore.migrations)
        #expect(try reopened.nextOffset() == 118)
        #expect(try reopened.read { try CrimeStore.latest(["5000124/25", "5000123/25"], in: $0) } == ["5000123/25": record],
                "a batch lookup answers the stored crimes and leaves out the others")
        #expect(try reopened.read { try CrimeStore.latest([], in: $0) }.isEmpty)
    }

    @Test func clockAndOutcomeCountsAreCommittedWithTheOffset() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try PartitionDatabase(directory: directory, topic: "t", partition: 1, migrations: CrimeStore.migrations)
        #expect(try database.clock() == nil)
        try database.commit(upTo: 5, clock: Instant(milliseconds: 1_000), counting: ["accepted": 4, "rejected": 1]) { _ in }
        try database.commit(upTo: 9, counting: ["accepted": 2, "duplicate": 2]) { _ in }
        let reopened = try PartitionDatabase(directory: directory, topic: "t", partition: 1, migrations: CrimeStore.migrations)
        #expect(try reopened.nextOffset() == 9)
        #expect(try reopened.clock() == Instant(milliseconds: 1_000), "a commit without a clock keeps the stored one")
        #expect(try reopened.outcomeCounts() == ["accepted": 6, "rejected": 1, "duplicate": 2])
    }

    @Test func failedCommitKeepsNeitherStateNorOffset() throws {
        struct Interrupted: Error {}
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try PartitionDatabase(
            directory: directory, topic: "t", partition: 0, migrations: CrimeStore.migrations)
        try database.commit(upTo: 10) { db in try CrimeStore.save(record, in: db) }
        #expect(throws: Interrupted.self) {
            try database.commit(upTo: 11) { db in
                var revised = record
                revised.version = 4
                try CrimeStore.save(revised, in: db)
                throw Interrupted()
            }
        }
        #expect(try database.nextOffset() == 10)
        #expect(try database.read { try CrimeStore.latest([record.crimeRef], in: $0) }[record.crimeRef]?.version == 3)
    }

    /// A crime forgotten leaves no trace in the file: its bytes are overwritten (`secure_delete`), so once the
    /// write-ahead log is checkpointed neither file holds its suspect's id. (Debian builds SQLite with it on; the
    /// services set it whatever the build, and with it off this test fails.)
    @Test func aForgottenCrimesBytesAreGoneFromTheFiles() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try PartitionDatabase(directory: directory, topic: "t", partition: 0, migrations: CrimeStore.migrations)
        var named = record
        named.suspects = ["SUSPECT-TO-FORGET-7f3a9"]
        var kept = record
        kept.crimeRef = "5000300/25"
        try database.commit(upTo: 1) { db in
            try CrimeStore.save(named, in: db)
            try CrimeStore.save(kept, in: db)
        }
        func checkpoint() throws {
            try DatabaseQueue(path: database.path).writeWithoutTransaction { _ = try $0.checkpoint(.truncate) }
        }
        try checkpoint()
        func holds(_ text: String) throws -> Bool {
            try FileManager.default.contentsOfDirectory(atPath: directory).contains { file in
                let bytes = try Data(contentsOf: URL(fileURLWithPath: directory).appendingPathComponent(file))
                return bytes.range(of: Data(text.utf8)) != nil
            }
        }
        #expect(try holds("SUSPECT-TO-FORGET-7f3a9"), "the test looks where the crime was")
        _ = try database.commit(upTo: 2) { db in try CrimeStore.forget([named.crimeRef], in: db) }
        try checkpoint()
        #expect(try !holds("SUSPECT-TO-FORGET-7f3a9"))
        #expect(try database.read { try CrimeStore.count(in: $0) } == 1)
    }

    @Test func revisionsReplaceAndPurgeForgetsAgedOutCrimes() throws {
        let directory = temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try PartitionDatabase(
            directory: directory, topic: "t", partition: 0, migrations: CrimeStore.migrations)
        var cancelled = record
        cancelled.version = 4
        cancelled.status = .cancelled
        cancelled.offenceCode = nil
        var later = record
        later.crimeRef = "5000200/25"
        later.occurredAt = record.occurredAt + Instant.days(10)
        try database.commit(upTo: 3) { db in
            try CrimeStore.save(record, in: db)
            try CrimeStore.save(cancelled, in: db)
            try CrimeStore.save(later, in: db)
        }
        #expect(try database.read { try CrimeStore.latest([record.crimeRef], in: $0) }[record.crimeRef] == cancelled)
        let old = try database.read { try CrimeStore.crimeRefs(occurredAtOrBefore: record.occurredAt, in: $0) }
        #expect(old == [record.crimeRef])
        let forgotten = try database.commit(upTo: 3) { db in try CrimeStore.forget(old, in: db) }
        #expect(forgotten == 1)
        #expect(try database.read { try CrimeStore.count(in: $0) } == 1)
        #expect(try database.read { try CrimeStore.latest([later.crimeRef], in: $0) }[later.crimeRef] == later)
    }

    @Test func boundValuesReadBackAsBoundAndAFailingStatementNamesItself() throws {
        let database = try DatabaseQueue()
        try database.write { db in
            try db.execute(sql: "CREATE TABLE kept (id INTEGER PRIMARY KEY, text TEXT, number INTEGER, real REAL, json TEXT)")
            let insert = "INSERT INTO kept (id, text, number, real, json) VALUES (?, ?, ?, ?, ?)"
            try db.executeCached(insert) { values in
                values.bind(Int64(1))
                values.bind("Ünïcödé \u{1F6A8} 'quoted'")
                values.bind(Int64.min)
                values.bind(-0.1021)
                values.bind(utf8: Array(#"["S2","S1"]"#.utf8))
            }
            // The same cached statement again, with empty text, absent values and no bytes.
            try db.executeCached(insert) { values in
                values.bind(Int64(2))
                values.bind("")
                values.bind(nil as Int64?)
                values.bind(nil as Double?)
                values.bind(utf8: [])
            }
            let rows = try Row.fetchAll(db, sql: "SELECT text, number, real, json FROM kept ORDER BY id")
            #expect(rows[0] == ["text": "Ünïcödé \u{1F6A8} 'quoted'", "number": Int64.min, "real": -0.1021, "json": #"["S2","S1"]"#])
            #expect(rows[1]["text"] == "", "empty text is stored as empty text, not NULL")
            #expect(rows[1]["number"] as DatabaseValue == .null)
            #expect(rows[1]["real"] as DatabaseValue == .null)
            #expect(rows[1]["json"] == "")

            let error = #expect(throws: DatabaseError.self) {
                try db.executeCached(insert) { values in
                    values.bind(Int64(1))
                    for _ in 0..<4 { values.bindNull() }
                }
            }
            #expect(error?.resultCode == .SQLITE_CONSTRAINT)
            #expect(error?.sql == insert)
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM kept") == 2, "the failed run kept nothing")
        }
    }
}
