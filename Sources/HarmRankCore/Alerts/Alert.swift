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
    /// The units it was routed to (`TaskingUnits`), or `unassigned`.
    public var units: [String]
    /// Why those units: the wards of the suspect's counting domestic offences when it was raised, in code order.
    public var wards: [String]
    /// Where it stands: `open`, `acknowledged`, `assigned` or `closed`.
    public var status: Status = .open
    /// Rises by one with each step of the workflow, so a reader of `alerts.dauntless` keeps the latest.
    public var version: Int { status.version }
    /// Who acknowledged it, once someone has.
    public var acknowledgedBy: String?
    /// When it was acknowledged, RFC 3339.
    public var acknowledgedAt: String?
    /// The person who is to act on it, once assigned.
    public var assignee: String?
    /// The supervisor who assigned it.
    public var assignedBy: String?
    /// When it was assigned, RFC 3339.
    public var assignedAt: String?
    /// What was done, once closed.
    public var outcome: Outcome?
    /// The closer's note.
    public var note: String?
    /// Who closed it.
    public var closedBy: String?
    /// When it was closed, RFC 3339.
    public var closedAt: String?

    /// The steps of an alert's life, each taken by a person: never by the system.
    public enum Status: String, Codable, Sendable, CaseIterable {
        case open, acknowledged, assigned, closed

        /// 1 when raised, one more for each step.
        public var version: Int { Self.allCases.firstIndex(of: self)! + 1 }
    }

    /// What was done about an alert.
    public enum Outcome: String, Codable, Sendable, CaseIterable {
        case safeguardingReferral = "safeguarding-referral"
        case arrest
        case disruption
        case noFurtherAction = "no-further-action"
        case other
    }

    /// An open alert.
    public init(
        id: String, suspect: String, kind: Kind, raisedAt: String, score: Double, components: DauntlessComponents?, crimes: [Crime],
        units: [String] = [], wards: [String] = []
    ) {
        self.id = id
        self.suspect = suspect
        self.kind = kind
        self.raisedAt = raisedAt
        self.score = score
        self.components = components
        self.crimes = crimes
        self.units = units
        self.wards = wards
    }

    /// The alert as it stood at `version` (1 to its own): the steps after it left out. Every version is published,
    /// so a reader of `alerts.dauntless` sees each step, even when several were taken before the leader looked.
    public func asOf(version: Int) -> Alert {
        var alert = self
        alert.status = Status.allCases[max(0, min(version, status.version) - 1)]
        if alert.status.version < Status.acknowledged.version { (alert.acknowledgedBy, alert.acknowledgedAt) = (nil, nil) }
        if alert.status.version < Status.assigned.version { (alert.assignee, alert.assignedBy, alert.assignedAt) = (nil, nil, nil) }
        if alert.status.version < Status.closed.version {
            (alert.outcome, alert.note, alert.closedBy, alert.closedAt) = (nil, nil, nil, nil)
        }
        return alert
    }

    private enum CodingKeys: String, CodingKey {
        case id, suspect, kind, raisedAt, score, components, crimes, units, wards, status, version, acknowledgedBy, acknowledgedAt
        case assignee, assignedBy, assignedAt, outcome, note, closedBy, closedAt
    }

    /// Reads an alert; one stored or published before alerts had units and steps reads as routed nowhere, open.
    public init(from decoder: Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        id = try values.decode(String.self, forKey: .id)
        suspect = try values.decode(String.self, forKey: .suspect)
        kind = try values.decode(Kind.self, forKey: .kind)
        raisedAt = try values.decode(String.self, forKey: .raisedAt)
        score = try values.decode(Double.self, forKey: .score)
        components = try values.decodeIfPresent(DauntlessComponents.self, forKey: .components)
        crimes = try values.decode([Crime].self, forKey: .crimes)
        units = try values.decodeIfPresent([String].self, forKey: .units) ?? []
        wards = try values.decodeIfPresent([String].self, forKey: .wards) ?? []
        status = try values.decodeIfPresent(Status.self, forKey: .status) ?? .open
        acknowledgedBy = try values.decodeIfPresent(String.self, forKey: .acknowledgedBy)
        acknowledgedAt = try values.decodeIfPresent(String.self, forKey: .acknowledgedAt)
        assignee = try values.decodeIfPresent(String.self, forKey: .assignee)
        assignedBy = try values.decodeIfPresent(String.self, forKey: .assignedBy)
        assignedAt = try values.decodeIfPresent(String.self, forKey: .assignedAt)
        outcome = try values.decodeIfPresent(Outcome.self, forKey: .outcome)
        note = try values.decodeIfPresent(String.self, forKey: .note)
        closedBy = try values.decodeIfPresent(String.self, forKey: .closedBy)
        closedAt = try values.decodeIfPresent(String.self, forKey: .closedAt)
    }

    public func encode(to encoder: Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(id, forKey: .id)
        try values.encode(suspect, forKey: .suspect)
        try values.encode(kind, forKey: .kind)
        try values.encode(raisedAt, forKey: .raisedAt)
        try values.encode(score, forKey: .score)
        try values.encodeIfPresent(components, forKey: .components)
        try values.encode(crimes, forKey: .crimes)
        try values.encode(units, forKey: .units)
        try values.encode(wards, forKey: .wards)
        try values.encode(status, forKey: .status)
        try values.encode(version, forKey: .version)
        try values.encodeIfPresent(acknowledgedBy, forKey: .acknowledgedBy)
        try values.encodeIfPresent(acknowledgedAt, forKey: .acknowledgedAt)
        try values.encodeIfPresent(assignee, forKey: .assignee)
        try values.encodeIfPresent(assignedBy, forKey: .assignedBy)
        try values.encodeIfPresent(assignedAt, forKey: .assignedAt)
        try values.encodeIfPresent(outcome, forKey: .outcome)
        try values.encodeIfPresent(note, forKey: .note)
        try values.encodeIfPresent(closedBy, forKey: .closedBy)
        try values.encodeIfPresent(closedAt, forKey: .closedAt)
    }
}
