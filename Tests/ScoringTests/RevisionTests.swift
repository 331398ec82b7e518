import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct RevisionTests {
    let revision = Fixtures.revision

    func changes(_ incoming: OffenceRecord, over stored: OffenceRecord?) -> [LinkChange] {
        guard case .accepted(let changes) = revision.apply(incoming, over: stored) else {
            Issue.record("not accepted")
            return []
        }
        return changes
    }

    func retracted(_ changes: [LinkChange]) -> [EntityRef] {
        changes.compactMap { if case .retract(let entity, _, _) = $0 { entity } else { nil } }
    }

    func added(_ changes: [LinkChange]) -> [EntityRef: CrimeLink] {
        Dictionary(uniqueKeysWithValues: changes.compactMap { if case .add(let entity, let link) = $0 { (entity, link) } else { nil } })
    }

    @Test func firstVersionLinksEverySuspectAndTheWard() {
        let record = Fixtures.record(
            "C1", code: "8N", ward: "E05009317", flags: [.weapon, .domestic], suspects: ["B", "A"], victims: ["V"])
        let links = added(changes(record, over: nil))
        #expect(links.keys.sorted { $0.description < $1.description } == [
            EntityRef(.suspect, "A"), EntityRef(.suspect, "B"), EntityRef(.ward, "E05009317"),
        ])
        #expect(links[EntityRef(.suspect, "A")]?.lists == ListSet([.vawg100, .violenceHarm, .dauntless]))
        #expect(links[EntityRef(.suspect, "A")]?.victims == ["V"])
        #expect(links[EntityRef(.ward, "E05009317")]?.lists == ListSet([.stopSearchWards]))
        #expect(links[EntityRef(.suspect, "A")]?.harm == Harm(days: 365))
    }

    @Test func shopliftingCountsForNoList() {
        #expect(changes(Fixtures.record("C1", code: "46", ward: "E05009317", suspects: ["A"]), over: nil).isEmpty)
    }

    @Test func reclassificationReplacesTheLinks() {
        let v1 = Fixtures.record("C1", code: "105A", ward: "E05009317", flags: [.weapon], suspects: ["A"])
        let v2 = Fixtures.record("C1", version: 2, code: "19C", ward: "E05009317", flags: [.weapon], suspects: ["A"])
        let result = changes(v2, over: v1)
        // Rape is not a stop-and-search offence: the ward loses the crime; the suspect's link is replaced.
        #expect(retracted(result) == [EntityRef(.ward, "E05009317")])
        #expect(added(result)[EntityRef(.suspect, "A")]?.lists == ListSet([.vawg100, .violenceHarm]))
        #expect(added(result)[EntityRef(.suspect, "A")]?.harm == Harm(days: 2555))
    }

    @Test func suspectsAddedAndEliminated() {
        let v1 = Fixtures.record("C1", code: "8N", suspects: ["A", "B"])
        let v2 = Fixtures.record("C1", version: 2, code: "8N", suspects: ["B", "C"])
        let result = changes(v2, over: v1)
        #expect(retracted(result) == [EntityRef(.suspect, "A")])
        // B's contribution is unchanged, so B gets nothing.
        #expect(Array(added(result).keys) == [EntityRef(.suspect, "C")])
    }

    @Test func cancellationRetractsEverything() {
        let v1 = Fixtures.record("C1", code: "34B", ward: "E05009317", suspects: ["A"])
        let v2 = Fixtures.record("C1", version: 3, code: nil, ward: "E05009317", suspects: ["A"], cancelled: true)
        #expect(Set(retracted(changes(v2, over: v1))) == [EntityRef(.suspect, "A"), EntityRef(.ward, "E05009317")])
        // A later recorded version counts again: the latest version is what the crime is.
        let v4 = Fixtures.record("C1", version: 4, code: "34B", ward: "E05009317", suspects: ["A"])
        #expect(added(changes(v4, over: v2)).count == 2)
    }

    @Test func wardMovedAndDateCorrected() {
        let v1 = Fixtures.record("C1", code: "34B", ward: "E05009317", suspects: ["A"])
        var v2 = v1
        v2.version = 2
        v2.wardCode = "E05009318"
        v2.occurredAt = v1.occurredAt - Instant.days(2)
        let result = changes(v2, over: v1)
        #expect(retracted(result) == [EntityRef(.ward, "E05009317")])
        #expect(added(result)[EntityRef(.ward, "E05009318")] != nil)
        #expect(added(result)[EntityRef(.suspect, "A")]?.occurredAt == v2.occurredAt)
    }

    @Test func aSuspectsDomesticOffenceCarriesItsWardAndAMoveRevisesIt() {
        let domestic = Fixtures.record("C1", code: "8N", ward: "E05009317", flags: [.domestic], suspects: ["A"], victims: ["V"])
        #expect(added(changes(domestic, over: nil))[EntityRef(.suspect, "A")]?.ward == "E05009317")
        // Only domestic offences route alerts: other links carry no ward, wards' and cells' none either.
        let other = Fixtures.record("C2", code: "8N", ward: "E05009317", suspects: ["A"])
        #expect(added(changes(other, over: nil)).values.allSatisfy { $0.ward == nil })
        var moved = domestic
        moved.version = 2
        moved.wardCode = "E05009318"
        #expect(added(changes(moved, over: domestic))[EntityRef(.suspect, "A")]?.ward == "E05009318")
        var otherMoved = other
        otherMoved.version = 2
        otherMoved.wardCode = "E05009318"
        #expect(added(changes(otherMoved, over: other))[EntityRef(.suspect, "A")] == nil)
    }

    @Test func duplicatesStaleVersionsAndConflicts() {
        let v2 = Fixtures.record("C1", version: 2, code: "8N", suspects: ["A"])
        #expect(revision.apply(v2, over: v2) == .duplicate)
        #expect(revision.apply(Fixtures.record("C1", version: 1, code: "105A"), over: v2) == .stale(storedVersion: 2))
        guard case .conflict(let rejection) = revision.apply(Fixtures.record("C1", version: 2, code: "105A"), over: v2)
        else {
            Issue.record("no conflict")
            return
        }
        #expect(rejection.reason == .versionConflict)
        #expect(rejection.detail.contains("version 2 of crimeRef 'C1'"))
    }
}
