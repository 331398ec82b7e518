import Foundation
import HarmRankCore

/// The trained forecast (CONTRACT.md section 12): three gradient-boosted tree models over `ForecastFeatures`, for
/// any VAWG offence in the next 365 days, a serious one, and the expected VAWG harm, with the two baselines'
/// calibrations; written to and read from one file. Nothing changes it once trained or read, so it can be shared.
public final class ForecastModel: Sendable {
    /// The name the evaluation gives the trained model.
    public static let name = "xgboost"

    /// How it was trained.
    public struct Training: Codable, Sendable, Equatable {
        /// The cut-offs its rows were taken at, ascending.
        public let cutoffs: [Instant]
        /// Suspect-cut-off rows trained on.
        public let rows: Int
        /// How the trees were grown.
        var parameters: BoostedTrees.Parameters

        private enum CodingKeys: String, CodingKey { case cutoffs, rows, parameters }

        /// Reads the cut-offs as RFC 3339 times, as the model file writes them.
        public init(from decoder: any Decoder) throws {
            let values = try decoder.container(keyedBy: CodingKeys.self)
            cutoffs = try values.decode([String].self, forKey: .cutoffs).map { text in
                guard case .success(let instant) = Instant.parseRFC3339(text) else {
                    throw DecodingError.dataCorruptedError(forKey: .cutoffs, in: values, debugDescription: "cut-off '\(text)' is not an RFC 3339 time")
                }
                return instant
            }
            rows = try values.decode(Int.self, forKey: .rows)
            parameters = try values.decode(BoostedTrees.Parameters.self, forKey: .parameters)
        }

        /// Writes the cut-offs as RFC 3339 times, readable in the file.
        public func encode(to encoder: any Encoder) throws {
            var values = encoder.container(keyedBy: CodingKeys.self)
            try values.encode(cutoffs.map(\.rfc3339), forKey: .cutoffs)
            try values.encode(rows, forKey: .rows)
            try values.encode(parameters, forKey: .parameters)
        }

        init(cutoffs: [Instant], rows: Int, parameters: BoostedTrees.Parameters) {
            self.cutoffs = cutoffs
            self.rows = rows
            self.parameters = parameters
        }
    }

    /// How it was trained.
    public let training: Training
    /// The baselines' score-to-probability calibrations, learnt on the same rows.
    public let lastYearHarmCalibration: ScoreCalibration
    /// The Dauntless+ score's.
    public let dauntlessCalibration: ScoreCalibration
    private let anyOffence: BoostedTrees
    private let seriousOffence: BoostedTrees
    private let expectedHarm: BoostedTrees

    /// A model trained on `rows` (from `ForecastHistories.rows(at:)`), in rounds of boosting.
    public static func train(_ rows: [ForecastRow], rounds: Int = 200) throws -> ForecastModel {
        guard !rows.isEmpty else { throw XGBoostError(operation: "train", message: "no suspect has a VAWG offence in the year before any cut-off") }
        var parameters = BoostedTrees.Parameters()
        parameters.rounds = rounds
        let matrix = try FeatureMatrix(rows.map(\.features), columns: ForecastFeatures.names.count)
        func trees(_ objective: BoostedTrees.Objective, _ label: (ForecastRow) -> Double) throws -> BoostedTrees {
            try matrix.setLabels(rows.map(label))
            return try BoostedTrees.train(matrix, objective: objective, parameters: parameters)
        }
        let any = rows.map(\.outcome.any)
        return ForecastModel(
            training: Training(cutoffs: Set(rows.map(\.cutoff)).sorted(), rows: rows.count, parameters: parameters),
            lastYearHarmCalibration: ScoreCalibration(scores: rows.map { Baseline.lastYearHarm.score($0.features) }, labels: any),
            dauntlessCalibration: ScoreCalibration(scores: rows.map { Baseline.dauntless.score($0.features) }, labels: any),
            anyOffence: try trees(.probability) { $0.outcome.any ? 1 : 0 },
            seriousOffence: try trees(.probability) { $0.outcome.serious ? 1 : 0 },
            expectedHarm: try trees(.mean) { $0.outcome.harm.days })
    }

