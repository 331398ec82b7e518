import ArgumentParser
import Foundation
import HarmRankForecast
import Shared

/// What the forecast costs: training on a generated London population at several cut-offs and predicting for all of
/// them, against the baselines' cost in the same run, and one served prediction per suspect.
struct BenchForecastCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-forecast",
        abstract: "Measures the forecast's training and prediction against the baselines' cost, on a generated London population.",
        discussion: """
            Generates --years of London crime (--crimes a year, seeded), then times: computing every suspect's features \
            at --cutoffs quarterly cut-offs (the reference: what any model, baselines included, must first do); \
            the baselines (their calibration learnt, then a score and probability for every row); training the three \
            tree models; predicting for every row at once; a served prediction, one suspect at a time, as when one \
            suspect's history changes; and one suspect's explanation. Build with -c release.
            """)

    @Option(help: "Crimes a year (a London year is about 900,000).")
    var crimes = 900_000

    @Option(help: "Years generated: the first is history only, the cut-offs follow it a quarter apart.")
    var years = 2.5

    @Option(help: "Quarterly cut-offs trained on.")
    var cutoffs = 3

    @Option(help: "Rounds of boosting.")
    var rounds = 200

    @Option(help: "Suspects predicted one at a time, for the served cost.")
    var served = 2_000

    @Option(help: "Write the figures as JSON to this file.")
    var json: String?

    func validate() throws {
        guard crimes > 0, cutoffs >= 1, rounds >= 1, served >= 1 else { throw ValidationError("--crimes, --cutoffs, --rounds and --served must be positive") }
        guard years * 365 >= 365 + Double(cutoffs - 1) * 91 + 365 else {
            throw ValidationError("--years must hold a year of history, the cut-offs a quarter apart, and a year after the last")
        }
    }

    func run() async throws {
        let (harmTable, wards) = (try HarmTable.shipped(), try WardRegistry.shipped())
        var options = LondonGenerator.Options(start: try Instant.parseRFC3339("2021-01-01T00:00:00Z").get())
        options.days = Int(years * 365)
        options.crimes = Int(Double(crimes) * years)
        (options.badShare, options.revisionShare, options.duplicateShare, options.staleShare) = (0, 0, 0, 0)
        FileHandle.standardError.write(Data("generating \(options.crimes) crimes over \(options.days) days\n".utf8))
        let validator = OffenceValidator(harmTable: harmTable, wards: wards, clockMode: .event)
        let records = LondonGenerator(options: options, wards: wards, harmTable: harmTable).lines().compactMap {
            try? validator.validate(Array($0.text.utf8), receivedAt: .now).get()
        }
        let histories = ForecastHistories(records: records, harmTable: harmTable, wards: wards)
        let dates = (0..<cutoffs).map { options.start + Instant.days(365 + Int64($0) * 91) }

        let clock = ContinuousClock()
        var rows: [ForecastRow] = []
        let features = clock.measure { rows = histories.rows(at: dates) }
        var model: ForecastModel?
        let training = try clock.measure { model = try ForecastModel.train(rows, rounds: rounds) }
        let trained = model!
        var predictions: [String: [ForecastPrediction]] = [:]
        let predicting = try clock.measure { predictions = try trained.predictions(for: rows) }
        // The baselines alone: their calibration learnt and applied, as `train` and `predictions` do for them.
        let baselines = clock.measure {
            for column in ["vawgHarm365", "dauntlessScore"] {
                let index = ForecastFeatures.names.firstIndex(of: column)!
                let calibration = ScoreCalibration(scores: rows.map { $0.features[index] }, labels: rows.map(\.outcome.any))
                predictions[column] = rows.map { ForecastPrediction(baselineScore: $0.features[index], calibration: calibration) }
            }
        }
        let sample = rows.prefix(served)
        let serving = try clock.measure {
            for row in sample { _ = try trained.predict([row.features]) }
        }
        let explaining = try clock.measure {
            for row in sample { _ = try trained.explain(row.features) }
        }
        let figures = Figures(
            rows: rows.count, suspectsPerCutoff: rows.count / cutoffs, features: features.inSeconds, baselines: baselines.inSeconds,
            training: training.inSeconds, predictingAll: predicting.inSeconds,
            servedMicroseconds: serving.inSeconds / Double(sample.count) * 1_000_000,
            explanationMicroseconds: explaining.inSeconds / Double(sample.count) * 1_000_000)
        print(figures.table)
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(figures).write(to: URL(fileURLWithPath: json))
        }
    }

    struct Figures: Encodable {
        let rows: Int
        let suspectsPerCutoff: Int
        let features: Double
        let baselines: Double
        let training: Double
        let predictingAll: Double
        let servedMicroseconds: Double
        let explanationMicroseconds: Double

        var table: String {
            func s(_ value: Double) -> String { String(format: "%.3f s", value) }
            func x(_ value: Double, _ reference: Double) -> String { String(format: "%.1f x", value / max(reference, 1e-9)) }
            return """
                rows (suspect-cut-offs)          \(rows) (\(suspectsPerCutoff) a cut-off)
                features, every row              \(s(features))
                baselines, calibrated and scored \(s(baselines))   \(x(baselines, features)) the features
                training, three tree models      \(s(training))   \(x(training, baselines)) the baselines, \(x(training, features)) the features
                predicting every row             \(s(predictingAll))   \(x(predictingAll, baselines)) the baselines
                predicting every row, per row    \(String(format: "%.1f", predictingAll / Double(rows) * 1_000_000)) µs
                served, one suspect alone        \(String(format: "%.0f", servedMicroseconds)) µs
                an explanation, one suspect      \(String(format: "%.0f", explanationMicroseconds)) µs
                """
        }
    }
}
