import Foundation
@testable import HarmRankCore
@testable import Shared
import Testing

/// The alert rules of CONTRACT.md section 5 on scores read from real windows, as NotifyService gets them.
@Suite struct AlertRulesTests {
    /// Applies records in turn and returns the suspect's score after each, as ScoreService would publish it.
    func scores(of suspect: String, after records: [OffenceRecord]) -> [EntityScore] {
        var windows = HarmWindows(clock: Fixtures.received - Instant.days(400))
        var stored: [String: OffenceRecord] = [:]
        var result: [EntityScore] = []
        for (index, record) in records.enumerated() {
            guard case .accepted(let changes) = Fixtures.revision.apply(record, over: stored[record.crimeRef]) else {
                Issue.record("record \(record.crimeRef) not accepted")
                continue
            }
            stored[record.crimeRef] = record
            for change in changes { windows.apply(change) }
            windows.advance(to: max(windows.clock, record.occurredAt))
            _ = windows.takeChanged()
            result.append(EntityScore(EntityRef(.suspect, suspect), in: windows, sequence: Int64(index + 1)))
        }
        return result
    }

    func kinds(_ scores: [EntityScore], rules: AlertRules = AlertRules()) -> [[Alert.Kind]] {
        var memory: AlertRules.SuspectMemory?
        return scores.map { score in
            defer { memory = AlertRules.SuspectMemory(score) }
            return rules.candidates(before: memory, after: score).map(\.kind)
        }
    }

    let day = Instant.days(1)

    @Test func aSeriousDomesticOffenceAfterAnotherIsAnEscalation() {
        let t = Fixtures.received
        let scores = scores(of: "S1", after: [
            Fixtures.record("C1", code: "105A", at: t, flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
            Fixtures.record("C2", code: "8N", at: t + 10 * day, flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
        ])
        #expect(kinds(scores) == [[], [.escalation]])
    }

    @Test func aFirstSeriousOffenceIsNoEscalation() {
        let scores = scores(of: "S1", after: [
            Fixtures.record("C1", code: "8N", flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
        ])
        #expect(kinds(scores) == [[]])
    }

    @Test func aSecondVictimIsANewVictimAlertAndARevisionIsNoNewOffence() {
        let t = Fixtures.received
        let scores = scores(of: "S1", after: [
            Fixtures.record("C1", code: "105A", at: t, flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
            Fixtures.record("C2", code: "105A", at: t + day, flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
            Fixtures.record("C3", code: "105A", at: t + 2 * day, flags: [.domestic], suspects: ["S1"], victims: ["V2"]),
            // A revision of a known crime to a serious offence adds no new offence.
            Fixtures.record("C1", version: 2, code: "8N", at: t, flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
        ])
        #expect(kinds(scores) == [[], [], [.newVictim], []])
    }

    @Test func offencesOlderThanTheBackfillHorizonRaiseNothing() {
        let t = Fixtures.received
        let records = [
            Fixtures.record("C1", code: "105A", at: t, flags: [.domestic], suspects: ["S1"], victims: ["V1"]),
            // Reported late: occurred 40 days before the clock it arrives at.
            Fixtures.record("C9", code: "105A", at: t + 100 * day, flags: [.domestic], suspects: ["S9"]),
            Fixtures.record("C2", code: "8N", at: t + 60 * day, flags: [.domestic], suspects: ["S1"], victims: ["V2"]),
        ]
        var windows = HarmWindows(clock: t - Instant.days(400))
        var memory: AlertRules.SuspectMemory?
        var raised: [[Alert.Kind]] = []
        for record in records {
            guard case .accepted(let changes) = Fixtures.revision.apply(record, over: nil) else { continue }
            for change in changes { windows.apply(change) }
            windows.advance(to: max(windows.clock, record.occurredAt))
            _ = windows.takeChanged()
            guard record.suspects == ["S1"] else { continue }
            let score = EntityScore(EntityRef(.suspect, "S1"), in: windows, sequence: 1)
            raised.append(AlertRules().candidates(before: memory, after: score).map(\.kind))
            var event = AlertRules()
            event.backfillHorizon = nil
            if record.crimeRef == "C2" {
                #expect(Set(event.candidates(before: memory, after: score).map(\.kind)) == [.escalation, .newVictim],
                        "on the event clock age does not matter")
            }
            memory = AlertRules.SuspectMemory(score)
        }
        #expect(raised == [[], []], "C2 occurred 40 days before the clock: it counts but raises nothing")
    }

    /// What NotifyService stores of a suspect reads back as it was, whatever the crime references hold.
    @Test func aSuspectsMemoryReadsBackFromItsJSON() throws {
        for memory in [
            AlertRules.SuspectMemory(domesticCrimes: [], victims: 0),
            AlertRules.SuspectMemory(domesticCrimes: ["01/2", "C\"3\\", "é€\u{1}"], victims: 4),
        ] {
            let read = try AlertRules.SuspectMemory(json: memory.json)
            #expect(read == memory)
        }
    }
}