    private init(
        training: Training, lastYearHarmCalibration: ScoreCalibration, dauntlessCalibration: ScoreCalibration,
        anyOffence: BoostedTrees, seriousOffence: BoostedTrees, expectedHarm: BoostedTrees
    ) {
        self.training = training
        self.lastYearHarmCalibration = lastYearHarmCalibration
        self.dauntlessCalibration = dauntlessCalibration
        self.anyOffence = anyOffence
        self.seriousOffence = seriousOffence
        self.expectedHarm = expectedHarm
    }

    /// What the model predicts for each row of feature values.
    public func predict(_ features: [[Double]]) throws -> [ForecastOutlook] {
        guard !features.isEmpty else { return [] }
        let matrix = try FeatureMatrix(features, columns: ForecastFeatures.names.count)
        let any = try anyOffence.predict(matrix)
        let serious = try seriousOffence.predict(matrix)
        let harm = try expectedHarm.predict(matrix)
        return features.indices.map { ForecastOutlook(anyProbability: any[$0], seriousProbability: serious[$0], expectedHarmDays: max(0, harm[$0])) }
    }

    /// The predictions of the trained model and both baselines for `rows`, by the names the evaluation reports.
    public func predictions(for rows: [ForecastRow]) throws -> [String: [ForecastPrediction]] {
        let outlooks = try predict(rows.map(\.features))
        return [
            Self.name: outlooks.map {
                ForecastPrediction(anyScore: $0.anyProbability, anyProbability: $0.anyProbability, seriousScore: $0.seriousProbability, harmScore: $0.expectedHarmDays)
            },
            ForecastEvaluation.lastYearHarm: rows.map {
                ForecastPrediction(baselineScore: Baseline.lastYearHarm.score($0.features), calibration: lastYearHarmCalibration)
            },
            ForecastEvaluation.dauntless: rows.map {
                ForecastPrediction(baselineScore: Baseline.dauntless.score($0.features), calibration: dauntlessCalibration)
            },
        ]
    }

    /// Each prediction for `features` (one suspect's values) taken apart by feature (XGBoost's SHAP contributions).
    public func explain(_ features: [Double]) throws -> ForecastExplanation {
        let matrix = try FeatureMatrix([features], columns: ForecastFeatures.names.count)
        func probability(_ trees: BoostedTrees) throws -> ForecastExplanation.Part {
            ForecastExplanation.Part(probabilityFromLogOdds: try trees.contributions(matrix)[0])
        }
        return ForecastExplanation(
            features: features, anyOffence: try probability(anyOffence), seriousOffence: try probability(seriousOffence),
            expectedHarm: ForecastExplanation.Part(meanContributions: try expectedHarm.contributions(matrix)[0]))
    }

    /// The baselines, computed from the same features as the model.
    enum Baseline {
        case lastYearHarm, dauntless

        private static let lastYearHarmColumn = ForecastFeatures.names.firstIndex(of: "vawgHarm365")!
        private static let dauntlessColumn = ForecastFeatures.names.firstIndex(of: "dauntlessScore")!

        func score(_ features: [Double]) -> Double {
            features[self == .lastYearHarm ? Self.lastYearHarmColumn : Self.dauntlessColumn]
        }
    }

    // MARK: The model file

    private static let format = "harmrank-forecast-model"
    private static let version = 1

    private struct File: Codable {
        let format: String
        let version: Int
        let features: [String]
        let training: Training
        let baselines: [String: ScoreCalibration]
        /// Each tree model in XGBoost's universal binary JSON, base64.
        let trees: [String: String]
    }

    /// Writes the model to `path`, replacing any file there only once the whole model is written.
    public func write(to path: String) throws {
        let file = File(
            format: Self.format, version: Self.version, features: ForecastFeatures.names, training: training,
            baselines: [ForecastEvaluation.lastYearHarm: lastYearHarmCalibration, ForecastEvaluation.dauntless: dauntlessCalibration],
            trees: [
                "any": Data(try anyOffence.serialized()).base64EncodedString(),
                "serious": Data(try seriousOffence.serialized()).base64EncodedString(),
                "harm": Data(try expectedHarm.serialized()).base64EncodedString(),
            ])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(file).write(to: URL(fileURLWithPath: path), options: .atomic)
    }

