/// The Dauntless+ components and score of one suspect (CONTRACT.md section 4), over the suspect's domestic
/// offences in the window at clock time `asOf`: what windows compute, scores carry, lists show and alerts keep.
/// As JSON (lists, alerts) H and G are CCHI days.
public struct DauntlessComponents: Sendable, Hashable, Codable {
    /// H: the harm of the counting offences.
    public let harm: Harm
    /// F: distinct crimes.
    public let frequency: Int
    /// G: the largest single harm.
    public let gravity: Harm
    /// R: whole days since the most recent offence, rounded down.
    public let recencyDays: Int64
    /// V: distinct victims.
    public let victims: Int
    /// The recency, frequency and gravity points added together.
    public let rfg: Int
    /// H x (100 + rfg) / 100, rounded down to the hundredth.
    public let score: Harm

    /// Components computed at clock `asOf`, for a suspect whose most recent counting offence occurred at `mostRecent`.
    public init(harm: Harm, frequency: Int, gravity: Harm, mostRecent: Instant, victims: Int, asOf: Instant) {
        let recencyDays = asOf.wholeDays(since: mostRecent)
        self.init(
            harm: harm, frequency: frequency, gravity: gravity, recencyDays: recencyDays, victims: victims,
            rfg: Self.recencyPoints(days: recencyDays) + Self.frequencyPoints(frequency) + Self.gravityPoints(gravity))
    }

    /// Components as they were written (a score message, a stored alert), rfg included.
    public init(harm: Harm, frequency: Int, gravity: Harm, recencyDays: Int64, victims: Int, rfg: Int) {
        self.harm = harm
        self.frequency = frequency
        self.gravity = gravity
        self.recencyDays = recencyDays
        self.victims = victims
        self.rfg = rfg
        self.score = Harm(hundredths: harm.hundredths * Int64(100 + rfg) / 100)
    }

    /// These components at clock `asOf`, for a suspect whose most recent counting offence occurred at `mostRecent`.
    /// R, and with it rfg, move with time alone; H, F, G and V change only with the offences, and each change of
    /// those comes as a new score.
    public func asOf(_ asOf: Instant, mostRecent: Instant) -> DauntlessComponents {
        DauntlessComponents(
            harm: harm, frequency: frequency, gravity: gravity, mostRecent: mostRecent, victims: victims, asOf: asOf)
    }

    private enum CodingKeys: String, CodingKey {
        case harm, frequency, gravity, recencyDays, victims, rfg
    }

    /// Reads H and G as days, as lists and alerts show them.
    public init(from decoder: any Decoder) throws {
        let values = try decoder.container(keyedBy: CodingKeys.self)
        func days(_ key: CodingKeys) throws -> Harm {
            Harm(roundingDays: try values.decode(Double.self, forKey: key))
        }
        self.init(
            harm: try days(.harm), frequency: try values.decode(Int.self, forKey: .frequency),
            gravity: try days(.gravity), recencyDays: try values.decode(Int64.self, forKey: .recencyDays),
            victims: try values.decode(Int.self, forKey: .victims), rfg: try values.decode(Int.self, forKey: .rfg))
    }

    /// Writes H and G as days, as lists and alerts show them.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(harm.days, forKey: .harm)
        try values.encode(frequency, forKey: .frequency)
        try values.encode(gravity.days, forKey: .gravity)
        try values.encode(recencyDays, forKey: .recencyDays)
        try values.encode(victims, forKey: .victims)
        try values.encode(rfg, forKey: .rfg)
    }

    /// R: points for how many whole days ago the most recent offence occurred.
    public static func recencyPoints(days: Int64) -> Int {
        switch days {
        case ...7: 40
        case 8...30: 30
        case 31...90: 20
        case 91...182: 10
        default: 5
        }
    }

    /// F: points for how many domestic crimes count.
    public static func frequencyPoints(_ crimes: Int) -> Int {
        switch crimes {
        case ...1: 0
        case 2: 10
        case 3...4: 20
        default: 30
        }
    }

    /// G: points for the harm of the gravest domestic crime.
    public static func gravityPoints(_ harm: Harm) -> Int {
        switch harm.hundredths {
        case ..<1_000: 0
        case ..<36_500: 10
        case ..<182_500: 20
        default: 30
        }
    }

    /// The days after the most recent offence at which the recency points drop: the score moves with time alone
    /// at these instants, so the windows schedule them like expiries.
    public static let recencyBoundaryDays: [Int64] = [8, 31, 91, 183]
}
