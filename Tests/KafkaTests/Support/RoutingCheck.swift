import Foundation
import Shared
import Testing

/// The routing of every alert NotifyService shows, checked without its code.
enum RoutingCheck {
    /// Every alert's units, worked out again from its wards with a reading of the units file of its own; and every
    /// ward an alert was routed by is one a version of one of the suspect's domestic crimes in the window had.
    static func check(notify: String, token: String, lines: [String], units: String) async throws {
        let wards = try WardRegistry.shipped()
        let byUnit: [(unit: String, boroughs: Set<String>?)] = units.split(separator: "\n").dropFirst().map { line in
            let fields = line.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
            return (fields[0], fields[2] == "*" ? nil : Set(fields[2].split(separator: ";").map(String.init)))
        }
        var domesticWards: [String: [(ward: String, occurredAt: Instant)]] = [:]
        let validator = OffenceValidator(harmTable: try HarmTable.shipped(), wards: wards, clockMode: .event)
        for line in lines {
            guard case .success(let record) = validator.validate(Array(line.utf8), receivedAt: .now),
                record.status == .recorded, record.flags.contains(.domestic), let ward = record.wardCode
            else { continue }
            for suspect in record.suspects { domesticWards[suspect, default: []].append((ward, record.occurredAt)) }
        }
        let alerts = try await get(notify + "/v1/alerts", token: token).json?["alerts"] as? [[String: Any]] ?? []
        var routed = 0
        for alert in alerts {
            let (id, suspect) = (alert["id"] as? String ?? "", alert["suspect"] as? String ?? "")
            let alertWards = alert["wards"] as? [String] ?? []
            let raisedAt = try Instant.parseRFC3339(alert["raisedAt"] as? String ?? "").get()
            let boroughs = Set(alertWards.compactMap { wards[$0]?.borough })
            let expected = byUnit.filter { unit in !boroughs.isEmpty && (unit.boroughs.map { !$0.isDisjoint(with: boroughs) } ?? true) }
                .map(\.unit)
            #expect(alert["units"] as? [String] == (expected.isEmpty ? ["unassigned"] : expected), "alert \(id) by \(alertWards)")
            let possible = Set((domesticWards[suspect] ?? []).filter {
                $0.occurredAt <= raisedAt && $0.occurredAt.milliseconds > raisedAt.milliseconds - Instant.days(365)
            }.map(\.ward))
            #expect(Set(alertWards).isSubset(of: possible), "alert \(id) routed by \(alertWards), of \(suspect)'s \(possible.sorted())")
            if !expected.isEmpty { routed += 1 }
        }
        #expect(routed > alerts.count / 2, "\(routed) of \(alerts.count) alerts reached a unit")
    }
}
