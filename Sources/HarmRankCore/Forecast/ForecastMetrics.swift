/// The measures `harmrank forecast evaluate` reports (CONTRACT.md section 12), each on plain arrays so that a test can
/// check it against a hand count.
public enum ForecastMetrics {
    /// The area under the ROC curve: the chance that a suspect who did offend is ranked above one who did not, ties
    /// counting half (the Mann-Whitney statistic, by mid-ranks). Nil when every label is the same.
    public static func auc(scores: [Double], labels: [Bool]) -> Double? {
        precondition(scores.count == labels.count)
        let positives = labels.filter { $0 }.count
        let negatives = labels.count - positives
        guard positives > 0, negatives > 0 else { return nil }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var rankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let midRank = Double(start + end) / 2 + 1
            for position in start...end where labels[order[position]] { rankSum += midRank }
            start = end + 1
        }
        let pairs = Double(positives) * Double(negatives)
        return (rankSum - Double(positives) * Double(positives + 1) / 2) / pairs
    }

    /// A 95% interval of the AUC by the bootstrap: the 2.5th and 97.5th percentiles of the AUC over `resamples`
    /// resamplings of the rows with replacement, from `seed`, so the same rows give the same interval. Nil when the
    /// AUC itself is.
    public static func aucInterval(scores: [Double], labels: [Bool], resamples: Int = 200, seed: UInt64) -> ClosedRange<Double>? {
        guard auc(scores: scores, labels: labels) != nil else { return nil }
        var random = SplitMix64(seed: seed)
        var values: [Double] = []
        for _ in 0..<resamples {
            let picks = scores.indices.map { _ in random.below(scores.count) }
            if let value = auc(scores: picks.map { scores[$0] }, labels: picks.map { labels[$0] }) { values.append(value) }
        }
        guard !values.isEmpty else { return nil }
        values.sort()
        let low = values[Int(Double(values.count - 1) * 0.025)]
        let high = values[Int((Double(values.count - 1) * 0.975).rounded(.up))]
        return low...high
    }

    /// The mean squared difference between each probability and what happened (1 or 0): lower is better. Nil for no
    /// rows.
    public static func brier(probabilities: [Double], labels: [Bool]) -> Double? {
        precondition(probabilities.count == labels.count)
        guard !labels.isEmpty else { return nil }
        return zip(probabilities, labels).reduce(0.0) { $0 + ($1.0 - ($1.1 ? 1 : 0)) * ($1.0 - ($1.1 ? 1 : 0)) } / Double(labels.count)
    }

    /// Predicted probabilities against observed rates in `bins` equal bands of probability (empty bands left out).
    public static func calibration(probabilities: [Double], labels: [Bool], bins: Int = 10) -> [CalibrationBin] {
        var counts = [Int](repeating: 0, count: bins)
        var predicted = [Double](repeating: 0, count: bins)
        var observed = [Int](repeating: 0, count: bins)
        for (probability, label) in zip(probabilities, labels) {
            let bin = min(bins - 1, max(0, Int(probability * Double(bins))))
            counts[bin] += 1
            predicted[bin] += probability
            if label { observed[bin] += 1 }
        }
        return (0..<bins).filter { counts[$0] > 0 }.map { bin in
            CalibrationBin(
                lower: Double(bin) / Double(bins), upper: Double(bin + 1) / Double(bins), count: counts[bin],
                meanPredicted: predicted[bin] / Double(counts[bin]), observedRate: Double(observed[bin]) / Double(counts[bin]))
        }
    }

    /// The share of the top `size` by `predicted` that are in the top `size` by actual harm, of those who caused any
    /// (both orders: higher first, then id bytewise). Nil for no rows.
    public static func topPrecision(ids: [String], predicted: [Double], actual: [Harm], size: Int = 100) -> Double? {
        precondition(ids.count == predicted.count && ids.count == actual.count)
        guard !ids.isEmpty, size > 0 else { return nil }
        func top(_ indices: [Int], by value: (Int) -> Double) -> Set<Int> {
            Set(indices.sorted { value($0) != value($1) ? value($0) > value($1) : ids[$0].precedesBytewise(ids[$1]) }.prefix(size))
        }
        let predictedTop = top(Array(ids.indices)) { predicted[$0] }
        let actualTop = top(ids.indices.filter { actual[$0] > .zero }) { Double(actual[$0].hundredths) }
        return Double(predictedTop.intersection(actualTop).count) / Double(min(size, ids.count))
    }
}

/// One band of a calibration table: of the suspects given a probability in [lower, upper), how many offended.
public struct CalibrationBin: Sendable, Hashable, Codable {
    /// The band's lowest probability.
    public let lower: Double
    /// The band's highest probability (not included, but for the last band).
    public let upper: Double
    /// Suspects in the band.
    public let count: Int
    /// Their mean predicted probability.
    public let meanPredicted: Double
    /// The share of them who offended.
    public let observedRate: Double
}

/// A score turned into a probability by the rate observed in training among suspects of similar score (up to ten bands
/// of equal numbers, equal scores kept together): how a baseline that ranks without predicting a probability gets a
/// Brier score and a calibration table.
public struct ScoreCalibration: Sendable, Hashable, Codable {
    /// The highest score of each band but the last, ascending.
    public let upperScores: [Double]
    /// The rate observed in each band.
    public let rates: [Double]

    /// The calibration that `scores` with `labels` show.
    public init(scores: [Double], labels: [Bool], bands: Int = 10) {
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var upperScores: [Double] = []
        var rates: [Double] = []
        var start = 0
        let size = max(1, (order.count + bands - 1) / bands)
        while start < order.count {
            var end = min(order.count, start + size) - 1
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[end]] { end += 1 }
            let band = order[start...end]
            rates.append(Double(band.filter { labels[$0] }.count) / Double(band.count))
            upperScores.append(scores[order[end]])
            start = end + 1
        }
        self.upperScores = Array(upperScores.dropLast())
        self.rates = rates.isEmpty ? [0] : rates
    }

    /// The probability for `score`: the rate of its band.
    public func probability(_ score: Double) -> Double {
        var low = 0
        var high = upperScores.count
        while low < high {
            let middle = (low + high) / 2
            if upperScores[middle] < score { low = middle + 1 } else { high = middle }
        }
        return rates[low]
    }
}
