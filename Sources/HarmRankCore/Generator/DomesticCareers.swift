import Foundation

/// Domestic abuse careers for the generator (DESIGN.md section 9): each perpetrator offends, then desists or goes on,
/// sooner or later, and may escalate, each step drawn from their own history with noise, so that a forecast has
/// something real and limited to learn. Most are reported once for a low-harm offence and never again; a persistent
/// few offend again and again, and some of them grow more harmful and more frequent, against more victims.
///
/// Nothing here depends on where a perpetrator lives or offends: places are drawn for the offences afterwards, from
/// the perpetrator's home ward, which plays no part in the career.
struct DomesticCareers {
    /// One offence of a career.
    struct Offence {
        let occurredAt: Int64
        let code: String
        let perpetrator: Int
        /// 0 for the first victim, then 1, 2, ... as the perpetrator turns to new ones.
        let victim: Int
    }

    /// How careers unfold: published follow-ups of domestic abuse perpetrators (Barnham, Barnes & Sherman 2017: of
    /// 52,296 in Thames Valley, 77.6% committed no further crime within 731 days and 3% caused 90% of the harm) are
    /// what these reproduce.
    struct Shape {
        /// Share of perpetrators who are persistent: likely to go on after each offence, and sooner.
        var persistentShare = 0.2
        /// Of the persistent, the share who escalate: each offence raises their gravity, and their gaps shorten.
        var escalatingShare = 0.3
        /// The chance of a serious offence at each level of gravity (the level rises with serious offences and with
        /// escalation).
        var seriousChance = [0.01, 0.15, 0.4, 0.6, 0.8]
    }

    private let start: Int64
    private let end: Int64
    private let minor: [(code: String, weight: Double)]
    private let serious: [(code: String, weight: Double)]
    private let minorPicker: WeightedPicker
    private let seriousPicker: WeightedPicker
    private let shape = Shape()
    private var random: SplitMix64
    private var buffer: [Offence] = []
    private var position = 0
    /// Perpetrators started so far: the next one's number.
    private(set) var perpetrators = 0

    /// Careers whose offences fall from `start` for `span` milliseconds; careers begin up to two years before it, so
    /// that the period opens on careers already under way. `minor` and `serious` are the domestic offences by
    /// harm, with their weights.
    init(seed: UInt64, start: Int64, span: Int64, minor: [(code: String, weight: Double)], serious: [(code: String, weight: Double)]) {
        self.start = start
        self.end = start + span
        self.minor = minor
        self.serious = serious
        minorPicker = WeightedPicker(minor.map(\.weight))
        seriousPicker = WeightedPicker(serious.map(\.weight))
        random = SplitMix64(seed: seed ^ 0xD0E5_71C0_CA2E_E125)
    }

    /// The next offence in the period, from careers started as they are needed.
    mutating func next() -> Offence {
        while position == buffer.count {
            buffer = career()
            position = 0
        }
        defer { position += 1 }
        return buffer[position]
    }

    private mutating func career() -> [Offence] {
        let perpetrator = perpetrators
        perpetrators += 1
        let persistent = random.unit() < shape.persistentShare
        let escalating = persistent && random.unit() < shape.escalatingShare
        let persistence = persistent ? 0.45 + 0.4 * random.unit() : 0.04 + 0.16 * random.unit()
        var meanGapDays = persistent ? 40 + 140 * random.unit() : 120 + 240 * random.unit()
        var level = 0
        var victim = 0
        var offences: [Offence] = []
        var time = start - Instant.days(730) + Int64(random.unit() * Double(end - start + Instant.days(730)))
        for count in 1... {
            let isSerious = random.unit() < shape.seriousChance[level]
            let code = isSerious ? serious[seriousPicker.pick(&random)].code : minor[minorPicker.pick(&random)].code
            if time >= start { offences.append(Offence(occurredAt: time, code: code, perpetrator: perpetrator, victim: victim)) }
            if isSerious || (escalating && random.unit() < 0.4) { level = min(level + 1, shape.seriousChance.count - 1) }
            if random.unit() < (escalating ? 0.25 : 0.06) { victim += 1 }
            // Each offence makes the next more likely (frequency), a serious one more so (gravity); the noise is
            // what no record shows.
            let goesOn = persistence + 0.05 * Double(min(count - 1, 6)) + (isSerious ? 0.05 : 0) + 0.1 * (random.unit() - 0.5)
            guard random.unit() < min(0.9, goesOn) else { break }
            // Escalation quickens the abuse, to no more than about once a month.
            if escalating { meanGapDays = max(30, meanGapDays * 0.85) }
            time += Int64(-log(max(random.unit(), 1e-300)) * meanGapDays * Double(Instant.millisecondsPerDay))
            guard time < end else { break }
        }
        return offences
    }
}
