/// Confidence intervals for hit rates averaged over test periods, by the bootstrap: each period's test records are
/// drawn again with replacement, as many as it had, and the averaged hit rate recomputed, many times; the interval
/// holds the middle 95% of those. The difference between two rankings is taken on the same draws (paired), so the
/// noise both share cancels and what remains is the difference itself.
///
/// Seeded, so the same evaluation gives the same intervals.
public struct HotspotBootstrap: Sendable {
    /// An interval holding the middle 95% of the resampled values.
    public struct Interval: Sendable, Equatable {
        public let low: Double
        public let high: Double

        public init(low: Double, high: Double) { (self.low, self.high) = (low, high) }
    }

    /// Resamples drawn.
    public var samples = 1_000
    /// The generator's seed.
    public var seed: UInt64 = 1

    public init(samples: Int = 1_000, seed: UInt64 = 1) {
        (self.samples, self.seed) = (samples, seed)
    }

    /// For each ranking (an index into each record's hits), the interval of its averaged hit rate, and of its
    /// difference from the ranking `reference`. `hits[period][record][ranking]` says whether the ranking flagged the
    /// cell of that test record.
    public func intervals(
        hits: [[[Bool]]], rankings: Int, reference: Int
    ) -> (hitRates: [Interval], differences: [Interval]) {
        let periods = hits.filter { !$0.isEmpty }
        guard !periods.isEmpty, rankings > 0 else {
            let none = Interval(low: 0, high: 0)
            return (Array(repeating: none, count: rankings), Array(repeating: none, count: rankings))
        }
        var random = SplitMix64(seed: seed)
        var rates = Array(repeating: [Double](), count: rankings)
        var differences = Array(repeating: [Double](), count: rankings)
        for _ in 0..<samples {
            var averaged = Array(repeating: 0.0, count: rankings)
            for records in periods {
                var counts = Array(repeating: 0, count: rankings)
                for _ in records.indices {
                    let record = records[random.below(records.count)]
                    for ranking in 0..<rankings where record[ranking] { counts[ranking] += 1 }
                }
                for ranking in 0..<rankings { averaged[ranking] += Double(counts[ranking]) / Double(records.count) }
            }
            for ranking in 0..<rankings {
                rates[ranking].append(averaged[ranking] / Double(periods.count))
                differences[ranking].append((averaged[ranking] - averaged[reference]) / Double(periods.count))
            }
        }
        func middle(_ values: [Double]) -> Interval {
            let sorted = values.sorted()
            let at = { (share: Double) in sorted[min(sorted.count - 1, max(0, Int((share * Double(sorted.count - 1)).rounded())))] }
            return Interval(low: at(0.025), high: at(0.975))
        }
        return (rates.map(middle), differences.map(middle))
    }
}
