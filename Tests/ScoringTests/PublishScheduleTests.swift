import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct PublishScheduleTests {
    let start = ContinuousClock.now
    func at(_ milliseconds: Int) -> ContinuousClock.Instant { start + .milliseconds(milliseconds) }

    @Test func aQuietListGoesOutAtOnceAndABusyOneOncePerInterval() {
        var schedule = PublishSchedule(interval: .seconds(1))
        #expect(schedule.untilNextDue(after: at(0)) == nil)
        schedule.changed([.vawg100], at: at(0))
        #expect(schedule.takeDue(at: at(0)) == [.vawg100])
        schedule.ranked(.vawg100, took: .zero, at: at(0))
        schedule.published(.vawg100, at: at(0))

        schedule.changed([.vawg100], at: at(300))
        #expect(schedule.takeDue(at: at(300)).isEmpty)
        #expect(schedule.untilNextDue(after: at(300)) == .milliseconds(700))
        #expect(schedule.takeDue(at: at(1_000)) == [.vawg100])
        #expect(schedule.untilNextDue(after: at(1_000)) == nil)
    }

    @Test func anEmptyChangeIsNoChange() {
        var schedule = PublishSchedule(interval: .seconds(1))
        schedule.changed([], at: at(0))
        #expect(schedule.takeDue(at: at(0)).isEmpty)
        #expect(schedule.untilNextDue(after: at(0)) == nil)
    }

    /// Ranking hotspots took 100 ms; while the board changes every 50 ms it is ranked again only after 900 ms.
    @Test func whileTheBoardKeepsChangingASlowRankingWaitsNineTimesItsLength() {
        var schedule = PublishSchedule(interval: .milliseconds(20))
        schedule.changed([.hotspots], at: at(0))
        #expect(schedule.takeDue(at: at(0)) == [.hotspots])
        schedule.ranked(.hotspots, took: .milliseconds(100), at: at(100))
        schedule.published(.hotspots, at: at(100))
        for time in stride(from: 150, through: 950, by: 50) {
            schedule.changed([.hotspots], at: at(time))
            #expect(schedule.takeDue(at: at(time)).isEmpty, "at \(time) ms")
        }
        #expect(schedule.untilNextDue(after: at(950)) == .milliseconds(50))
        #expect(schedule.takeDue(at: at(1_000)) == [.hotspots])
    }

    /// The backfill ends at 300 ms: the board has been still for the ranking's 100 ms at 400 ms, not at 1,000.
    @Test func onceTheBoardIsStillForARankingsLengthTheListGoesOut() {
        var schedule = PublishSchedule(interval: .milliseconds(20))
        schedule.changed([.hotspots, .vawg100], at: at(0))
        #expect(schedule.takeDue(at: at(0)) == [.vawg100, .hotspots])
        schedule.ranked(.hotspots, took: .milliseconds(100), at: at(100))
        schedule.ranked(.vawg100, took: .milliseconds(1), at: at(100))
        schedule.changed([.hotspots, .vawg100], at: at(300))
        #expect(schedule.takeDue(at: at(300)) == [.vawg100])
        #expect(schedule.untilNextDue(after: at(300)) == .milliseconds(100))
        #expect(schedule.takeDue(at: at(399)).isEmpty)
        #expect(schedule.takeDue(at: at(400)) == [.hotspots])
    }

    @Test func listsThatDidNotGoOutArePendingAgain() {
        var schedule = PublishSchedule(interval: .seconds(1))
        schedule.changed([.violenceHarm], at: at(0))
        let due = schedule.takeDue(at: at(0))
        schedule.ranked(.violenceHarm, took: .zero, at: at(0))
        schedule.notPublished(due)
        #expect(schedule.takeDue(at: at(10)) == [.violenceHarm])
    }
}
