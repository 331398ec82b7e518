import ArgumentParser
import Foundation
import HarmRankForecast
import Shared

/// `harmrank forecast explain ID FILE... --model MODEL --cutoff DATE`.
struct ForecastExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explains one suspect's forecast: their offences known at the cut-off, and what each feature adds to each prediction.",
        discussion: """
            Each prediction starts from the model's base (its value for a suspect of whom nothing is known) and each \
            feature moves it, in percentage points of probability or in CCHI days (XGBoost's SHAP contributions; for \
            a probability, shared from the log-odds in proportion): the parts add up to the prediction.
            """)

    @Argument(help: "The suspect's id.")
    var suspect: String

    @OptionGroup var input: ForecastInput

    @Option(help: "The model file 'harmrank forecast train' wrote.")
    var model: String

    @Option(help: "The cut-off date, YYYY-MM-DD: the forecast is for the 365 days after it.")
    var cutoff: String

    @Option(help: "Features listed for each prediction, largest effect first.")
    var top = 8

    func validate() throws {
        _ = try ForecastInput.cutoff(cutoff, option: "--cutoff")
        guard top >= 1 else { throw ValidationError("--top must be 1 or more") }
    }

    func run() async throws {
        let model = try ForecastModel.load(from: model)
        let cutoff = try ForecastInput.cutoff(cutoff, option: "--cutoff")
        let histories = try await input.histories()
        guard let history = histories.offences[suspect] else {
            throw ConfigurationError("suspect '\(suspect)' has no crime counting for a suspect list in the files")
        }
        let known = history.filter { ForecastFeatures.isKnown($0, at: cutoff) }
        if !histories.population(at: cutoff).contains(suspect) {
            print("note: \(suspect) has no VAWG offence in the 365 days before \(cutoff.rfc3339.prefix(10)), so the forecast would not list them; explained all the same")
        }
        let features = ForecastFeatures.values(of: history, at: cutoff)
        print(ForecastExplanationText(suspect: suspect, cutoff: cutoff, known: known, explanation: try model.explain(features), top: top).text)
    }
}

/// An explanation as an analyst reads it.
struct ForecastExplanationText {
    let suspect: String
    let cutoff: Instant
    let known: [SuspectOffence]
    let explanation: ForecastExplanation
    let top: Int

    var text: String {
        var out = "\(suspect) at \(cutoff.rfc3339.prefix(10)): \(known.count) offences known in the \(ForecastFeatures.lookbackDays) days before\n"
        for offence in known {
            out += "  \(offence.occurredAt.rfc3339.prefix(10))  \(offence.crimeRef)  \(offence.subgroup.rawValue)  \(offence.harm) days"
                + (offence.vawg ? "  VAWG" : "") + (offence.domestic ? " domestic" : "") + "\n"
        }
        func percent(_ value: Double) -> String { String(format: "%.1f%%", value * 100) }
        func points(_ value: Double) -> String { String(format: "%+.1f points", value * 100) }
        func days(_ value: Double) -> String { String(format: "%.1f days", value) }
        func signedDays(_ value: Double) -> String { String(format: "%+.1f days", value) }
        let parts: [(String, ForecastExplanation.Part, (Double) -> String, (Double) -> String)] = [
            ("any VAWG offence in the next 365 days", explanation.anyOffence, percent, points),
            ("a serious one (harm of 365 days or more)", explanation.seriousOffence, percent, points),
            ("expected VAWG harm in the next 365 days", explanation.expectedHarm, days, signedDays),
        ]
        for (title, part, value, effect) in parts {
            out += "\(title): \(value(part.value)) (base \(value(part.base)))\n"
            for item in part.largest(top, features: explanation.features) {
                out += "  \(effect(item.effect).padding(toLength: 14, withPad: " ", startingAt: 0)) \(item.feature.meaning) = \(Self.format(item.value))\n"
            }
        }
        return out
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.2f", value)
    }
}
