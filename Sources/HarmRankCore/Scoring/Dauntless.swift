/// The Dauntless+ components and score of one suspect (CONTRACT.md section 4), over the suspect's domestic
/// offences in the window at clock time `asOf`.
public struct DauntlessComponents: Sendable, Hashable {
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

    public init(harm: Harm, frequency: Int, gravity: Harm, mostRecent: Instant, victims: Int, asOf: Instant) {
        self.harm = harm
        self.frequency = frequency
        self.gravity = gravity
        self.recencyDays = asOf.wholeDays(since: mostRecent)
        self.victims = victims
        self.rfg = Self.recencyPoints(days: recencyDays) + Self.frequencyPoints(frequency) + Self.gravityPoints(gravity)
        self.score = Harm(hundredths: harm.hundredths * Int64(100 + rfg) / 100)
    }

    public static func recencyPoints(days: Int64) -> Int {
        switch days {
        case ...7: 40
        case 8...30: 30
        case 31...90: 20
        case 91...182: 10
        default: 5
        }
    }

    public static func frequencyPoints(_ crimes: Int) -> Int {
        switch crimes {
        case ...1: 0
        case 2: 10
        case 3...4: 20
        default: 30
        }
    }

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
