/// What one model or baseline says of one row: scores to rank by and a probability to be judged on.
public struct ForecastPrediction: Sendable, Hashable {
    /// Ranks suspects by how likely any VAWG offence in the next 365 days is (for the AUC).
    public let anyScore: Double
    /// The probability of any VAWG offence in the next 365 days (for the Brier score and the calibration).
    public let anyProbability: Double
    /// Ranks suspects by how likely a serious one is (for the serious AUC).
    public let seriousScore: Double
    /// Ranks suspects by their expected VAWG harm (for the top 100): CCHI days for the trained model.
    public let harmScore: Double

    /// A prediction.
    public init(anyScore: Double, anyProbability: Double, seriousScore: Double, harmScore: Double) {
        self.anyScore = anyScore
        self.anyProbability = anyProbability
        self.seriousScore = seriousScore
        self.harmScore = harmScore
    }

    /// A baseline's prediction: one score ranks for everything, its calibration gives the probability.
    public init(baselineScore score: Double, calibration: ScoreCalibration) {
        self.init(anyScore: score, anyProbability: calibration.probability(score), seriousScore: score, harmScore: score)
    }
}

/// The measures of one model or baseline on a set of rows.
public struct ForecastScorecard: Sendable, Hashable, Codable {
    /// Suspect-cut-off rows judged.
    public let rows: Int
    /// Of them, how many offended again (any VAWG offence in the next 365 days).
    public let reoffended: Int
    /// How many committed a serious one.
    public let seriousReoffended: Int
    /// AUC for any VAWG offence in the next 365 days; nil when all or none did.
    public let auc: Double?
    /// Its 95% interval by the bootstrap over the rows, as [lower, upper].
    public let aucInterval: [Double]?
    /// AUC for a serious one; nil when all or none did.
    public let seriousAuc: Double?
    /// Brier score of the probability of any VAWG offence.
    public let brier: Double?
    /// The share of the predicted top 100 in the actual next-year top 100, averaged over the cut-offs.
    public let top100Precision: Double?
    /// Predicted against observed, in ten bands of probability.
    public let calibration: [CalibrationBin]

    /// The measures of `predictions` on `rows` (the same length and order); `seed` fixes the bootstrap's resamples.
    public init(rows: [ForecastRow], predictions: [ForecastPrediction], seed: UInt64 = 1) {
        precondition(rows.count == predictions.count)
        let any = rows.map(\.outcome.any)
        let serious = rows.map(\.outcome.serious)
        self.rows = rows.count
        reoffended = any.filter { $0 }.count
        seriousReoffended = serious.filter { $0 }.count
        auc = ForecastMetrics.auc(scores: predictions.map(\.anyScore), labels: any)
        aucInterval = ForecastMetrics.aucInterval(scores: predictions.map(\.anyScore), labels: any, seed: seed)
            .map { [$0.lowerBound, $0.upperBound] }
        seriousAuc = ForecastMetrics.auc(scores: predictions.map(\.seriousScore), labels: serious)
        brier = ForecastMetrics.brier(probabilities: predictions.map(\.anyProbability), labels: any)
        calibration = ForecastMetrics.calibration(probabilities: predictions.map(\.anyProbability), labels: any)
        let byCutoff = Dictionary(grouping: rows.indices, by: { rows[$0].cutoff })
        let precisions = byCutoff.keys.sorted().compactMap { cutoff -> Double? in
            let indices = byCutoff[cutoff]!
            return ForecastMetrics.topPrecision(
                ids: indices.map { rows[$0].suspect }, predicted: indices.map { predictions[$0].harmScore },
                actual: indices.map { rows[$0].outcome.harm })
        }
        top100Precision = precisions.isEmpty ? nil : precisions.reduce(0, +) / Double(precisions.count)
    }

    private enum CodingKeys: String, CodingKey {
        case rows, reoffended, seriousReoffended, auc, aucInterval, seriousAuc, brier, top100Precision, calibration
    }

    /// Writes every measure, an undefined one as null, so a reader always finds the key.
    public func encode(to encoder: any Encoder) throws {
        var values = encoder.container(keyedBy: CodingKeys.self)
        try values.encode(rows, forKey: .rows)
        try values.encode(reoffended, forKey: .reoffended)
        try values.encode(seriousReoffended, forKey: .seriousReoffended)
        try values.encode(auc, forKey: .auc)
        try values.encode(aucInterval, forKey: .aucInterval)
        try values.encode(seriousAuc, forKey: .seriousAuc)
        try values.encode(brier, forKey: .brier)
        try values.encode(top100Precision, forKey: .top100Precision)
        try values.encode(calibration, forKey: .calibration)
    }
}

