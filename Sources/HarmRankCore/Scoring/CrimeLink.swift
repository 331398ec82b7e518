/// What one version of a crime contributes to one entity: everything scoring and its explanation need, so that
/// nothing downstream of IngestService reads crime records or the harm table.
public struct CrimeLink: Sendable, Hashable {
    /// The crime's reference.
    public let crimeRef: String
    /// The version of the record it comes from.
    public let version: Int64
    /// The offence code, for explanations.
    public let offenceCode: String
    /// The crime's CCHI harm.
    public let harm: Harm
    /// The lists it counts for, for this entity.
    public let lists: ListSet
    /// When it occurred: it counts until 365 days after.
    public let occurredAt: Instant
    /// Only on suspect links of domestic offences, where Dauntless+ counts distinct victims.
    public let victims: [String]
    /// Only on suspect links of domestic offences: the ward the crime was recorded in, by which an alert about the
    /// suspect reaches the units covering it.
    public let ward: String?

    /// What the crime contributes to one entity.
    public init(
        crimeRef: String, version: Int64, offenceCode: String, harm: Harm, lists: ListSet, occurredAt: Instant,
        victims: [String] = [], ward: String? = nil
    ) {
        self.crimeRef = crimeRef
        self.version = version
        self.offenceCode = offenceCode
        self.harm = harm
        self.lists = lists
        self.occurredAt = occurredAt
        self.victims = victims
        self.ward = ward
    }

    /// Equal apart from the version: a revision that changed nothing this entity scores needs no link change.
    func sameEffect(as other: CrimeLink) -> Bool {
        offenceCode == other.offenceCode && harm == other.harm && lists == other.lists
            && occurredAt == other.occurredAt && victims == other.victims && ward == other.ward
    }
}

/// One change of one entity's window: the unit that flows on the link topics.
public enum LinkChange: Sendable, Hashable {
    /// Count the crime for the entity, replacing what an earlier version contributed.
    case add(EntityRef, CrimeLink)
    /// The crime no longer counts for the entity (cancelled, suspect eliminated, reclassified, moved ward).
    case retract(EntityRef, crimeRef: String, version: Int64)

    /// The entity whose window changes.
    public var entity: EntityRef {
        switch self {
        case .add(let entity, _), .retract(let entity, _, _): entity
        }
    }
}
