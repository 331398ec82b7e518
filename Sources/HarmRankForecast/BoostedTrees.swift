import CXGBoost

/// One gradient-boosted tree model of XGBoost: trained, saved, loaded, and asked for predictions and SHAP
/// contributions.
///
/// Sendable because nothing changes it once trained or loaded, and XGBoost (1.4 and later) predicts from tree models
/// on several threads at once, each into its own thread's buffer, which `run` copies out before it returns.
final class BoostedTrees: @unchecked Sendable {
    /// What a model predicts, and so how it learns and what its margin means.
    enum Objective: String, Codable, Sendable {
        /// A probability; the margin is in log-odds.
        case probability = "binary:logistic"
        /// A mean; the margin is the prediction itself.
        case mean = "reg:squarederror"
    }

    /// How trees are grown.
    struct Parameters: Codable, Sendable, Equatable {
        /// Rounds of boosting: trees added.
        var rounds = 200
        /// Deepest tree.
        var maxDepth = 4
        /// Learning rate.
        var learningRate = 0.05
        /// Share of rows each tree sees.
        var subsample = 0.8
        /// The least weight of rows in a leaf.
        var minChildWeight = 5.0
        /// Seed of the row sampling, so the same data trains the same model.
        var seed = 1
    }

    private let handle: BoosterHandle

    private init(handle: BoosterHandle) { self.handle = handle }

    deinit { XGBoosterFree(handle) }

    /// A model of `objective` trained on `matrix`, whose labels are set.
    static func train(_ matrix: FeatureMatrix, objective: Objective, parameters: Parameters) throws(XGBoostError) -> BoostedTrees {
        quieten()
        var handle: BoosterHandle?
        var matrices: [DMatrixHandle?] = [matrix.handle]
        try XGBoostError.check(XGBoosterCreate(&matrices, 1, &handle), "create a model")
        let trees = BoostedTrees(handle: handle!)
        let settings: [(String, String)] = [
            ("objective", objective.rawValue), ("tree_method", "hist"), ("max_depth", String(parameters.maxDepth)),
            ("eta", String(parameters.learningRate)), ("subsample", String(parameters.subsample)),
            ("min_child_weight", String(parameters.minChildWeight)), ("seed", String(parameters.seed)),
        ]
        for (name, value) in settings {
            try XGBoostError.check(XGBoosterSetParam(trees.handle, name, value), "set \(name) to \(value)")
        }
        for round in 0..<parameters.rounds {
            try XGBoostError.check(XGBoosterUpdateOneIter(trees.handle, Int32(round), matrix.handle), "train round \(round + 1)")
        }
        return trees
    }

    /// A model saved by `serialized()`.
    convenience init(serialized bytes: [UInt8]) throws(XGBoostError) {
        Self.quieten()
        var handle: BoosterHandle?
        try XGBoostError.check(XGBoosterCreate(nil, 0, &handle), "create a model")
        self.init(handle: handle!)
        try XGBoostError.check(XGBoosterLoadModelFromBuffer(self.handle, bytes, UInt64(bytes.count)), "read the model")
    }

    /// The model in XGBoost's universal binary JSON, which `init(serialized:)` reads back.
    func serialized() throws(XGBoostError) -> [UInt8] {
        var length: UInt64 = 0
        var bytes: UnsafePointer<CChar>?
        try XGBoostError.check(XGBoosterSaveModelToBuffer(handle, #"{"format": "ubj"}"#, &length, &bytes), "save the model")
        return bytes!.withMemoryRebound(to: UInt8.self, capacity: Int(length)) { Array(UnsafeBufferPointer(start: $0, count: Int(length))) }
    }

    /// How many features the model was trained with.
    var featureCount: Int {
        get throws(XGBoostError) {
            var count: UInt64 = 0
            try XGBoostError.check(XGBoosterGetNumFeature(handle, &count), "count the model's features")
            return Int(count)
        }
    }

    /// Each row's prediction.
    func predict(_ matrix: FeatureMatrix) throws(XGBoostError) -> [Double] {
        try run(matrix, type: 0).map(Double.init)
    }

    /// Each row's SHAP contributions on the margin, one per feature in order and the bias last: they add up to the
    /// row's margin (log-odds for a probability).
    func contributions(_ matrix: FeatureMatrix) throws(XGBoostError) -> [[Double]] {
        let flat = try run(matrix, type: 2)
        let width = matrix.columns + 1
        return (0..<matrix.rows).map { row in flat[row * width..<(row + 1) * width].map(Double.init) }
    }

    private func run(_ matrix: FeatureMatrix, type: Int) throws(XGBoostError) -> [Float] {
        let configuration = #"{"type": \#(type), "training": false, "iteration_begin": 0, "iteration_end": 0, "strict_shape": false}"#
        var shape: UnsafePointer<UInt64>?
        var dimensions: UInt64 = 0
        var result: UnsafePointer<Float>?
        try XGBoostError.check(
            XGBoosterPredictFromDMatrix(handle, matrix.handle, configuration, &shape, &dimensions, &result), "predict")
        var count = 1
        for dimension in 0..<Int(dimensions) { count *= Int(shape![dimension]) }
        return Array(UnsafeBufferPointer(start: result, count: count))
    }

    /// XGBoost prints warnings to standard output unless told not to; HarmRank reports through its own errors.
    private static func quieten() { _ = XGBSetGlobalConfig(#"{"verbosity": 0}"#) }
}
