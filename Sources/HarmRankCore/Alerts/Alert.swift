/// A Dauntless+ alert (CONTRACT.md section 5): who, why, at what clock time, the score components and the crimes
/// behind it. It stays open until a person acknowledges it.
public struct Alert: Codable, Sendable, Equatable {
    /// Why an alert was raised.
    public enum Kind: String, Codable, Sendable, CaseIterable {
        /// The suspect entered the top of the `dauntless` list (the cohort).
        case enteredCohort = "entered-cohort"
        /// A suspect with a counting domestic crime committed another of high harm.
        case escalation
        /// A suspect's domestic crimes reached a victim not seen before.
        case newVictim = "new-victim"
    }

    /// A crime behind an alert, as the alert shows it.
    public struct Crime: Codable, Sendable, Equatable {
        /// The crime's reference.
        public var crimeRef: String
        /// The offence code it was recorded under.
        public var offenceCode: String
        /// Its harm, in CCHI days.
        public var cchiDays: Double
        /// When it occurred, RFC 3339.
        public var occurredAt: String

        /// A crime as an alert shows it.
        public init(crimeRef: String, offenceCode: String, cchiDays: Double, occurredAt: String) {
            (self.crimeRef, self.offenceCode, self.cchiDays, self.occurredAt) = (crimeRef, offenceCode, cchiDays, occurredAt)
        }
    }

    /// Derived from what raised it, so a replay raises nothing twice.
    public var id: String
    /// The suspect's id.
    public var suspect: String
    /// Why it was raised.
    public var kind: Kind
    /// The clock T when it was raised, RFC 3339.
    public var raisedAt: String
    /// The suspect's Dauntless+ score then, in CCHI days.
    public var score: Double
    /// The score's Dauntless+ components then.
    public var components: DauntlessComponents?
    /// The crimes that raised it (the new offence for escalation and new-victim, every counting domestic crime
    /// for entered-cohort).
    public var crimes: [Crime]
    /// `open` until a person acknowledges it, then `acknowledged`.
    public var status = "open"
    /// Who acknowledged it, once someone has.
    public var acknowledgedBy: String?
    /// When it was acknowledged, RFC 3339.
    public var acknowledgedAt: String?

    /// An open alert.
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
