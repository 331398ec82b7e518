import Foundation

/// One suspect's forecast taken apart by feature: for each prediction, where it starts (the model's value for a
/// suspect of whom nothing is known, its base) and what each feature's value adds to it, in the prediction's own unit
/// (probability, or CCHI days). The parts add up to the prediction.
public struct ForecastExplanation: Sendable, Hashable {
    /// One prediction, taken apart.
    public struct Part: Sendable, Hashable {
        /// The prediction.
        public let value: Double
        /// Where every prediction starts.
        public let base: Double
        /// What each feature adds, in `ForecastFeatures.all` order.
        public let contributions: [Double]

        /// A probability from SHAP contributions in log-odds (bias last). Each feature's share of the way from the base
        /// probability to the prediction is its share of the way in log-odds, scaled by the slope of the logistic
        /// function between the two: the parts add up exactly, and no part grows without bound when the log-odds
        /// contributions nearly cancel.
        public init(probabilityFromLogOdds shap: [Double]) {
            let bias = shap.last ?? 0
            let margin = shap.reduce(0, +)
            let logistic = { (x: Double) in 1 / (1 + exp(-x)) }
            let base = logistic(bias)
            let value = logistic(margin)
            let slope = abs(margin - bias) > 1e-9 ? (value - base) / (margin - bias) : base * (1 - base)
            self.init(value: value, base: base, contributions: shap.dropLast().map { $0 * slope })
        }

        /// A mean from SHAP contributions in its own unit (bias last): the base is the bias, and the value is never
        /// shown below 0, where a negative sum is taken as no harm.
        public init(meanContributions shap: [Double]) {
            self.init(value: max(0, shap.reduce(0, +)), base: shap.last ?? 0, contributions: Array(shap.dropLast()))
        }

        /// A part whose figures are known.
        public init(value: Double, base: Double, contributions: [Double]) {
            self.value = value
            self.base = base
            self.contributions = contributions
        }

        /// The features that move this prediction, largest effect first (then by name), with their value and effect.
        public func largest(_ count: Int, features: [Double]) -> [(feature: ForecastFeature, value: Double, effect: Double)] {
            ForecastFeatures.all.indices
                .filter { contributions[$0] != 0 }
                .sorted { abs(contributions[$0]) != abs(contributions[$1]) ? abs(contributions[$0]) > abs(contributions[$1]) : ForecastFeatures.all[$0].name < ForecastFeatures.all[$1].name }
                .prefix(count)
                .map { (ForecastFeatures.all[$0], features[$0], contributions[$0]) }
        }
    }

    /// The suspect's feature values, in `ForecastFeatures.all` order.
    public let features: [Double]
    /// The probability of any VAWG offence in the next 365 days.
    public let anyOffence: Part
    /// The probability of a serious one.
    public let seriousOffence: Part
    /// The expected VAWG harm in them, in CCHI days.
    public let expectedHarm: Part

    /// An explanation.
    public init(features: [Double], anyOffence: Part, seriousOffence: Part, expectedHarm: Part) {
        self.features = features
        self.anyOffence = anyOffence
        self.seriousOffence = seriousOffence
        self.expectedHarm = expectedHarm
    }
}
