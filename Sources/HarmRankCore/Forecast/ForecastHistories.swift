/// Every suspect's counting offences, from the latest version of each crime, for the forecast's training and evaluation:
/// who is forecast at a cut-off, what their features are, what happened next, and (for the evaluation's per-borough
/// figures only) where they offended.
public struct ForecastHistories: Sendable {
    /// Each suspect's offences, by occurrence then crime reference.
    public let offences: [String: [SuspectOffence]]
    /// The borough of each crime with a known ward. Kept apart from `offences`, so that features cannot see it.
    let boroughOfCrime: [String: String]
    /// The first and last occurrence of any crime kept, if any was.
    public let span: ClosedRange<Instant>?

    /// The histories in `records` (every version of each crime; the highest counts, cancelled ones withdraw it),
    /// with harm and subgroup from `harmTable` and boroughs from `wards`.
    public init(records: [OffenceRecord], harmTable: HarmTable, wards: WardRegistry) {
        var latest: [String: OffenceRecord] = [:]
        for record in records where (latest[record.crimeRef]?.version ?? .min) < record.version {
            latest[record.crimeRef] = record
        }
        var offences: [String: [SuspectOffence]] = [:]
        var boroughOfCrime: [String: String] = [:]
        var first: Instant?
        var last: Instant?
        for record in latest.values where record.status == .recorded {
            guard let code = record.offenceCode, let row = harmTable[code] else { continue }
            first = min(first ?? record.occurredAt, record.occurredAt)
            last = max(last ?? record.occurredAt, record.occurredAt)
            // What RankService holds of a suspect: the crimes that count for a suspect list.
            let lists = ListSet.counting(row, flags: record.flags, for: .suspect)
            guard !lists.isEmpty else { continue }
            if let ward = record.wardCode.flatMap({ wards[$0] }) { boroughOfCrime[record.crimeRef] = ward.borough }
            let offence = SuspectOffence(
                crimeRef: record.crimeRef, occurredAt: record.occurredAt, reportedAt: record.reportedAt ?? record.occurredAt,
                harm: row.harm, subgroup: row.subgroup, vawg: lists.contains(.vawg100), domestic: lists.contains(.dauntless),
                violence: lists.contains(.violenceHarm), victims: lists.contains(.dauntless) ? record.victims : [])
            for suspect in record.suspects { offences[suspect, default: []].append(offence) }
        }
        self.offences = offences.mapValues {
            $0.sorted { $0.occurredAt != $1.occurredAt ? $0.occurredAt < $1.occurredAt : $0.crimeRef.precedesBytewise($1.crimeRef) }
        }
        self.boroughOfCrime = boroughOfCrime
        self.span = first.flatMap { first in last.map { first...$0 } }
    }

    /// The suspects forecast at `cutoff`, in bytewise order: those with a VAWG offence known at it in the 365 days
    /// before.
    public func population(at cutoff: Instant) -> [String] {
        offences.compactMap { suspect, history in
            history.contains { $0.vawg && ForecastFeatures.isKnown($0, at: cutoff) && cutoff.wholeDays(since: $0.occurredAt) < 365 }
                ? suspect : nil
        }.sortedBytewise()
    }

    /// What `suspect` did in the 365 days after `cutoff` (T < occurredAt <= T + 365 days), reported whenever.
    public func outcome(of suspect: String, after cutoff: Instant) -> ForecastOutcome {
        let next = (offences[suspect] ?? []).filter {
            $0.vawg && $0.occurredAt > cutoff && $0.occurredAt.milliseconds - cutoff.milliseconds <= Instant.days(365)
        }
        return ForecastOutcome(offences: next.count, harm: next.reduce(.zero) { $0 + $1.harm }, serious: next.contains(where: \.serious))
    }

    /// The borough of most of `suspect`'s VAWG offences in the 365 days before `cutoff` (ties to the first in
    /// bytewise order; `unknown` when none has a ward): what the evaluation's per-borough figures group by.
    public func borough(of suspect: String, at cutoff: Instant) -> String {
        var counts: [String: Int] = [:]
        for offence in offences[suspect] ?? [] where offence.vawg && ForecastFeatures.isKnown(offence, at: cutoff)
            && cutoff.wholeDays(since: offence.occurredAt) < 365
        {
            counts[boroughOfCrime[offence.crimeRef] ?? "unknown", default: 0] += 1
        }
        return counts.min { ($1.value, $0.key) < ($0.value, $1.key) }?.key ?? "unknown"
    }

    /// One row per suspect forecast at each of `cutoffs`: features, outcome and borough.
    public func rows(at cutoffs: [Instant]) -> [ForecastRow] {
        cutoffs.flatMap { cutoff in
            population(at: cutoff).map { suspect in
                ForecastRow(
                    suspect: suspect, cutoff: cutoff, features: ForecastFeatures.values(of: offences[suspect] ?? [], at: cutoff),
                    outcome: outcome(of: suspect, after: cutoff), borough: borough(of: suspect, at: cutoff))
            }
        }
    }
}

/// What a suspect did in the 365 days after a cut-off: what the forecast predicts.
public struct ForecastOutcome: Sendable, Hashable {
    /// VAWG offences.
    public let offences: Int
    /// Their harm.
    public let harm: Harm
    /// Whether one had harm of 365 days or more.
    public let serious: Bool

    /// Whether there was any VAWG offence.
    public var any: Bool { offences > 0 }

    /// An outcome.
    public init(offences: Int, harm: Harm, serious: Bool) {
        self.offences = offences
        self.harm = harm
        self.serious = serious
    }
}

/// One suspect at one cut-off: the forecast's unit of training and evaluation.
public struct ForecastRow: Sendable {
    /// The suspect's id.
    public let suspect: String
    /// The cut-off.
    public let cutoff: Instant
    /// `ForecastFeatures.values` at the cut-off.
    public let features: [Double]
    /// What happened next.
    public let outcome: ForecastOutcome
    /// Where most of their VAWG offences of the year before took place: for per-borough figures, never a feature.
    public let borough: String

    /// A row.
    public init(suspect: String, cutoff: Instant, features: [Double], outcome: ForecastOutcome, borough: String) {
        self.suspect = suspect
        self.cutoff = cutoff
        self.features = features
        self.outcome = outcome
        self.borough = borough
    }
}
