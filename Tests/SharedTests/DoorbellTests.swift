import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct DoorbellTests {
    @Test(.timeLimit(.minutes(1))) func aDoorbellWakesItsWaiterAndRemembersAnEarlyRing() async {
        let doorbell = Doorbell()
        doorbell.ring()
        await doorbell.wait(timeout: .seconds(3_600))
        let waiter = Task { await doorbell.wait(timeout: .seconds(3_600)) }
        try? await Task.sleep(for: .milliseconds(50))
        doorbell.ring()
        await waiter.value
    }
}
