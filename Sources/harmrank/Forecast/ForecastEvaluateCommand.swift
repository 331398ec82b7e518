import ArgumentParser
import Foundation
import HarmRankForecast
import Shared

/// `harmrank forecast evaluate FILE... --model MODEL --cutoffs DATE[,DATE...] --json OUT [--html REPORT]`.
struct ForecastEvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Tests a trained forecast on later cut-offs against last year's harm and the Dauntless+ score, overall and per borough.",
        discussion: """
            Reports, for the tree model and both baselines: AUC for any VAWG offence in the next 365 days and for a \
            serious one, the Brier score and calibration of the probability of any (a baseline's probability is the \
            rate its score's band showed in training), and the share of the predicted top 100 in the actual top 100 \
            by next-year VAWG harm; then the same per borough of the suspects' offences, with the boroughs where a \
            model does worst called out, and a plain verdict. Every cut-off must be at least 365 days after the last \
            one the model was trained on: only then were all its training outcomes known at the cut-off.
            """)

    @OptionGroup var input: ForecastInput

    @Option(help: "The model file 'harmrank forecast train' wrote.")
    var model: String

    @Option(help: "Cut-off dates to test on, YYYY-MM-DD, comma-separated.")
    var cutoffs: String

    @Option(help: "Write the results as JSON to this file.")
    var json: String

    @Option(help: "Also write a self-contained HTML report, with plots, to this file.")
    var html: String?

    func run() async throws {
        // The model and the cut-offs are checked before the history is read, which takes a while.
        let model = try ForecastModel.load(from: model)
        let asked = try cutoffs.split(separator: ",").map { try ForecastInput.cutoff(String($0), option: "--cutoffs") }
        if let latest = model.training.cutoffs.last, let early = asked.sorted().first(where: { $0 < latest + Instant.days(365) }) {
            throw ConfigurationError(
                "--cutoffs \(early.rfc3339.prefix(10)) is less than 365 days after \(latest.rfc3339.prefix(10)), the model's last training "
                    + "cut-off: what suspects did in the year after that was not all known by \(early.rfc3339.prefix(10)), so the test would "
                    + "look ahead; use cut-offs from \((latest + Instant.days(365)).rfc3339.prefix(10)) on")
        }
        let histories = try await input.histories()
        let cutoffs = try ForecastInput.cutoffs(cutoffs, option: "--cutoffs", within: histories)
        let rows = histories.rows(at: cutoffs)
        guard !rows.isEmpty else { throw ConfigurationError("no suspect has a VAWG offence in the 365 days before any of the cut-offs") }
        let evaluation = ForecastEvaluation(rows: rows, predictions: try model.predictions(for: rows), trained: ForecastModel.name)
        let report = Report(
            model: self.model, trainedOn: model.training.cutoffs.map { String($0.rfc3339.prefix(10)) },
            cutoffs: cutoffs.map { String($0.rfc3339.prefix(10)) }, evaluation: evaluation)
        print(report.table)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        try encoder.encode(report).write(to: URL(fileURLWithPath: json), options: .atomic)
        print("wrote \(json)")
        if let html {
            try ForecastReportPage(report: report).html.write(toFile: html, atomically: true, encoding: .utf8)
            print("wrote \(html)")
        }
    }

    /// What `--json` holds: the evaluation with what it was run on.
    struct Report: Encodable {
        let model: String
        let trainedOn: [String]
        let cutoffs: [String]
        let evaluation: ForecastEvaluation

        /// The models in the report's order: the trained one, then the baselines.
        static let order = [ForecastModel.name, ForecastEvaluation.lastYearHarm, ForecastEvaluation.dauntless]

        private enum CodingKeys: String, CodingKey { case model, trainedOn, cutoffs, models, boroughs, verdict, gaps }

        func encode(to encoder: any Encoder) throws {
            var values = encoder.container(keyedBy: CodingKeys.self)
            try values.encode(model, forKey: .model)
            try values.encode(trainedOn, forKey: .trainedOn)
            try values.encode(cutoffs, forKey: .cutoffs)
            try values.encode(evaluation.models, forKey: .models)
            try values.encode(evaluation.boroughs, forKey: .boroughs)
            try values.encode(evaluation.verdict, forKey: .verdict)
            try values.encode(evaluation.gaps, forKey: .gaps)
        }

        /// The figures as the terminal shows them.
        var table: String {
            let rows = evaluation.models[Self.order[0]]?.rows ?? 0
            let reoffended = evaluation.models[Self.order[0]]?.reoffended ?? 0
            var out = "\(rows) suspect-cut-offs at \(cutoffs.joined(separator: ", ")) (model trained at \(trainedOn.joined(separator: ", "))); "
                + "\(reoffended) offended again within 365 days\n"
            out += "model            AUC    serious AUC  Brier  top-100 precision\n"
            for name in Self.order {
                guard let card = evaluation.models[name] else { continue }
                out += name.padding(toLength: 15, withPad: " ", startingAt: 0) + "  " + ForecastEvaluation.format(card.auc) + "  "
                    + ForecastEvaluation.format(card.seriousAuc) + "        " + ForecastEvaluation.format(card.brier) + "  "
                    + ForecastEvaluation.format(card.top100Precision) + "\n"
            }
            out += evaluation.verdict + "\n"
            if !evaluation.gaps.isEmpty { out += "largest gaps by borough:\n" + evaluation.gaps.prefix(6).map { "  " + $0 }.joined(separator: "\n") }
            return out
        }
    }
}
