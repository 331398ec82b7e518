import Foundation
import GRDB
@testable import HarmRankCore
@testable import Shared
import Testing

/// A partition's stored offset counts only in the log it was read from (issue: state kept across a broker that
/// came back empty skipped every new message).
@Suite struct LogPositionTests {
    @Test func aStateIsJudgedAgainstTheClusterAndTheOffsetsItsLogHolds() {
        let stored = LogPosition(nextOffset: 120, cluster: "A")
        #expect(LogVerdict.judge(stored: nil, cluster: "A", held: 0..<50) == .noState)
        #expect(LogVerdict.judge(stored: stored, cluster: "A", held: 0..<120) == .continues(stored))
        #expect(LogVerdict.judge(stored: stored, cluster: "A", held: 100..<500) == .continues(stored))
        // The log kept less than the state expected: the messages in between are gone.
        #expect(LogVerdict.judge(stored: stored, cluster: "A", held: 150..<500) == .missing(120..<150))
        // A log that ends before the stored offset is another incarnation, whatever the cluster says.
        guard case .anotherLog(let shorter) = LogVerdict.judge(stored: stored, cluster: "A", held: 0..<1) else {
            Issue.record("a log ending before the stored offset was taken as the same log")
            return
        }
        #expect(shorter.contains("120") && shorter.contains("ends at offset 1"), "\(shorter)")
        // Another cluster is another log, even one long enough to hold the stored offset.
        guard case .anotherLog(let other) = LogVerdict.judge(stored: stored, cluster: "B", held: 0..<9_000) else {
            Issue.record("another cluster's log was taken as the same log")
            return
        }
        #expect(other.contains("'A'") && other.contains("'B'"), "\(other)")
        // State written before clusters were recorded is judged by its offsets alone.
        let unknown = LogPosition(nextOffset: 120, cluster: nil)
        #expect(LogVerdict.judge(stored: unknown, cluster: "B", held: 0..<200) == .continues(unknown))
    }

    @Test func theClusterIsKeptWithTheOffsetAndMissingOffsetsAreRecordedOnce() throws {
        let directory = NSTemporaryDirectory() + "harmrank-log-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try PartitionDatabase(directory: directory, topic: "t", partition: 0) { _ in }
        #expect(try database.logPosition() == nil)
        try database.commit(upTo: 7, counting: ["accepted": 7]) { _ in }
        #expect(try database.logPosition() == LogPosition(nextOffset: 7, cluster: nil))
        try database.continueLog(at: 7, cluster: "A")
        try database.commit(upTo: 9, counting: ["accepted": 2]) { _ in }
        #expect(try database.logPosition() == LogPosition(nextOffset: 9, cluster: "A"), "a commit keeps the cluster")

        // A gap found again after a crash (the replay reads the same gap) is one gap.
        try database.recordMissing(9..<12, cluster: "A")
        try database.recordMissing(9..<12, cluster: "A")
        // A new log: the state moves to its beginning and keeps its counts.
        try database.continueLog(at: 0, cluster: "B", missing: nil)
        try database.recordMissing(0..<4, cluster: "B")
        #expect(try database.logPosition() == LogPosition(nextOffset: 0, cluster: "B"))
        #expect(try database.outcomeCounts() == ["accepted": 9])
        #expect(
            try database.missingOffsets()
                == [MissingOffsets(cluster: "A", offsets: 9..<12), MissingOffsets(cluster: "B", offsets: 0..<4)])
    }

    /// Files written before the cluster was recorded gain the column and keep their offset.
    @Test func aStateFileFromBeforeTheClusterWasRecordedIsMigrated() throws {
        let directory = NSTemporaryDirectory() + "harmrank-log-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = PartitionDatabase.path(directory: directory, topic: "t", partition: 3)
        let old = try DatabaseQueue(path: path)
        try old.write { db in
            try db.execute(sql: """
                CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY);
                INSERT INTO grdb_migrations VALUES ('partition offset'), ('owner table');
                CREATE TABLE partitionOffset (topic TEXT PRIMARY KEY, nextOffset INTEGER NOT NULL, clock INTEGER);
                CREATE TABLE outcomeCount (outcome TEXT PRIMARY KEY, count INTEGER NOT NULL);
                INSERT INTO partitionOffset VALUES ('t', 12379, NULL);
                """)
        }
        try old.close()
        let database = try PartitionDatabase(directory: directory, topic: "t", partition: 3) { _ in }
        #expect(try database.logPosition() == LogPosition(nextOffset: 12379, cluster: nil))
    }
}
