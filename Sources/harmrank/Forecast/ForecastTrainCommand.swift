import ArgumentParser
import Foundation
import HarmRankForecast
import Shared

/// `harmrank forecast train FILE... --cutoffs DATE[,DATE...] -o MODEL`.
struct ForecastTrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Trains the forecast's tree models on suspects' histories at one or more cut-offs and writes the model file.",
        discussion: """
            Each cut-off contributes a row per suspect with a VAWG offence in the 365 days before it: the features of \
            their offending known at the cut-off, and what they did in the 365 days after it, which must lie inside \
            the data. Evaluate on cut-offs at least 365 days after the last one trained on. Example: harmrank forecast \
            train history.ndjson --cutoffs 2022-07-01,2022-10-01,2023-01-01 -o forecast.json
            """)

    @OptionGroup var input: ForecastInput

    @Option(help: "Cut-off dates to train on, YYYY-MM-DD, comma-separated.")
    var cutoffs: String

    @Option(name: .shortAndLong, help: "Write the model to this file.")
    var output: String

    @Option(help: "Rounds of boosting: trees in each of the three models.")
    var rounds = 200

    func validate() throws {
        guard (1...5_000).contains(rounds) else { throw ValidationError("--rounds must be from 1 to 5000") }
        // The dates are checked before the history is read; against the history, after.
        for date in cutoffs.split(separator: ",") { _ = try ForecastInput.cutoff(String(date), option: "--cutoffs") }
    }

    func run() async throws {
        let histories = try await input.histories()
        let cutoffs = try ForecastInput.cutoffs(cutoffs, option: "--cutoffs", within: histories)
        let started = ContinuousClock.now
        let rows = histories.rows(at: cutoffs)
        for cutoff in cutoffs {
            let at = rows.filter { $0.cutoff == cutoff }
            print("\(cutoff.rfc3339.prefix(10)): \(at.count) suspects; \(at.filter(\.outcome.any).count) offended again within 365 days, \(at.filter(\.outcome.serious).count) seriously")
        }
        guard !rows.isEmpty else {
            throw ConfigurationError("no suspect has a VAWG offence in the 365 days before any of the cut-offs: choose cut-offs inside the data")
        }
        let model = try ForecastModel.train(rows, rounds: rounds)
        try model.write(to: output)
        print("trained on \(rows.count) rows, \(ForecastFeatures.names.count) features, \(rounds) rounds, in \(started.duration(to: .now).formatted(.units(allowed: [.seconds], fractionalPart: .show(length: 1)))); wrote \(output)")
    }
}
