import Foundation
import HarmRankForecast
import Shared
import Testing

/// RankService with a forecast model: the `forecast` list through the whole pipeline, equal to the model's
/// predictions from the same records; a suspect's forecast explained in the API and the dashboard; a model file
/// that cannot be used stops the start.
@Suite struct ForecastServiceTests {
    @Test func rankServiceListsTheForecastAndExplainsIt() async throws {
        let directory = try temporaryDirectory()
        let records = directory.appendingPathComponent("history.ndjson")
        let modelFile = directory.appendingPathComponent("forecast.json")
        let generate = try ChildProcess(
            "harmrank", ["generate", "--crimes", "50000", "--start", "2023-01-01", "--days", "760", "--bad-share", "0", "-o", records.path])
        #expect(await generate.exitStatus(within: .seconds(120)) == 0, "\(generate.errors)")
        let train = try ChildProcess(
            "harmrank", ["forecast", "train", records.path, "--cutoffs", "2024-01-01", "-o", modelFile.path, "--rounds", "30"])
        #expect(await train.exitStatus(within: .seconds(300)) == 0, "\(train.errors)")

        let token = "forecast-test-token-0123456789abcdef"
        let stack = try await TestStack.start(token: token, principal: "analyst.test", environment: ["HARMRANK_FORECAST_MODEL": modelFile.path])
        defer { stack.stop() }
        let publish = try ChildProcess("harmrank", ["publish", records.path, "--data-dir", stack.directory.path])
        #expect(await publish.exitStatus(within: .seconds(300)) == 0, "\(publish.errors)")
        let lines = try String(contentsOf: records, encoding: .utf8).split(separator: "\n").count
        #expect(await pipelineSettled(judged: lines, ingest: stack.port + 1, all: Array(stack.port..<stack.port + 4), token: token))

        let lists = try #require(try await get(stack.base("RankService") + "/v1/lists", token: token).json?["lists"] as? [[String: Any]])
        #expect(lists.contains { $0["name"] as? String == "forecast" })
        let page = try #require(try await get(stack.base("RankService") + "/v1/lists/forecast?limit=100", token: token).json)
        let asOf = try Instant.parseRFC3339(try #require(page["asOf"] as? String)).get()
        let entries = try #require(page["entries"] as? [[String: Any]])
        #expect(entries.count == 100)

        // The same model on the same records, every suspect of the window at the list's clock, from scratch.
        let (table, wards) = (try HarmTable.shipped(), try WardRegistry.shipped())
        let validator = OffenceValidator(harmTable: table, wards: wards, clockMode: .event)
        let histories = ForecastHistories(
            records: try String(contentsOf: records, encoding: .utf8).split(separator: "\n").compactMap {
                try? validator.validate(Array($0.utf8), receivedAt: .now).get()
            },
            harmTable: table, wards: wards)
        let model = try ForecastModel.load(from: modelFile.path)
        var expected: [(id: String, score: Int64)] = []
        for (id, history) in histories.offences {
            // What RankService holds: the crimes in the window, whenever they were reported.
            let window = history.filter { $0.occurredAt <= asOf && asOf.milliseconds - $0.occurredAt.milliseconds < Instant.days(365) }
            guard window.contains(where: \.vawg) else { continue }
            let features = ForecastFeatures.values(
                window: window, domesticVictims: Set(window.filter(\.domestic).flatMap(\.victims)).count, at: asOf)
            let score = Int64((max(0, try model.expectedHarm([features])[0]) * 100).rounded(.down))
            if score > 0 { expected.append((id, score)) }
        }
        expected.sort { $0.score != $1.score ? $0.score > $1.score : $0.id.precedesBytewise($1.id) }
        let listed = entries.map { ($0["id"] as? String ?? "?", Int64((($0["score"] as? Double ?? -1) * 100).rounded())) }
        #expect(listed.map(\.0) == expected.prefix(100).map(\.id))
        #expect(listed.map(\.1) == expected.prefix(100).map(\.score))

        // The first suspect explained: the list's score, and parts that add up to each prediction.
        let first = try #require(listed.first?.0)
        let explanation = try #require(try await get(stack.base("RankService") + "/v1/suspects/\(first)", token: token).json)
        let forecast = try #require(explanation["forecast"] as? [String: Any])
        #expect(forecast["rank"] as? Int == 1)
        #expect(Int64(((forecast["score"] as? Double ?? -1) * 100).rounded()) == listed.first?.1)
        for key in ["anyOffence", "seriousOffence", "expectedHarm"] {
            let prediction = try #require(forecast[key] as? [String: Any])
            let parts = try #require(prediction["features"] as? [[String: Any]])
            let sum = parts.reduce(prediction["base"] as? Double ?? 0) { $0 + ($1["effect"] as? Double ?? 0) }
            #expect(abs(sum - (prediction["value"] as? Double ?? -1)) < 1e-6, "\(key)")
        }

        // The dashboard shows it in the suspect's drill-down, and lists the forecast among its views.
        let url = "\(stack.base("RankService"))/?view=forecast&explain=suspect:\(first)&live=off#token=\(token)"
        let dump = try ChildProcess(
            "chromium", ["--headless", "--no-sandbox", "--disable-gpu", "--virtual-time-budget=10000", "--dump-dom", url])
        #expect(await dump.exitStatus(within: .seconds(90)) == 0, "\(dump.errors.suffix(2000))")
        #expect(dump.output.contains("data-view=\"forecast\""), "\(dump.output.suffix(2000))")
        #expect(dump.output.contains("id=\"detail-forecast\""), "\(dump.output.suffix(2000))")
        #expect(dump.output.components(separatedBy: "data-prediction=").count == 4)
    }

    @Test func aModelFileThatCannotBeUsedStopsTheStartNamingIt() async throws {
        let directory = try temporaryDirectory()
        try "t0123456789abcdef0123 someone admin\n".write(to: directory.appendingPathComponent("tokens.txt"), atomically: true, encoding: .utf8)
        let broken = directory.appendingPathComponent("broken.json")
        try Data("{}".utf8).write(to: broken)
        for (file, problem) in [(directory.appendingPathComponent("missing.json").path, "no such file"), (broken.path, "is not a HarmRank forecast model")] {
            let process = try ChildProcess(
                "RankService",
                ["--bootstrap", "127.0.0.1:1", "--data-dir", directory.path, "--http-port", String(freePort()),
                 "--tokens-file", directory.appendingPathComponent("tokens.txt").path, "--forecast-model", file])
            #expect(await process.exitStatus(within: .seconds(20)) != 0)
            #expect(process.errors.contains("--forecast-model / HARMRANK_FORECAST_MODEL: forecast model \(file): \(problem)"), "\(process.errors)")
        }
    }
}
