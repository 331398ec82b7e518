import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct WindowTests {
    let start = Fixtures.received
    let suspect = EntityRef(.suspect, "S1")

    func link(_ crimeRef: String, version: Int64 = 1, days: Int64 = 365, at occurredAt: Instant, lists: [HarmList] = [.violenceHarm], victims: [String] = []) -> CrimeLink {
        CrimeLink(
            crimeRef: crimeRef, version: version, offenceCode: "8N", harm: Harm(days: days), lists: ListSet(lists),
            occurredAt: occurredAt, victims: victims)
    }

    @Test func crimeLeavesExactlyWhenItAgesOut() {
        var windows = HarmWindows(clock: start)
        windows.apply(.add(suspect, link("C1", at: start - Instant.days(10))))
        #expect(windows.takeChanged() == [suspect])
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == Harm(days: 365))
        let expiry = start - Instant.days(10) + HarmWindows.windowLength
        windows.advance(to: expiry - 1)
        #expect(windows.takeChanged().isEmpty)
        #expect(windows.standing(of: suspect, in: .violenceHarm).offences == 1)
        windows.advance(to: expiry)
        #expect(windows.takeChanged() == [suspect])
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == .zero)
        #expect(windows.contributionCount == 0)
        #expect(windows.entityCount == 0, "an entity with nothing left is forgotten")
    }

    @Test func futureCrimeCountsFromItsTime() {
        var windows = HarmWindows(clock: start)
        windows.apply(.add(suspect, link("C1", at: start + 60_000)))
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == .zero)
        _ = windows.takeChanged()
        windows.advance(to: start + 59_999)
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == .zero)
        windows.advance(to: start + 60_000)
        #expect(windows.takeChanged() == [suspect])
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == Harm(days: 365))
    }

    @Test func addAndRetractAreIdempotentAndOldVersionsIgnored() {
        var windows = HarmWindows(clock: start)
        windows.apply(.add(suspect, link("C1", version: 2, at: start)))
        windows.apply(.add(suspect, link("C1", version: 2, at: start)))
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == Harm(days: 365))
        windows.apply(.add(suspect, link("C1", version: 1, days: 10, at: start)))
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == Harm(days: 365))
        windows.apply(.retract(suspect, crimeRef: "C1", version: 1))
        #expect(windows.standing(of: suspect, in: .violenceHarm).offences == 1)
        windows.apply(.retract(suspect, crimeRef: "C1", version: 3))
        windows.apply(.retract(suspect, crimeRef: "C1", version: 3))
        #expect(windows.standing(of: suspect, in: .violenceHarm).score == .zero)
        #expect(windows.contributionCount == 0)
    }

    @Test func alreadyExpiredCrimeIsNotKept() {
        var windows = HarmWindows(clock: start)
        windows.apply(.add(suspect, link("C1", at: start - HarmWindows.windowLength)))
        #expect(windows.contributionCount == 0)
        #expect(windows.takeChanged().isEmpty)
    }

    @Test func explanationListsEveryCountingCrime() {
        var windows = HarmWindows(clock: start)
        windows.apply(.add(suspect, link("C2", at: start - Instant.days(3))))
        windows.apply(.add(suspect, link("C1", days: 10, at: start - Instant.days(1), lists: [.vawg100, .violenceHarm])))
        let offences = windows.countingOffences(of: suspect)
        #expect(offences.map(\.crimeRef) == ["C1", "C2"])
        #expect(offences.reduce(Harm.zero) { $0 + $1.harm } == Harm(days: 375))
        #expect(offences[0].expiresAt == start - Instant.days(1) + HarmWindows.windowLength)
        #expect(offences[0].lists == ListSet([.vawg100, .violenceHarm]))
    }
}

@Suite struct DauntlessTests {
    @Test(arguments: [
        (Int64(0), 40), (7, 40), (8, 30), (30, 30), (31, 20), (90, 20), (91, 10), (182, 10), (183, 5), (364, 5),
    ])
    func recencyBands(days: Int64, points: Int) {
        #expect(DauntlessComponents.recencyPoints(days: days) == points)
    }

