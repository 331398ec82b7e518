/// What one version of a crime contributes to one entity: everything scoring and its explanation need, so that
/// nothing downstream of IngestService reads crime records or the harm table.
public struct CrimeLink: Sendable, Hashable {
    public let crimeRef: String
    public let version: Int64
    public let offenceCode: String
    public let harm: Harm
    public let lists: ListSet
    public let occurredAt: Instant
    /// Only on suspect links of domestic offences, where Dauntless+ counts distinct victims.
    public let victims: [String]

    public init(
        crimeRef: String, version: Int64, offenceCode: String, harm: Harm, lists: ListSet, occurredAt: Instant,
        victims: [String] = []
    ) {
        self.crimeRef = crimeRef
        self.version = version
        self.offenceCode = offenceCode
        self.harm = harm
        self.lists = lists
        self.occurredAt = occurredAt
        self.victims = victims
    }

    /// Equal apart from the version: a revision that changed nothing this entity scores needs no link change.
    func sameEffect(as other: CrimeLink) -> Bool {
        offenceCode == other.offenceCode && harm == other.harm && lists == other.lists
            && occurredAt == other.occurredAt && victims == other.victims
    }
}

/// One change of one entity's window: the unit that flows on the link topics.
public enum LinkChange: Sendable, Hashable {
    /// Count the crime for the entity, replacing what an earlier version contributed.
    case add(EntityRef, CrimeLink)
    /// The crime no longer counts for the entity (cancelled, suspect eliminated, reclassified, moved ward).
    case retract(EntityRef, crimeRef: String, version: Int64)

    public var entity: EntityRef {
        switch self {
        case .add(let entity, _), .retract(let entity, _, _): entity
        }
    }
}
