import Testing

@testable import HarmRankCore

@Suite struct FairnessReportTests {
    let camden = "E05013652"
    let sutton = "E05013754"

    func day(_ day: Int) -> Instant { Fixtures.instant("2025-01-\(day < 10 ? "0" : "")\(day)T10:00:00Z") }

    /// Two rapes by A, one in each borough (a tie, so A counts in Camden, first by name, with the score split in
    /// half); one by B in Sutton; one in Sutton with nobody suspected, which counts among the offences only.
    @Test func sharesOfPeopleScoreAndOffencesByBoroughWithNotesBeyondTheFactor() {
        let records = [
            Fixtures.record("R1", code: "19C", at: day(10), ward: camden, suspects: ["A"]),
            Fixtures.record("R2", code: "19C", at: day(11), ward: sutton, suspects: ["A"]),
            Fixtures.record("R3", code: "19C", at: day(12), ward: sutton, suspects: ["B"]),
            Fixtures.record("R4", code: "19C", at: day(13), ward: sutton),
            Fixtures.record("R5", code: "19C", at: day(14), ward: camden, suspects: ["C"]),
            // R5's later version cancels it: the latest version decides, whatever the order read.
            Fixtures.record("R5", version: 2, code: nil, at: day(14), ward: camden, suspects: ["C"], cancelled: true),
        ]
        let report = FairnessReport(
            records: records.reversed(), harmTable: Fixtures.harmTable, wards: Fixtures.wards, factor: 1.2, minimumOffenceShare: 0)
        let vawg = report.rows.filter { $0.list == .vawg100 }
        #expect(vawg.map(\.month) == ["2025-01", "2025-01"])
        #expect(vawg.map(\.borough) == ["Camden", "Sutton"])
        #expect(vawg.map(\.entities) == [1, 1])
        #expect(vawg.map(\.scoreShare) == [3_333, 6_666])
        #expect(vawg.map(\.offenceShare) == [2_500, 7_500])
        #expect(vawg.map(\.flagged) == [true, false], "Camden: 33% of the score against 25% of the offences, beyond x1.2")
        #expect(report.rows.filter { $0.list == .violenceHarm }.map(\.scoreShare) == [3_333, 6_666])
        #expect(report.rows.allSatisfy { $0.list != .dauntless }, "no domestic offence, no Dauntless+ rows")
    }

    @Test func aLaterMonthLooksAtItsOwnWindowAndNothingIsNotedWithinTheFactor() {
        let records = [
            Fixtures.record("R1", code: "19C", at: day(10), ward: camden, suspects: ["A"]),
            Fixtures.record("R2", code: "19C", at: Fixtures.instant("2025-03-05T10:00:00Z"), ward: sutton, suspects: ["B"]),
        ]
        let report = FairnessReport(records: records, harmTable: Fixtures.harmTable, wards: Fixtures.wards)
        #expect(Set(report.rows.map(\.month)) == ["2025-01", "2025-02", "2025-03"])
        let february = report.rows.filter { $0.month == "2025-02" && $0.list == .vawg100 }
        #expect(february.map(\.borough) == ["Camden"] && february.first?.scoreShare == 10_000)
        let march = report.rows.filter { $0.month == "2025-03" && $0.list == .vawg100 }
        #expect(march.map(\.scoreShare) == [5_000, 5_000] && march.map(\.offenceShare) == [5_000, 5_000])
        #expect(report.rows.allSatisfy { !$0.flagged })
    }
}
