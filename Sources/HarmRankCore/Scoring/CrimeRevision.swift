/// What a new version of a crime does, given the version stored (CONTRACT.md section 1, DESIGN.md section 2):
/// IngestService keeps the latest version of each crime and sends only the link changes, so nothing downstream
/// needs to know about versions.
public enum RevisionOutcome: Sendable, Equatable {
    /// Newer than the stored version (or the first): store it and send these changes (possibly none).
    case accepted([LinkChange])
    /// Same version, same content: ignored.
    case duplicate
    /// Older than the stored version: ignored and counted.
    case stale(storedVersion: Int64)
    /// Same version, different content: dead-lettered.
    case conflict(Rejection)
}

/// Turns each accepted version of a crime into the link changes of every entity it touches.
public struct CrimeRevision: Sendable {
    /// Harm and lists per offence code.
    public let harmTable: HarmTable
    /// Which cell a located record falls in and which subgroups count there.
    public let hotspots: HotspotParameters

    /// Revisions scored with `harmTable`, cells placed by `hotspots`.
    public init(harmTable: HarmTable, hotspots: HotspotParameters = HotspotParameters()) {
        self.harmTable = harmTable
        self.hotspots = hotspots
    }

    /// What `incoming` does, given the version `stored` (nil for a new crime).
    public func apply(_ incoming: OffenceRecord, over stored: OffenceRecord?) -> RevisionOutcome {
        if let stored {
            if incoming.version < stored.version { return .stale(storedVersion: stored.version) }
            if incoming.version == stored.version {
                return incoming == stored
                    ? .duplicate
                    : .conflict(
                        Rejection(
                            .versionConflict,
                            "version \(incoming.version) of crimeRef '\(incoming.crimeRef)' was already accepted with different content; send a higher version to revise it"
                        ))
            }
        }
        let before = stored.map(links) ?? [:]
        let after = links(incoming)
        var changes: [LinkChange] = []
        for (entity, link) in after.sorted(by: { Self.precedes($0.key, $1.key) }) {
            if let previous = before[entity], previous.sameEffect(as: link) { continue }
            changes.append(.add(entity, link))
        }
        for entity in before.keys.sorted(by: Self.precedes) where after[entity] == nil {
            changes.append(.retract(entity, crimeRef: incoming.crimeRef, version: incoming.version))
        }
        return .accepted(changes)
    }

    /// Every entity a crime version counts for, with what it contributes; empty for a cancelled crime.
    public func links(_ record: OffenceRecord) -> [EntityRef: CrimeLink] {
        guard record.status == .recorded, let code = record.offenceCode, let offence = harmTable[code] else { return [:] }
        var links: [EntityRef: CrimeLink] = [:]
        let suspectLists = ListSet.counting(offence, flags: record.flags, for: .suspect)
        if !suspectLists.isEmpty {
            let domestic = suspectLists.contains(.dauntless)
            let link = CrimeLink(
                crimeRef: record.crimeRef, version: record.version, offenceCode: code, harm: offence.harm,
                lists: suspectLists, occurredAt: record.occurredAt,
                victims: domestic ? record.victims : [], ward: domestic ? record.wardCode : nil)
            for suspect in record.suspects { links[EntityRef(.suspect, suspect)] = link }
        }
        let wardLists = ListSet.counting(offence, flags: record.flags, for: .ward)
        if let ward = record.wardCode, !wardLists.isEmpty {
            links[EntityRef(.ward, ward)] = CrimeLink(
                crimeRef: record.crimeRef, version: record.version, offenceCode: code, harm: offence.harm,
                lists: wardLists, occurredAt: record.occurredAt)
        }
        if let location = record.location, hotspots.subgroups.contains(offence.subgroup) {
            let cell = hotspots.cell(latitude: location.latitude, longitude: location.longitude)
            links[EntityRef(.cell, hotspots.id(of: cell))] = CrimeLink(
                crimeRef: record.crimeRef, version: record.version, offenceCode: code, harm: offence.harm,
                lists: ListSet([.hotspots]), occurredAt: record.occurredAt)
        }
        return links
    }

    /// The entities a crime version counts for, in the order link changes go out: whose links to it are erased
    /// when it is forgotten.
    public func entities(_ record: OffenceRecord) -> [EntityRef] {
        links(record).keys.sorted(by: Self.precedes)
    }

    /// Suspects, then wards, then cells, each by id: link changes go out in a fixed order.
    private static func precedes(_ a: EntityRef, _ b: EntityRef) -> Bool {
        a.kind != b.kind ? kindOrder(a.kind) < kindOrder(b.kind) : a.id.precedesBytewise(b.id)
    }

    private static func kindOrder(_ kind: EntityKind) -> Int { EntityKind.allCases.firstIndex(of: kind)! }
}
