/// A Dauntless+ alert (CONTRACT.md section 5): who, why, at what clock time, the score components and the crimes
/// behind it. It stays open until a person acknowledges it.
public struct Alert: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case enteredCohort = "entered-cohort"
        case escalation
        case newVictim = "new-victim"
    }

    public struct Crime: Codable, Sendable, Equatable {
        public var crimeRef: String
        public var offenceCode: String
        public var cchiDays: Double
        public var occurredAt: String

        public init(crimeRef: String, offenceCode: String, cchiDays: Double, occurredAt: String) {
            (self.crimeRef, self.offenceCode, self.cchiDays, self.occurredAt) = (crimeRef, offenceCode, cchiDays, occurredAt)
        }
    }

    public var id: String
    public var suspect: String
    public var kind: Kind
    /// The clock T when it was raised, RFC 3339.
    public var raisedAt: String
    /// The suspect's Dauntless+ score then, in CCHI days.
    public var score: Double
    public var components: DauntlessComponents?
    /// The crimes that raised it (the new offence for escalation and new-victim, every counting domestic crime
    /// for entered-cohort).
    public var crimes: [Crime]
    /// `open` until a person acknowledges it, then `acknowledged`.
    public var status = "open"
    public var acknowledgedBy: String?
    public var acknowledgedAt: String?

    public init(
        id: String, suspect: String, kind: Kind, raisedAt: String, score: Double, components: DauntlessComponents?, crimes: [Crime]
    ) {
        self.id = id
        self.suspect = suspect
        self.kind = kind
        self.raisedAt = raisedAt
        self.score = score
        self.components = components
        self.crimes = crimes
    }
}
