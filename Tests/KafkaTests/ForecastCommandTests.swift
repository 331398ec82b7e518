import Foundation
import Testing

/// `harmrank forecast train | evaluate | explain` as a user runs them, on generated careers.
@Suite struct ForecastCommandTests {
    @Test func trainEvaluateAndExplainOnGeneratedCareers() async throws {
        let directory = try temporaryDirectory()
        let history = directory.appendingPathComponent("careers.ndjson").path
        let model = directory.appendingPathComponent("forecast.json").path
        let json = directory.appendingPathComponent("evaluation.json").path
        let html = directory.appendingPathComponent("evaluation.html").path
        let generating = try ChildProcess(
            "harmrank", ["generate", "--crimes", "120000", "--start", "2020-07-01", "--days", "1645", "-o", history])
        #expect(await generating.exitStatus(within: .seconds(180)) == 0, "\(generating.errors)")

        let training = try ChildProcess("harmrank", ["forecast", "train", history, "--cutoffs", "2022-07-01,2023-01-01", "-o", model, "--rounds", "50"])
        #expect(await training.exitStatus(within: .seconds(300)) == 0, "\(training.errors)")
        #expect(training.output.contains("2022-07-01: "), "\(training.output)")
        #expect(training.output.contains("trained on "), "\(training.output)")

        // A cut-off within a year of the last trained on would look ahead; one whose next year runs past the data
        // cannot be judged.
        let ahead = try ChildProcess("harmrank", ["forecast", "evaluate", history, "--model", model, "--cutoffs", "2023-06-01", "--json", json])
        #expect(await ahead.exitStatus(within: .seconds(300)) != 0)
        #expect(ahead.errors.contains("--cutoffs 2023-06-01 is less than 365 days after 2023-01-01"), "\(ahead.errors)")
        let late = try ChildProcess("harmrank", ["forecast", "evaluate", history, "--model", model, "--cutoffs", "2024-06-01", "--json", json])
        #expect(await late.exitStatus(within: .seconds(300)) != 0)
        #expect(late.errors.contains("the 365 days after it run past the last crime in the data"), "\(late.errors)")

        let evaluating = try ChildProcess(
            "harmrank", ["forecast", "evaluate", history, "--model", model, "--cutoffs", "2024-01-01", "--json", json, "--html", html])
        #expect(await evaluating.exitStatus(within: .seconds(300)) == 0, "\(evaluating.errors)")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: json))) as? [String: Any])
        let models = try #require(report["models"] as? [String: [String: Any]])
        #expect(Set(models.keys) == ["xgboost", "last-year-harm", "dauntless"])
        for (name, card) in models {
            for key in ["auc", "seriousAuc", "brier", "top100Precision"] { #expect(card[key] is Double, "\(name) \(key)") }
            #expect((card["calibration"] as? [Any])?.isEmpty == false, "\(name) calibration")
        }
        let boroughs = try #require(report["boroughs"] as? [String: [String: [String: Any]]])
        #expect(boroughs.count > 20)
        #expect(boroughs.values.allSatisfy { Set($0.keys) == Set(models.keys) })
        #expect(evaluating.output.contains("xgboost "), "\(evaluating.output)")
        let page = try String(contentsOfFile: html, encoding: .utf8)
        #expect(page.contains("<svg") && page.contains("id=\"verdict\"") && page.contains("id=\"boroughs\""))
        // Self-contained: nothing fetched from anywhere.
        #expect(!page.contains("<link") && !page.contains("src="))

        // A suspect with a history, explained.
        let suspect = try #require(try Self.firstDomesticSuspect(in: history))
        let explaining = try ChildProcess("harmrank", ["forecast", "explain", suspect, history, "--model", model, "--cutoff", "2024-01-01"])
        #expect(await explaining.exitStatus(within: .seconds(300)) == 0, "\(explaining.errors)")
        #expect(explaining.output.hasPrefix("\(suspect) at 2024-01-01: "), "\(explaining.output)")
        for title in ["any VAWG offence in the next 365 days: ", "a serious one (harm of 365 days or more): ", "expected VAWG harm in the next 365 days: "] {
            #expect(explaining.output.contains(title), "\(explaining.output)")
        }

        // A model file that is not one stops the command, naming the file.
        try Data("{}".utf8).write(to: URL(fileURLWithPath: model))
        let refused = try ChildProcess("harmrank", ["forecast", "explain", suspect, history, "--model", model, "--cutoff", "2024-01-01"])
        #expect(await refused.exitStatus(within: .seconds(60)) != 0)
        #expect(refused.errors.contains("forecast model \(model): is not a HarmRank forecast model (no 'format')"), "\(refused.errors)")
    }

    /// A perpetrator with several domestic offences in 2023, so that the explanation has a history to show.
    static func firstDomesticSuspect(in file: String) throws -> String? {
        var counts: [String: Int] = [:]
        for line in try String(contentsOfFile: file, encoding: .utf8).split(separator: "\n") where line.contains("\"occurredAt\":\"2023-") {
            guard let range = line.range(of: "\"suspects\":[\"DA") else { continue }
            let id = line[line.index(range.upperBound, offsetBy: -2)...].prefix { $0 != "\"" }
            counts[String(id), default: 0] += 1
        }
        return counts.filter { $0.value >= 3 }.keys.sorted().first
    }
}