/// The evaluation of CONTRACT.md section 12: every model and baseline on the same rows, overall and per borough, with
/// the plain verdict and the boroughs where a model does worst called out.
public struct ForecastEvaluation: Sendable, Codable {
    /// The baselines' names, as the report keys them.
    public static let lastYearHarm = "last-year-harm"
    /// Ranks by the Dauntless+ score at the cut-off.
    public static let dauntless = "dauntless"

    /// Every model and baseline, by name.
    public let models: [String: ForecastScorecard]
    /// The same per borough of the suspects' offences, by borough then model.
    public let boroughs: [String: [String: ForecastScorecard]]
    /// Whether the trained model beats last year's harm on AUC and on top-100 precision, and why not if it does not.
    public let verdict: String
    /// The boroughs where each model's AUC falls furthest below its AUC over all of London, largest gap first.
    public let gaps: [String]

    /// Judges `predictions` (by model name; each the same length and order as `rows`), naming `trained` the model whose
    /// verdict against the baselines is given.
    public init(rows: [ForecastRow], predictions: [String: [ForecastPrediction]], trained: String) {
        models = predictions.mapValues { ForecastScorecard(rows: rows, predictions: $0) }
        let byBorough = Dictionary(grouping: rows.indices, by: { rows[$0].borough })
        boroughs = Dictionary(uniqueKeysWithValues: byBorough.map { borough, indices in
            // Each borough's resamples are its own and the same from run to run.
            let seed = borough.utf8.reduce(UInt64(14_695_981_039_346_656_037)) { ($0 ^ UInt64($1)) &* 1_099_511_628_211 }
            return (borough, predictions.mapValues { all in
                ForecastScorecard(rows: indices.map { rows[$0] }, predictions: indices.map { all[$0] }, seed: seed)
            })
        })
        verdict = Self.verdict(models, trained: trained)
        var gaps: [(gap: Double, text: String)] = []
        for name in predictions.keys.sorted() {
            guard let overall = models[name]?.auc else { continue }
            let worst = boroughs.compactMap { borough, cards -> (String, Double, [Double]?)? in
                guard let card = cards[name], card.rows >= 30, let auc = card.auc else { return nil }
                return (borough, auc - overall, card.aucInterval)
            }.sorted { $0.1 != $1.1 ? $0.1 < $1.1 : $0.0 < $1.0 }.prefix(3)
            for (borough, gap, interval) in worst where gap < 0 {
                let range = interval.map { " (95% interval \(Self.format($0[0]))-\(Self.format($0[1])))" } ?? ""
                // A borough's interval that reaches the overall AUC could be chance: said, so it is not read as proof.
                let chance = interval.map { $0[1] >= overall } == true ? ": within what chance alone gives" : ""
                gaps.append((gap, "\(name): AUC in \(borough) is \(Self.format(-gap)) below its \(Self.format(overall)) overall\(range)\(chance)"))
            }
        }
        self.gaps = gaps.sorted { $0.gap != $1.gap ? $0.gap < $1.gap : $0.text < $1.text }.map(\.text)
    }

    private static func verdict(_ models: [String: ForecastScorecard], trained: String) -> String {
        guard let model = models[trained], let baseline = models[lastYearHarm] else { return "no trained model to judge" }
        let aucBetter = (model.auc ?? 0) > (baseline.auc ?? 0)
        let topBetter = (model.top100Precision ?? 0) > (baseline.top100Precision ?? 0)
        let figures = "AUC \(format(model.auc)) against \(format(baseline.auc)); top-100 precision "
            + "\(format(model.top100Precision)) against \(format(baseline.top100Precision))"
        switch (aucBetter, topBetter) {
        case (true, true): return "\(trained) beats last year's harm on both: \(figures)"
        case (false, false):
            return "\(trained) does NOT beat last year's harm (\(figures)): on this history, last year's harm ranks "
                + "suspects as well as the model, so the model adds nothing a spreadsheet does not"
        default:
            return "\(trained) beats last year's harm on \(aucBetter ? "AUC" : "top-100 precision") only (\(figures)): "
                + "it ranks \(aucBetter ? "who offends again better, but not who will cause the most harm" : "the most harmful better, but not who offends again")"
        }
    }

    /// A measure to three decimal places, `n/a` when undefined.
    public static func format(_ value: Double?) -> String {
        guard let value else { return "n/a" }
        let scaled = Int((value * 1000).rounded())
        let sign = scaled < 0 ? "-" : ""
        let magnitude = abs(scaled)
        let fraction = String(magnitude % 1000)
        return "\(sign)\(magnitude / 1000).\(String(repeating: "0", count: 3 - fraction.count))\(fraction)"
    }
}
