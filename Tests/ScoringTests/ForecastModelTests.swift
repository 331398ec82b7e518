import Foundation
import Testing

@testable import HarmRankCore
@testable import HarmRankForecast

/// The trained forecast on generated careers: temporal validation against the baselines, the model file, and the
/// explanations.
@Suite struct ForecastModelTests {
    static let trainingCutoffs = ["2022-07-01", "2022-10-01", "2023-01-01"].map { Fixtures.instant($0 + "T00:00:00Z") }
    /// A year after the last training cut-off: the model could have been trained by then.
    static let testCutoff = Fixtures.instant("2024-01-01T00:00:00Z")
    static let model = try! ForecastModel.train(ForecastDataTests.histories.rows(at: trainingCutoffs), rounds: 100)
    static let testRows = ForecastDataTests.histories.rows(at: [testCutoff])

    @Test func theTreeModelBeatsLastYearsHarmOnALaterCutoff() throws {
        let evaluation = ForecastEvaluation(rows: Self.testRows, predictions: try Self.model.predictions(for: Self.testRows), trained: ForecastModel.name)
        let tree = try #require(evaluation.models[ForecastModel.name])
        let lastYear = try #require(evaluation.models[ForecastEvaluation.lastYearHarm])
        let dauntless = try #require(evaluation.models[ForecastEvaluation.dauntless])
        for card in [tree, lastYear, dauntless] {
            #expect(card.rows == Self.testRows.count)
            #expect(card.auc != nil && card.seriousAuc != nil && card.brier != nil && card.top100Precision != nil)
            #expect(card.calibration.map(\.count).reduce(0, +) == card.rows)
        }
        #expect(tree.auc! > lastYear.auc!)
        #expect(tree.top100Precision! > lastYear.top100Precision!)
        #expect(tree.brier! < lastYear.brier!)
        #expect(evaluation.verdict.hasPrefix("xgboost beats last year's harm on both"))
        // Every row falls in one borough's figures.
        #expect(evaluation.boroughs.values.map { $0[ForecastModel.name]!.rows }.reduce(0, +) == Self.testRows.count)
    }

    @Test func theModelFileGivesBackTheSamePredictions() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID()).json").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Self.model.write(to: path)
        let loaded = try ForecastModel.load(from: path)
        let sample = Array(Self.testRows.prefix(300)).map(\.features)
        #expect(try loaded.predict(sample) == Self.model.predict(sample))
        #expect(loaded.training == Self.model.training)
        #expect(loaded.lastYearHarmCalibration == Self.model.lastYearHarmCalibration)
    }

    @Test func aModelFileThatCannotBeUsedIsRefusedNamingTheFileAndTheProblem() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("forecast-\(UUID())").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let good = directory + "/good.json"
        try Self.model.write(to: good)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: good))) as! [String: Any]
        func variant(_ name: String, _ change: (inout [String: Any]) -> Void) throws -> String {
            var copy = json
            change(&copy)
            let path = directory + "/" + name
            try JSONSerialization.data(withJSONObject: copy).write(to: URL(fileURLWithPath: path))
            return path
        }
        let cases: [(String, String)] = [
            (directory + "/missing.json", "no such file"),
            (try { let path = directory + "/text.json"; try Data("not a model".utf8).write(to: URL(fileURLWithPath: path)); return path }(), "is not a HarmRank forecast model (not JSON)"),
            (try variant("old-features.json") { $0["features"] = Array(ForecastFeatures.names.dropLast()) + ["postcodeArea"] }, "trained with other features than this build computes (without offences365.misc and with postcodeArea)"),
            (try variant("damaged.json") { file in var trees = file["trees"] as! [String: String]; trees["harm"] = Data("broken".utf8).base64EncodedString(); file["trees"] = trees }, "its 'harm' tree model is damaged"),
            (try variant("no-trees.json") { $0["trees"] = [String: String]() }, "has no 'any' tree model"),
            (try variant("version.json") { $0["version"] = 99 }, "is version 99 of the model format"),
        ]
        for (path, problem) in cases {
            #expect {
                _ = try ForecastModel.load(from: path)
            } throws: { error in
                let text = "\(error)"
                return text.hasPrefix("forecast model \(path): ") && text.contains(problem)
            }
        }
    }

    /// XGBoost's SHAP contributions, turned into probabilities and days, add up to the predictions themselves.
    @Test func explanationsAddUpToThePredictions() throws {
        let sample = Array(Self.testRows.filter { $0.features[1] > 0 }.prefix(50))
        let outlooks = try Self.model.predict(sample.map(\.features))
        for (row, outlook) in zip(sample, outlooks) {
            let explanation = try Self.model.explain(row.features)
            for (part, predicted) in [(explanation.anyOffence, outlook.anyProbability), (explanation.seriousOffence, outlook.seriousProbability)] {
                #expect(abs(part.value - predicted) < 1e-5)
                #expect(abs(part.base + part.contributions.reduce(0, +) - part.value) < 1e-9)
                #expect((0...1).contains(part.value))
            }
            #expect(abs(explanation.expectedHarm.value - outlook.expectedHarmDays) < 1e-3)
            let sum = explanation.expectedHarm.base + explanation.expectedHarm.contributions.reduce(0, +)
            #expect(abs(max(0, sum) - explanation.expectedHarm.value) < 1e-3)
            #expect(explanation.features == row.features)
        }
    }
}
