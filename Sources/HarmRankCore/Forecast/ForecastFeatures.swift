/// One input of the forecast: a figure computed from a suspect's recorded offending at a cut-off.
public struct ForecastFeature: Sendable, Hashable {
    /// What a feature's value counts, so an explanation can say it in the analyst's terms.
    public enum Unit: String, Sendable {
        /// CCHI days.
        case days
        /// Offences, victims or points.
        case count
        /// Whole days of time.
        case elapsedDays = "elapsed-days"
    }

    /// The name a model file records, in lower camel case.
    public let name: String
    /// What it is, for a reader of an explanation.
    public let meaning: String
    /// What its value counts.
    public let unit: Unit
}

/// The features of CONTRACT.md section 12, computed the same way in training, evaluation and service from what
/// HarmRank holds of a suspect at a clock T: their crimes counting for a suspect list (VAWG 100, Violence Harm Index,
/// Dauntless+) in the 365-day window (`T - 365 days < occurredAt <= T`), and reported by T.
///
/// The window is the lists' own: HarmRank forgets a crime once it has left every window, so a feature looking
/// further back could be trained on history files but never served. Only the offending goes in (`SuspectOffence`
/// carries no place and no protected characteristic), so no feature can be a ward, a borough, a cell or who the
/// suspect is.
public enum ForecastFeatures {
    /// How far back any feature looks: the window every list counts over.
    public static let lookbackDays: Int64 = 365

    /// Every feature, in the order of a row's values.
    public static let all: [ForecastFeature] = fixed + Subgroup.allCases.map {
        ForecastFeature(name: "offences365." + $0.rawValue, meaning: "counting offences of subgroup \($0.rawValue), last 365 days", unit: .count)
    }

    /// The features' names, in row order: what a model file must have been trained with.
    public static let names: [String] = all.map(\.name)

    private static let fixed: [ForecastFeature] = [
        .init(name: "vawgHarm90", meaning: "VAWG harm, last 90 days", unit: .days),
        .init(name: "vawgHarm182", meaning: "VAWG harm, last 182 days", unit: .days),
        .init(name: "vawgHarm365", meaning: "VAWG harm, last 365 days (last year's harm)", unit: .days),
        .init(name: "vawgOffences90", meaning: "VAWG offences, last 90 days", unit: .count),
        .init(name: "vawgOffences365", meaning: "VAWG offences, last 365 days", unit: .count),
        .init(name: "domesticOffences365", meaning: "domestic abuse offences, last 365 days", unit: .count),
        .init(name: "seriousOffences365", meaning: "VAWG offences of 365 days' harm or more, last 365 days", unit: .count),
        .init(name: "violenceHarm365", meaning: "harm of violent, sexual and robbery offences, last 365 days", unit: .days),
        .init(name: "violenceOffences365", meaning: "violent, sexual and robbery offences, last 365 days", unit: .count),
        .init(name: "gravity365", meaning: "the gravest single VAWG harm, last 365 days", unit: .days),
        .init(name: "victims365", meaning: "distinct victims of domestic offences, last 365 days", unit: .count),
        .init(name: "daysSinceLast", meaning: "days since the last VAWG offence", unit: .elapsedDays),
        .init(name: "daysSinceFirst", meaning: "days since the first VAWG offence of the last 365", unit: .elapsedDays),
        .init(name: "harmTrend", meaning: "VAWG harm of the last 182 days less that of the 183 before", unit: .days),
        .init(name: "offenceTrend", meaning: "VAWG offences of the last 182 days less those of the 183 before", unit: .count),
        .init(name: "recencyPoints", meaning: "Dauntless+ recency points", unit: .count),
        .init(name: "frequencyPoints", meaning: "Dauntless+ frequency points", unit: .count),
        .init(name: "gravityPoints", meaning: "Dauntless+ gravity points", unit: .count),
        .init(name: "dauntlessScore", meaning: "Dauntless+ score", unit: .days),
    ]

    /// Whether `offence` is known at `cutoff` and inside its window.
    public static func isKnown(_ offence: SuspectOffence, at cutoff: Instant) -> Bool {
        offence.occurredAt <= cutoff && offence.reportedAt <= cutoff
            && cutoff.milliseconds - offence.occurredAt.milliseconds < Instant.days(lookbackDays)
    }

    /// The values for a suspect whose offences, with their victims, are `history` (any order, any dates: what is not
    /// known at `cutoff` is left out): how training and evaluation compute them from history files.
    public static func values(of history: [SuspectOffence], at cutoff: Instant) -> [Double] {
        let window = history.filter { isKnown($0, at: cutoff) }
        return values(window: window, domesticVictims: Set(window.filter(\.domestic).flatMap(\.victims)).count, at: cutoff)
    }

    /// The values of `all`, in order, for a suspect whose counting offences in the window at `cutoff` are `window`,
    /// with `domesticVictims` distinct victims of the domestic ones (Dauntless+'s V): how RankService computes them
    /// from a suspect's score, and what `values(of:at:)` comes to.
    public static func values(window: [SuspectOffence], domesticVictims: Int, at cutoff: Instant) -> [Double] {
        func within(_ offence: SuspectOffence, _ days: Int64) -> Bool {
            cutoff.milliseconds - offence.occurredAt.milliseconds < Instant.days(days)
        }
        func harm(_ offences: [SuspectOffence]) -> Double { offences.reduce(Harm.zero) { $0 + $1.harm }.days }
        let vawg = window.filter(\.vawg)
        let violence = window.filter(\.violence)
        let domestic = window.filter(\.domestic)
        let recentHalf = vawg.filter { within($0, 182) }
        let olderHalf = vawg.filter { !within($0, 182) }
        let elapsed = { (instant: Instant?) in Double(instant.map { cutoff.wholeDays(since: $0) } ?? lookbackDays) }
        let dauntless = domestic.map(\.occurredAt).max().map { latest in
            DauntlessComponents(
                harm: domestic.reduce(Harm.zero) { $0 + $1.harm }, frequency: Set(domestic.map(\.crimeRef)).count,
                gravity: domestic.map(\.harm).max() ?? .zero, mostRecent: latest, victims: domesticVictims, asOf: cutoff)
        }
        var values: [Double] = [
            harm(vawg.filter { within($0, 90) }),
            harm(recentHalf),
            harm(vawg),
            Double(vawg.filter { within($0, 90) }.count),
            Double(vawg.count),
            Double(domestic.count),
            Double(vawg.filter(\.serious).count),
            harm(violence),
            Double(violence.count),
            (vawg.map(\.harm).max() ?? .zero).days,
            Double(domesticVictims),
            elapsed(vawg.map(\.occurredAt).max()),
            elapsed(vawg.map(\.occurredAt).min()),
            harm(recentHalf) - harm(olderHalf),
            Double(recentHalf.count - olderHalf.count),
            Double(dauntless.map { DauntlessComponents.recencyPoints(days: $0.recencyDays) } ?? 0),
            Double(dauntless.map { DauntlessComponents.frequencyPoints($0.frequency) } ?? 0),
            Double(dauntless.map { DauntlessComponents.gravityPoints($0.gravity) } ?? 0),
            dauntless?.score.days ?? 0,
        ]
        var bySubgroup = [Subgroup: Int]()
        for offence in window { bySubgroup[offence.subgroup, default: 0] += 1 }
        values += Subgroup.allCases.map { Double(bySubgroup[$0] ?? 0) }
        return values
    }
}
