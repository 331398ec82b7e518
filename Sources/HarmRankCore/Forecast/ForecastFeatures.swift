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

/// The features of CONTRACT.md section 12, computed the same way in training, evaluation and service from a suspect's
/// offences known at a cut-off T: those that occurred at or before T and were reported by then, looking back at most
/// `lookbackDays`. VAWG offences are those the VAWG 100 counts.
///
/// Only the history goes in (`SuspectOffence` carries no place and no protected characteristic), so no feature can
/// be a ward, a borough, a cell or who the suspect is.
public enum ForecastFeatures {
    /// The longest look back of any feature.
    public static let lookbackDays: Int64 = 730

    /// Every feature, in the order of a row's values.
    public static let all: [ForecastFeature] = fixed + Subgroup.allCases.map {
        ForecastFeature(name: "offences730." + $0.rawValue, meaning: "offences of subgroup \($0.rawValue), last 730 days", unit: .count)
    }

    /// The features' names, in row order: what a model file must have been trained with.
    public static let names: [String] = all.map(\.name)

    private static let fixed: [ForecastFeature] = [
        .init(name: "vawgHarm90", meaning: "VAWG harm, last 90 days", unit: .days),
        .init(name: "vawgHarm365", meaning: "VAWG harm, last 365 days (last year's harm)", unit: .days),
        .init(name: "vawgHarm730", meaning: "VAWG harm, last 730 days", unit: .days),
        .init(name: "vawgOffences365", meaning: "VAWG offences, last 365 days", unit: .count),
        .init(name: "vawgOffences730", meaning: "VAWG offences, last 730 days", unit: .count),
        .init(name: "domesticOffences365", meaning: "domestic abuse offences, last 365 days", unit: .count),
        .init(name: "seriousOffences730", meaning: "VAWG offences of 365 days' harm or more, last 730 days", unit: .count),
        .init(name: "weaponOffences730", meaning: "offences with a weapon, last 730 days", unit: .count),
        .init(name: "allHarm365", meaning: "harm of every offence, last 365 days", unit: .days),
        .init(name: "allOffences730", meaning: "offences of every kind, last 730 days", unit: .count),
        .init(name: "gravity730", meaning: "the gravest single VAWG harm, last 730 days", unit: .days),
        .init(name: "victims365", meaning: "distinct victims of VAWG offences, last 365 days", unit: .count),
        .init(name: "victims730", meaning: "distinct victims of VAWG offences, last 730 days", unit: .count),
        .init(name: "daysSinceLast", meaning: "days since the last VAWG offence", unit: .elapsedDays),
        .init(name: "daysSinceFirst", meaning: "days since the first VAWG offence of the last 730", unit: .elapsedDays),
        .init(name: "harmTrend", meaning: "VAWG harm of the last 365 days less that of the 365 before", unit: .days),
        .init(name: "offenceTrend", meaning: "VAWG offences of the last 180 days less those of the 180 before", unit: .count),
        .init(name: "recencyPoints", meaning: "Dauntless+ recency points", unit: .count),
        .init(name: "frequencyPoints", meaning: "Dauntless+ frequency points", unit: .count),
        .init(name: "gravityPoints", meaning: "Dauntless+ gravity points", unit: .count),
        .init(name: "dauntlessScore", meaning: "Dauntless+ score", unit: .days),
    ]

    /// Whether `offence` is known at `cutoff` and within the look back.
    public static func isKnown(_ offence: SuspectOffence, at cutoff: Instant) -> Bool {
        offence.occurredAt <= cutoff && offence.reportedAt <= cutoff
            && cutoff.milliseconds - offence.occurredAt.milliseconds < Instant.days(lookbackDays)
    }

    /// The values of `all`, in order, for a suspect whose offences are `history` (any order, any dates: what is not
    /// known at `cutoff` is left out).
    public static func values(of history: [SuspectOffence], at cutoff: Instant) -> [Double] {
        func within(_ offence: SuspectOffence, _ days: Int64) -> Bool {
            cutoff.milliseconds - offence.occurredAt.milliseconds < Instant.days(days)
        }
        func between(_ offence: SuspectOffence, _ from: Int64, _ to: Int64) -> Bool {
            !within(offence, from) && within(offence, to)
        }
        func harm(_ offences: [SuspectOffence]) -> Double { offences.reduce(Harm.zero) { $0 + $1.harm }.days }
        func victims(_ offences: [SuspectOffence]) -> Double { Double(Set(offences.flatMap(\.victims)).count) }

        let known = history.filter { isKnown($0, at: cutoff) }
        let vawg = known.filter(\.vawg)
        let vawg365 = vawg.filter { within($0, 365) }
        let domestic365 = known.filter { $0.domestic && within($0, 365) }
        let mostRecent = vawg.map(\.occurredAt).max()
        let first = vawg.map(\.occurredAt).min()
        let dauntless = domestic365.map(\.occurredAt).max().map { latest in
            DauntlessComponents(
                harm: domestic365.reduce(Harm.zero) { $0 + $1.harm }, frequency: Set(domestic365.map(\.crimeRef)).count,
                gravity: domestic365.map(\.harm).max() ?? .zero, mostRecent: latest,
                victims: Set(domestic365.flatMap(\.victims)).count, asOf: cutoff)
        }
        let elapsed = { (instant: Instant?) in Double(instant.map { cutoff.wholeDays(since: $0) } ?? lookbackDays) }

        var values: [Double] = [
            harm(vawg.filter { within($0, 90) }),
            harm(vawg365),
            harm(vawg),
            Double(vawg365.count),
            Double(vawg.count),
            Double(domestic365.count),
            Double(vawg.filter(\.serious).count),
            Double(known.filter(\.weapon).count),
            harm(known.filter { within($0, 365) }),
            Double(known.count),
            (vawg.map(\.harm).max() ?? .zero).days,
            victims(vawg365),
            victims(vawg),
            elapsed(mostRecent),
            elapsed(first),
            harm(vawg365) - harm(vawg.filter { between($0, 365, 730) }),
            Double(vawg.filter { within($0, 180) }.count - vawg.filter { between($0, 180, 360) }.count),
            Double(dauntless.map { DauntlessComponents.recencyPoints(days: $0.recencyDays) } ?? 0),
            Double(dauntless.map { DauntlessComponents.frequencyPoints($0.frequency) } ?? 0),
            Double(dauntless.map { DauntlessComponents.gravityPoints($0.gravity) } ?? 0),
            dauntless?.score.days ?? 0,
        ]
        var bySubgroup = [Subgroup: Int]()
        for offence in known { bySubgroup[offence.subgroup, default: 0] += 1 }
        values += Subgroup.allCases.map { Double(bySubgroup[$0] ?? 0) }
        return values
    }
}
