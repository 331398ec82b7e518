import Shared

/// Where an alert goes: the units covering the wards of the suspect's counting domestic offences, and the webhooks
/// of those units with those every alert is posted to.
struct AlertRouting: Sendable {
    let units: TaskingUnits
    /// Webhooks every alert is posted to, whatever its units (`--webhooks`).
    let everyAlert: [String]

    /// The wards an alert about `score` is routed by, and the units they give.
    func route(_ score: EntityScore) -> (units: [String], wards: [String]) {
        let wards = Array(Set(score.offences.filter { $0.lists.contains(.dauntless) }.compactMap(\.ward))).sortedBytewise()
        return (units.route(wards: wards), wards)
    }

    /// The webhooks `alert` is delivered to, each once.
    func webhooks(for alert: Alert) -> [String] {
        let own = units.webhooks(of: alert.units)
        return own + everyAlert.filter { !own.contains($0) }
    }

    /// Whether any alert is posted anywhere.
    var hasWebhooks: Bool { !everyAlert.isEmpty || units.units.contains { $0.webhook != nil } }
}
