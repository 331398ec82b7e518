import Crypto
import Foundation

/// The configuration that decides who is ranked and who is told (the harm table, the wards, the units), as the audit
/// log records it. A service changes it only at start, so at start it compares what it runs with against what it
/// last ran with (kept beside its state) and, when anything differs, appends one entry naming each part, its
/// source, its digest and whether it changed. Digests are of the parsed content, so reformatting a file is not a
/// change and an edit that alters a figure is.
public struct ConfigurationAudit: Sendable {
    /// One part of the configuration, as recorded.
    public struct Item: Sendable, Equatable, Codable {
        /// What it is: `harm table`, `wards`, `units`.
        public var name: String
        /// Where it was read from: a path, or that it is the one shipped.
        public var source: String
        /// SHA-256 of its content, in hex.
        public var digest: String

        public init(name: String, source: String, canonical: String) {
            self.name = name
            self.source = source
            digest = SHA256.hash(data: Array(canonical.utf8)).map { String(format: "%02x", $0) }.joined()
        }
    }

    let items: [Item]
    let stateFile: URL

    /// `items` as a service runs with them; what it last ran with is kept in `stateFile`.
    public init(items: [Item], stateFile: URL) {
        self.items = items
        self.stateFile = stateFile
    }

    /// Appends the entry when anything differs from the last start, or on the first; returns whether it did.
    /// `service` names the service in the entry, and the account that started it stands as the principal: the
    /// person who changed a file is not known to the service, the account that ran it with the change is.
    @discardableResult
    public func record(service: String, in audit: AuditLog) throws -> Bool {
        let before = (try? JSONDecoder().decode([Item].self, from: Data(contentsOf: stateFile))) ?? []
        guard before != items else { return false }
        let parts = items.map { item in
            let previous = before.first { $0.name == item.name }
            let change = previous == nil ? "first recorded" : previous == item ? "unchanged" : "changed from \(previous!.source) sha256:\(previous!.digest.prefix(16))"
            return "\(item.name) \(item.source) sha256:\(item.digest.prefix(16)) (\(change))"
        }
        audit.record(
            Principal(name: "\(service) started by \(ProcessInfo.processInfo.userName)", roles: []),
            read: "configuration: " + parts.joined(separator: "; "), from: "local")
        try FileManager.default.createDirectory(at: stateFile.deletingLastPathComponent(), withIntermediateDirectories: true)
        try JSONEncoder().encode(items).write(to: stateFile, options: .atomic)
        return true
    }
}

extension ConfigurationAudit.Item {
    /// The harm table: every code's title, subgroup, harm and VAWG flag.
    public static func harmTable(_ table: HarmTable, source: String) -> Self {
        Self(name: "harm table", source: source, canonical: table.csv)
    }

    /// The ward registry: every ward's code, name, borough and point.
    public static func wards(_ registry: WardRegistry, source: String) -> Self {
        Self(
            name: "wards", source: source,
            canonical: registry.wards.map { "\($0.code),\($0.name),\($0.boroughCode),\($0.borough),\($0.latitude),\($0.longitude)" }
                .joined(separator: "\n"))
    }

    /// The tasking units: each unit's id, name, boroughs and webhook.
    public static func units(_ units: TaskingUnits, source: String) -> Self {
        Self(
            name: "units", source: source,
            canonical: units.units.map { unit in
                "\(unit.id),\(unit.name),\(unit.boroughs.map { $0.sorted().joined(separator: ";") } ?? "*"),\(unit.webhook ?? "")"
            }.joined(separator: "\n"))
    }
}
