/// What predicts a suspect's expected VAWG harm from their features: the trained forecast model, which lives outside
/// the core (it calls XGBoost).
public protocol ForecastPredictor: Sendable {
    /// The expected VAWG harm over the next 365 days, in CCHI days, for each row of `ForecastFeatures.values`.
    func expectedHarm(_ features: [[Double]]) throws -> [Double]
}
