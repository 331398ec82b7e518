import Foundation
import Shared
import Testing

@Suite struct AlertStoreTests {
    func store() throws -> AlertStore {
        try AlertStore(path: NSTemporaryDirectory() + "harmrank-alerts-\(UUID().uuidString)/alerts.sqlite")
    }

    func alert(_ id: String, _ suspect: String = "S1", _ kind: Alert.Kind = .escalation) -> Alert {
        Alert(id: id, suspect: suspect, kind: kind, raisedAt: "2025-06-01T00:00:00.000Z", score: 10, components: nil, crimes: [])
    }

    let t = Instant(milliseconds: 1_750_000_000_000)

    @Test func theSameAlertIsStoredOnceAndTheSameSuspectAndKindWaitsForTheCoolDown() throws {
        let store = try store()
        let coolDown = Instant.days(28)
        #expect(try store.raise(alert("a"), at: t, coolDown: coolDown, webhooks: []))
        #expect(try !store.raise(alert("a"), at: t, coolDown: coolDown, webhooks: []), "a replay raises nothing")
        #expect(try !store.raise(alert("b"), at: t + Instant.days(27), coolDown: coolDown, webhooks: []))
        #expect(try store.raise(alert("c", "S1", .newVictim), at: t + Instant.days(27), coolDown: coolDown, webhooks: []),
                "another kind has its own cool-down")
        #expect(try store.raise(alert("d"), at: t + Instant.days(28), coolDown: coolDown, webhooks: []))
        #expect(try store.alerts(status: "open", since: nil).map(\.id) == ["a", "c", "d"])
    }

    @Test func anAcknowledgementRecordsWhoAndWhenOnceAndMovesTheAlert() throws {
        let store = try store()
        _ = try store.raise(alert("a"), at: t, coolDown: 0, webhooks: [])
        let acknowledged = try #require(try store.acknowledge("a", by: "sergeant.lee", at: t + 1_000))
        #expect(acknowledged.status == "acknowledged")
        #expect(acknowledged.acknowledgedBy == "sergeant.lee")
        #expect(try store.acknowledge("a", by: "someone.else", at: t + 2_000)?.acknowledgedBy == "sergeant.lee")
        #expect(try store.acknowledge("missing", by: "sergeant.lee", at: t) == nil)
        #expect(try store.alerts(status: "open", since: nil).isEmpty)
        #expect(try store.alerts(status: "acknowledged", since: nil).map(\.id) == ["a"])
        #expect(try store.alerts(status: nil, since: t + 1).isEmpty)
    }

    @Test func theOutboxKeepsAFailedWebhookDeliveryUntilItSucceeds() throws {
        let store = try store()
        _ = try store.raise(alert("a"), at: t, coolDown: 0, webhooks: ["http://unit.example/hook"])
        #expect(try store.unpublished(limit: 10).map(\.id) == ["a"])
        try store.markPublished(["a"], at: t)
        #expect(try store.unpublished(limit: 10).isEmpty)
        let now = Instant.now
        let first = try #require(try store.dueDeliveries(at: now, limit: 10).first)
        try store.failed(first, error: "HTTP 503", retryAt: now + 60_000)
        #expect(try store.dueDeliveries(at: now, limit: 10).isEmpty, "not due again before its back-off")
        let retry = try #require(try store.dueDeliveries(at: now + 60_000, limit: 10).first)
        #expect(retry.attempts == 1)
        try store.delivered(retry, at: now + 60_000)
        #expect(try store.pendingDeliveries() == 0)
    }
}
