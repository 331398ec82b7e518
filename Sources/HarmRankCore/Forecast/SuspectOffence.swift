/// One crime of a suspect's history as the forecast sees it: what RankService holds of a suspect's counting crime
/// (when, how harmful, of what kind, which lists it counts for), and when it was reported.
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
    /// Whether it counts for the Violence Harm Index.
    public let violence: Bool
    /// The victims' ids, sorted: what Dauntless+ counts of a domestic offence. Empty where not known (RankService
    /// holds a suspect's count of distinct victims, not who they are).
    public let victims: [String]

    /// An offence of a suspect's history.
    public init(
        crimeRef: String, occurredAt: Instant, reportedAt: Instant, harm: Harm, subgroup: Subgroup, vawg: Bool,
        domestic: Bool, violence: Bool, victims: [String] = []
    ) {
        self.crimeRef = crimeRef
        self.occurredAt = occurredAt
        self.reportedAt = reportedAt
        self.harm = harm
        self.subgroup = subgroup
        self.vawg = vawg
        self.domestic = domestic
        self.violence = violence
        self.victims = victims
    }

    /// Whether the offence counts as serious in the forecast: harm of a year or more (CONTRACT.md section 12).
    public var serious: Bool { vawg && harm >= SuspectOffence.seriousHarm }

    /// A serious offence's least harm: 365 days.
    public static let seriousHarm = Harm(days: 365)
}