    @Test(arguments: [(1, 0), (2, 10), (3, 20), (4, 20), (5, 30), (40, 30)])
    func frequencyBands(crimes: Int, points: Int) {
        #expect(DauntlessComponents.frequencyPoints(crimes) == points)
    }

    @Test(arguments: [
        (Int64(999), 0), (1_000, 10), (36_499, 10), (36_500, 20), (182_499, 20), (182_500, 30), (547_500, 30),
    ])
    func gravityBands(hundredths: Int64, points: Int) {
        #expect(DauntlessComponents.gravityPoints(Harm(hundredths: hundredths)) == points)
    }

    @Test func scoreRoundsDownToTheHundredth() {
        let now = Fixtures.received
        // H = 10.01 days, F = 2 (10), G = 10.00 (10), R = 0 (40): 10.01 x 1.60 = 16.016 -> 16.01
        let components = DauntlessComponents(
            harm: Harm(hundredths: 1_001), frequency: 2, gravity: Harm(days: 10), mostRecent: now, victims: 1, asOf: now)
        #expect(components.rfg == 60)
        #expect(components.score == Harm(hundredths: 1_601))
    }

    @Test func scoreMovesWithTimeAlone() {
        let start = Fixtures.received
        let suspect = EntityRef(.suspect, "S1")
        var windows = HarmWindows(clock: start)
        for (index, daysAgo) in [Int64(0), 20].enumerated() {
            windows.apply(
                .add(
                    suspect,
                    CrimeLink(
                        crimeRef: "C\(index)", version: 1, offenceCode: "8N", harm: Harm(days: 365),
                        lists: ListSet([.vawg100, .dauntless]), occurredAt: start - Instant.days(daysAgo),
                        victims: ["V\(index)"])))
        }
        _ = windows.takeChanged()
        let fresh = windows.standing(of: suspect, in: .dauntless).dauntless!
        #expect((fresh.harm, fresh.frequency, fresh.gravity, fresh.recencyDays, fresh.victims) == (Harm(days: 730), 2, Harm(days: 365), 0, 2))
        #expect(fresh.rfg == 40 + 10 + 20)
        #expect(fresh.score == Harm(hundredths: 73_000 * 170 / 100))
        windows.advance(to: start + Instant.days(8) - 1)
        #expect(windows.takeChanged().isEmpty, "no band crossed yet")
        windows.advance(to: start + Instant.days(8))
        #expect(windows.takeChanged() == [suspect], "recency points dropped at day 8")
        #expect(windows.standing(of: suspect, in: .dauntless).dauntless?.rfg == 30 + 10 + 20)
        for day in [Int64(31), 91, 183] {
            windows.advance(to: start + Instant.days(day))
            #expect(windows.takeChanged() == [suspect], "day \(day)")
        }
        #expect(windows.standing(of: suspect, in: .dauntless).dauntless?.rfg == 5 + 10 + 20)
    }

    /// A contribution stays plain 32-byte data, and its packed harm and lists hold the largest harm any table may
    /// give and every list.
    @Test func contributionIsSmallAndHoldsEveryHarm() {
        #expect(MemoryLayout<Contribution>.stride == 32)
        let domesticLists = ListSet([.vawg100, .dauntless])
        #expect(Int64(Contribution.harmLimit) >= HarmTable.maximumHarm.hundredths)
        var contribution = Contribution(
            version: 1, occurredAt: Instant(milliseconds: 0), harm: Int32(HarmTable.maximumHarm.hundredths), crime: 7,
            victims: .none, place: 3, lists: domesticLists, isCounting: true)
        #expect(contribution.harm == Int32(HarmTable.maximumHarm.hundredths))
        #expect(contribution.lists == domesticLists && contribution.isCounting)
        contribution.isCounting = false
        contribution.harm = 1
        #expect(contribution.harm == 1 && contribution.lists == domesticLists && !contribution.isCounting)
        // Every list scored from crimes has room, the last one too (the forecast is ranked from scores, never a
        // crime's list).
        let every = ListSet(HarmList.scoredFromCrimes)
        contribution.lists = every
        #expect(contribution.lists == every && contribution.harm == 1 && !contribution.isCounting)
        contribution.lists = ListSet([.hotspots])
        #expect(contribution.lists == ListSet([.hotspots]))
    }
}
