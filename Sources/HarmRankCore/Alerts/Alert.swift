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

    public struct Components: Codable, Sendable, Equatable {
        public var harm: Double
        public var frequency: Int
        public var gravity: Double
        public var recencyDays: Int64
        public var victims: Int
        public var rfg: Int

        public init(harm: Double, frequency: Int, gravity: Double, recencyDays: Int64, victims: Int, rfg: Int) {
            (self.harm, self.frequency, self.gravity, self.recencyDays, self.victims, self.rfg) =
                (harm, frequency, gravity, recencyDays, victims, rfg)
        }
    }

    public var id: String
    public var suspect: String
    public var kind: Kind
    /// The clock T when it was raised, RFC 3339.
    public var raisedAt: String
    /// The suspect's Dauntless+ score then, in CCHI days.
    public var score: Double
    public var components: Components?
    /// The crimes that raised it (the new offence for escalation and new-victim, every counting domestic crime
    /// for entered-cohort).
    public var crimes: [Crime]
    /// `open` until a person acknowledges it, then `acknowledged`.
    public var status = "open"
    public var acknowledgedBy: String?
    public var acknowledgedAt: String?

    public init(
        id: String, suspect: String, kind: Kind, raisedAt: String, score: Double, components: Components?, crimes: [Crime]
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