    /// Reads a model written by `write(to:)`. A file that is missing, is not a forecast model, is corrupt, or was
    /// trained with other features than this build computes is refused, naming the file and the problem.
    public static func load(from path: String) throws(ForecastModelError) -> ForecastModel {
        func fail(_ problem: String) -> ForecastModelError { ForecastModelError(file: path, problem: problem) }
        guard FileManager.default.fileExists(atPath: path) else {
            throw fail("no such file; train one with 'harmrank forecast train FILE... --cutoffs DATE -o \(path)'")
        }
        guard let data = FileManager.default.contents(atPath: path) else { throw fail("cannot be read (check its permissions)") }
        let file: File
        do {
            file = try JSONDecoder().decode(File.self, from: data)
        } catch {
            throw fail("is not a HarmRank forecast model (\(Self.describe(error))); train one with 'harmrank forecast train'")
        }
        guard file.format == format else { throw fail("is a '\(file.format)' file, not a '\(format)'") }
        guard file.version == version else {
            throw fail("is version \(file.version) of the model format; this build reads version \(version): train the model again")
        }
        guard file.features == ForecastFeatures.names else {
            let missing = ForecastFeatures.names.filter { !file.features.contains($0) }
            let extra = file.features.filter { !ForecastFeatures.names.contains($0) }
            let difference = missing.isEmpty && extra.isEmpty
                ? "the same features in another order"
                : [missing.isEmpty ? nil : "without \(missing.joined(separator: ", "))", extra.isEmpty ? nil : "with \(extra.joined(separator: ", "))"]
                    .compactMap { $0 }.joined(separator: " and ")
            throw fail("was trained with other features than this build computes (\(difference)): train the model again with this build")
        }
        guard let lastYear = file.baselines[ForecastEvaluation.lastYearHarm], let dauntless = file.baselines[ForecastEvaluation.dauntless] else {
            throw fail("has no calibration of the baselines: it is incomplete, train the model again")
        }
        func trees(_ name: String) throws(ForecastModelError) -> BoostedTrees {
            guard let text = file.trees[name], let bytes = Data(base64Encoded: text) else {
                throw fail("has no '\(name)' tree model, or it is not base64: the file is damaged, train the model again")
            }
            let trees: BoostedTrees
            do {
                trees = try BoostedTrees(serialized: Array(bytes))
                guard try trees.featureCount == ForecastFeatures.names.count else {
                    throw fail("its '\(name)' tree model has \((try? trees.featureCount) ?? 0) features where the file lists \(ForecastFeatures.names.count): the file is damaged, train the model again")
                }
            } catch let error as ForecastModelError {
                throw error
            } catch {
                throw fail("its '\(name)' tree model is damaged (\(error)): train the model again")
            }
            return trees
        }
        return ForecastModel(
            training: file.training, lastYearHarmCalibration: lastYear, dauntlessCalibration: dauntless,
            anyOffence: try trees("any"), seriousOffence: try trees("serious"), expectedHarm: try trees("harm"))
    }

    private static func describe(_ error: any Error) -> String {
        switch error {
        case DecodingError.keyNotFound(let key, _): "no '\(key.stringValue)'"
        case DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            "'\(context.codingPath.map(\.stringValue).joined(separator: "."))' has the wrong type"
        case DecodingError.dataCorrupted(let context):
            context.codingPath.isEmpty ? "not JSON" : "'\(context.codingPath.map(\.stringValue).joined(separator: "."))': \(context.debugDescription)"
        default: "\(error)"
        }
    }
}

/// What the model predicts for one suspect over the next 365 days.
public struct ForecastOutlook: Sendable, Hashable {
    /// The probability of any VAWG offence.
    public let anyProbability: Double
    /// The probability of a serious one (harm of 365 days or more).
    public let seriousProbability: Double
    /// The expected VAWG harm, in CCHI days (never below 0).
    public let expectedHarmDays: Double
}

extension ForecastModel: ForecastPredictor {
    /// The expected VAWG harm of each row, in CCHI days: what the `forecast` list ranks by.
    public func expectedHarm(_ features: [[Double]]) throws -> [Double] {
        try predict(features).map(\.expectedHarmDays)
    }
}
