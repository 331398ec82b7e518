/// One crime of a suspect's history as the forecast sees it: when, how harmful, of what kind, against whom.
///
/// It carries no place and no protected characteristic, so no feature computed from it can depend on where a suspect
/// offends or who they are: the type is the proof that the forecast's features cannot see a ward, a borough or a cell.
public struct SuspectOffence: Sendable, Hashable {
    /// The crime's reference.
    public let crimeRef: String
    /// When it occurred.
    public let occurredAt: Instant
    /// When it was reported: a crime reported after a cut-off is not known at it.
    public let reportedAt: Instant
    /// Its CCHI harm.
    public let harm: Harm
    /// Its Home Office subgroup.
    public let subgroup: Subgroup
    /// Whether it counts for the VAWG 100 (harm table `vawg`, or flag `domestic`): the harm the forecast predicts.
    public let vawg: Bool
    /// Flag `domestic`: what Dauntless+ counts.
    public let domestic: Bool
    /// Flag `weapon`.
    public let weapon: Bool
    /// The victims' ids, sorted.
    public let victims: [String]

    /// An offence of a suspect's history.
    public init(
        crimeRef: String, occurredAt: Instant, reportedAt: Instant, harm: Harm, subgroup: Subgroup, vawg: Bool,
        domestic: Bool, weapon: Bool, victims: [String]
    ) {
        self.crimeRef = crimeRef
        self.occurredAt = occurredAt
        self.reportedAt = reportedAt
        self.harm = harm
        self.subgroup = subgroup
        self.vawg = vawg
        self.domestic = domestic
        self.weapon = weapon
        self.victims = victims
    }

    /// Whether the offence counts as serious in the forecast: harm of a year or more (CONTRACT.md section 12).
    public var serious: Bool { vawg && harm >= SuspectOffence.seriousHarm }

    /// A serious offence's least harm: 365 days.
    public static let seriousHarm = Harm(days: 365)
}
