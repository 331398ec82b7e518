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
        #expect(try store.alerts(status: nil, since: nil).isEmpty, "none shown before it is published")
        try store.markPublished([alert("a"), alert("c", "S1", .newVictim), alert("d")], at: t)
        #expect(try store.alerts(status: .open, since: nil).map(\.id) == ["a", "c", "d"])
    }

    @Test func anAcknowledgementRecordsWhoAndWhenOnceAndMovesTheAlert() throws {
        let store = try store()
        _ = try store.raise(alert("a"), at: t, coolDown: 0, webhooks: [])
        try store.markPublished([alert("a")], at: t)
        let acknowledged = try #require(try store.acknowledge("a", by: "sergeant.lee", at: t + 1_000))
        #expect(acknowledged.status == .acknowledged && acknowledged.version == 2)
        #expect(acknowledged.acknowledgedBy == "sergeant.lee")
        #expect(try store.acknowledge("a", by: "someone.else", at: t + 2_000)?.acknowledgedBy == "sergeant.lee")
        #expect(try store.acknowledge("missing", by: "sergeant.lee", at: t) == nil)
        #expect(try store.alerts(status: .open, since: nil).isEmpty)
        #expect(try store.alerts(status: .acknowledged, since: nil).map(\.id) == ["a"])
        #expect(try store.alerts(status: nil, since: t + 1).isEmpty)
    }

    /// open -> acknowledged -> assigned -> closed, each step once and in order: a step out of order, or taken
    /// again by someone else, changes nothing; each step makes a new version to publish.
    @Test func theWorkflowTakesEachStepOnceAndInOrderAndEachIsPublishedAsANewVersion() throws {
        let store = try store()
        var raised = alert("a")
        raised.units = ["central-north", "north"]
        _ = try store.raise(raised, at: t, coolDown: 0, webhooks: [])
        try store.markPublished([raised], at: t)
        #expect(try store.unpublished(limit: 10).isEmpty)
        #expect(try store.assign("a", to: "pc.khan", by: "sergeant.lee", at: t)?.status == .open, "not before it is acknowledged")
        #expect(try store.close("a", outcome: .arrest, note: nil, by: "sergeant.lee", at: t)?.status == .open)

        _ = try store.acknowledge("a", by: "sergeant.lee", at: t + 1_000)
        #expect(try store.unpublished(limit: 10).map(\.version) == [2])
        let assigned = try #require(try store.assign("a", to: "pc.khan", by: "sergeant.lee", at: t + 2_000))
        #expect(assigned.status == .assigned && assigned.assignee == "pc.khan" && assigned.assignedBy == "sergeant.lee")
        #expect(try store.assign("a", to: "pc.other", by: "inspector.ng", at: t + 2_500)?.assignee == "pc.khan", "the first stands")
        #expect(try store.unpublished(limit: 10).map(\.version) == [2, 3])
        let closed = try #require(try store.close("a", outcome: .safeguardingReferral, note: "IDVA", by: "pc.khan", at: t + 3_000))
        #expect(closed.status == .closed && closed.outcome == .safeguardingReferral && closed.note == "IDVA")
        #expect(closed.closedBy == "pc.khan" && closed.closedAt == Instant(milliseconds: t.milliseconds + 3_000).rfc3339)
        #expect(closed.version == 4 && closed.units == ["central-north", "north"])
        #expect(try store.close("a", outcome: .arrest, note: nil, by: "sergeant.lee", at: t + 4_000)?.outcome == .safeguardingReferral)
        let latest = try store.unpublished(limit: 10)
        #expect(latest.map(\.version) == [2, 3, 4], "a leader that has not yet published a step publishes each, in order")
        #expect(latest[1].assignee == "pc.khan" && latest[1].outcome == nil && latest[1].status == .assigned)
        #expect(latest[0].assignee == nil && latest[0].acknowledgedBy == "sergeant.lee" && latest[0].status == .acknowledged)
        try store.markPublished(latest, at: t + 5_000)
        #expect(try store.unpublished(limit: 10).isEmpty)
        #expect(try store.alerts(status: .closed, since: nil).map(\.id) == ["a"])
        #expect(try store.alerts(status: .assigned, since: nil).isEmpty)
        #expect(try store.alerts(status: nil, unit: "north", since: nil).map(\.id) == ["a"])
        #expect(try store.alerts(status: nil, unit: "south", since: nil).isEmpty)
    }

    /// An alert closed before the cutoff goes, with its deliveries, and every changelog key that held it is named
    /// for erasing; an alert closed since, or not closed at all, stays however old.
    @Test func purgingDeletesAlertsClosedBeforeTheCutoffAndNamesTheirChangelogKeys() throws {
        let store = try store()
        let hook = "http://unit.example/hook"
        for id in ["old", "recent", "open"] {
            _ = try store.raise(alert(id, "S-\(id)"), at: t, coolDown: 0, webhooks: [hook])
            try store.markPublished([alert(id, "S-\(id)")], at: t)
        }
        for (id, closedAt) in [("old", t + 1_000), ("recent", t + Instant.days(40))] {
            _ = try store.acknowledge(id, by: "sergeant.lee", at: closedAt - 3)
            _ = try store.assign(id, to: "pc.khan", by: "inspector.ng", at: closedAt - 2)
            _ = try store.close(id, outcome: .arrest, note: "charged", by: "pc.khan", at: closedAt)
        }
        try store.delivered(alertId: "old", url: hook, at: t + 500)
        let keys = try store.purge(closedBefore: t + Instant.days(10))
        #expect(keys == ["old", "old/delivered/\(hook)", "old/acknowledged/sergeant.lee", "old/assigned/inspector.ng", "old/closed/pc.khan"])
        #expect(try store.alert("old") == nil)
        #expect(try store.alerts(status: nil, since: nil).map(\.id) == ["open", "recent"])
        #expect(try store.pendingDeliveries() == 2, "the old alert's delivery went with it")
        #expect(try store.purge(closedBefore: t + Instant.days(10)).isEmpty, "a second purge finds nothing")
        #expect(try store.purge(closedBefore: t + Instant.days(1_000)).first == "recent", "the open alert is never purged")
        #expect(try store.alerts(status: nil, since: nil).map(\.id) == ["open"])
    }

    /// A version read back from `alerts.dauntless` counts as published: a new leader does not publish it again.
    @Test func aVersionTakenInFromTheTopicIsNotPublishedAgain() throws {
        let store = try store()
        _ = try store.raise(alert("a"), at: t, coolDown: 0, webhooks: [])
        try store.markPublished([alert("a")], at: t)
        let acknowledged = try #require(try store.acknowledge("a", by: "sergeant.lee", at: t + 1_000))
        try store.adopt(acknowledged, recorded: false, coolDown: 0, webhooks: [], at: t + 2_000)
        #expect(try store.unpublished(limit: 10).isEmpty)
        try store.adopt(alert("a"), recorded: false, coolDown: 0, webhooks: [], at: t + 3_000)
        #expect(try store.unpublished(limit: 10).isEmpty, "an older version read later changes nothing")
    }

    @Test func theOutboxKeepsAFailedWebhookDeliveryUntilItSucceeds() throws {
        let store = try store()
        _ = try store.raise(alert("a"), at: t, coolDown: 0, webhooks: ["http://unit.example/hook"])
        #expect(try store.unpublished(limit: 10).map(\.id) == ["a"])
        try store.markPublished([alert("a")], at: t)
        #expect(try store.unpublished(limit: 10).isEmpty)
        #expect(try store.dueDeliveries(at: .now, limit: 10).isEmpty, "delivered only once recorded on the changelog")
        #expect(try store.unrecorded(limit: 10).map(\.id) == ["a"])
        try store.markRecorded(["a"], at: t)
        #expect(try store.unrecorded(limit: 10).isEmpty)
        let now = Instant.now
        let first = try #require(try store.dueDeliveries(at: now, limit: 10).first)
        try store.failed(first, error: "HTTP 503", retryAt: now + 60_000)
        #expect(try store.dueDeliveries(at: now, limit: 10).isEmpty, "not due again before its back-off")
        let retry = try #require(try store.dueDeliveries(at: now + 60_000, limit: 10).first)
        #expect(retry.attempts == 1)
        try store.delivered(retry, at: now + 60_000)
        #expect(try store.pendingDeliveries() == 0)
    }

    /// A replica takes in what the leader published: the alert marked published (and recorded, from the
    /// changelog), its deliveries queued until the leader's record of them arrives, and its own unpublished alert
    /// for the same suspect and kind within the cool-down dropped.
    @Test func anAlertTakenInFromKafkaIsPublishedAndReplacesTheReplicasOwnVersionOfIt() throws {
        let store = try store()
        let coolDown = Instant.days(28)
        let hook = "http://unit.example/hook"
        #expect(try store.raise(alert("own", "S1", .enteredCohort), at: t, coolDown: coolDown, webhooks: [hook]))
        #expect(try store.raise(alert("other", "S2", .enteredCohort), at: t, coolDown: coolDown, webhooks: [hook]))
        var leaders = alert("leaders", "S1", .enteredCohort)
        leaders.raisedAt = Instant(milliseconds: t.milliseconds + 1_000).rfc3339
        try store.adopt(leaders, recorded: false, coolDown: coolDown, webhooks: [hook], at: t)
        #expect(try store.alerts(status: nil, since: nil).map(\.id) == ["leaders"], "the replica's own unpublished one not shown")
        #expect(try store.unpublished(limit: 10).map(\.id) == ["other"])
        #expect(try store.unrecorded(limit: 10).map(\.id) == ["leaders"], "on alerts.dauntless, not yet on the changelog")
        try store.adopt(leaders, recorded: true, coolDown: coolDown, webhooks: [hook], at: t)
        #expect(try store.unrecorded(limit: 10).isEmpty)
        #expect(try store.dueDeliveries(at: .now, limit: 10).map(\.alert.id) == ["leaders"])
        try store.delivered(alertId: "leaders", url: hook, at: t)
        #expect(try store.dueDeliveries(at: .now, limit: 10).isEmpty)
        #expect(try store.pendingDeliveries() == 1, "only the replica's own unpublished alert waits")
        #expect(try !store.raise(alert("again", "S1", .enteredCohort), at: t, coolDown: coolDown, webhooks: [hook]),
                "the adopted alert counts for the cool-down")
    }
}
