import ArgumentParser
import Foundation
import Shared

/// `harmrank evaluate-hotspots FILE...`: rolling-origin evaluation of the hotspot models on offence records
/// (CONTRACT.md section 6), with a table of how the default model's hit rate moves with the grid's parameters.
struct EvaluateHotspotsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate-hotspots",
        abstract: "Evaluates hotspot models (default, promap, baseline, sepp, kde) on offence records or police.uk CSVs: hit rate and PAI.",
        discussion: """
            Each of the last --test-months whole calendar months is predicted at its first instant from every \
            earlier record; the top cells covering 1%, 5% and 10% of the active cells (those with a counting \
            record anywhere in the data) are flagged. The default model (the one RankService serves with \
            --hotspot-model default) is ProMap reaching --near-repeat-metres plus --background-weight times the \
            cell's count over the previous 365 days; the baseline is the cell's count over the previous 12 \
            calendar months alone; sepp is PredPol's self-exciting point process (Mohler et al. 2011), a background rate \
            per cell plus triggering exponential in time and Gaussian in space, fitted by expectation-maximisation \
            on the records before each test month, its fitted parameters printed; kde is a Gaussian kernel density \
            of the year before, its bandwidth chosen on the month before. Each averaged hit rate comes with a 95% \
            interval by the bootstrap over the test records, and each model's difference from the baseline with \
            one on the same resamples: a model whose interval reaches zero is not shown better. Records come from \
            'harmrank generate' (exact times), or police.uk street-level CSVs given as they are (monthly; imported \
            as 'harmrank import-policeuk' does, and what was read is printed first). Example: \
            harmrank evaluate-hotspots 2023-*-metropolitan-street.csv --json hotspots.json
            """)

    @Argument(help: "NDJSON offence records, or police.uk street-level CSVs; '-' reads NDJSON from standard input.")
    var files: [String]

    @OptionGroup var hotspots: HotspotOptions

    @Option(help: "Default model: what a record of the past 365 days in the cell adds, as a share of a record in the cell this week (0: near-repeat ProMap alone).")
    var backgroundWeight = LiveHotspots.Blend().backgroundWeight

    @Option(help: "Default model: how far its ProMap term reaches, in metres (the near-repeat range).")
    var nearRepeatMetres = LiveHotspots.Blend().nearRepeatMetres

    @Option(help: "Whole calendar months tested, ending with the last whole month of the data.")
    var testMonths = 3

    @Flag(help: "Skip the table of parameter sensitivity.")
    var noSensitivity = false

    @Option(help: "Write the results as JSON to this file.")
    var json: String?

    @OptionGroup var referenceData: ReferenceDataOptions

    func validate() throws {
        guard !files.isEmpty else {
            throw ValidationError("name at least one NDJSON file or police.uk CSV, or '-' for NDJSON on standard input")
        }
        guard testMonths >= 1 else { throw ValidationError("--test-months must be 1 or more") }
        guard backgroundWeight >= 0, backgroundWeight <= 1_000 else { throw ValidationError("--background-weight must be from 0 to 1000") }
        guard nearRepeatMetres >= 0 else { throw ValidationError("--near-repeat-metres must be 0 or more") }
    }

    func run() async throws {
        let started = ContinuousClock.now
        let (harmTable, wards) = try referenceData.load()
        let parameters = try hotspots.parameters()
        let read = try await OffenceFiles.read(files, harmTable: harmTable, wards: wards)
        // What was read comes first, so that a run that finds nothing to evaluate says what it was given.
        print(read.summary)
        let offences = read.offences
        var options = HotspotEvaluation.Options()
        options.parameters = parameters
        options.blend.backgroundWeight = backgroundWeight
        options.blend.nearRepeatMetres = nearRepeatMetres
        options.testMonths = testMonths
        let records = HotspotEvaluation.records(latestOf: offences, harmTable: harmTable, parameters: parameters)
        // A problem with the data (too few months) is named by itself, without the usage text.
        let result = try HotspotEvaluation(options: options).run(records)

        print(
            "\(result.records) located records of \(parameters.subgroups.map(\.rawValue).sorted().joined(separator: ", ")) "
                + "in \(result.activeCells) active cells of \(parameters.cellSize) m; D = \(parameters.distanceBandwidth) cells, "
                + "W = \(parameters.timeBandwidth) weeks; \(result.monthly ? "monthly" : "exact") timestamps")
        print("test months: " + result.periods.map { "\($0.start.rfc3339.prefix(7)) (\($0.testRecords) records)" }.joined(separator: ", "))
        print("")
        print("model     coverage  cells  hit rate    PAI   95% interval    vs baseline (95%)")
        for model in HotspotEvaluation.Model.allCases where result.averages[model] != nil {
            for score in result.averages[model]! {
                let interval = score.hitRateInterval.map { "\(Self.percent($0.low))-\(Self.percent($0.high))" } ?? ""
                print(
                    model.rawValue.padding(toLength: 10, withPad: " ", startingAt: 0)
                        + Self.percent(score.coverage).leftPadded(8) + String(score.flaggedCells).leftPadded(7)
                        + Self.percent(score.hitRate).leftPadded(10) + String(format: "%7.2f", score.pai)
                        + interval.leftPadded(15) + "   " + Self.verdict(score.versusBaseline))
            }
        }

        for period in result.periods {
            if let bandwidth = period.kdeBandwidth {
                print("kde bandwidth for \(period.start.rfc3339.prefix(7)): \(Int(bandwidth)) m, the best of \(KernelDensityHotspots.bandwidths.map { "\(Int($0))" }.joined(separator: ", ")) on the month before")
            }
            guard let fit = period.sepp else { continue }
            let parameters = fit.parameters
            print(String(
                format: "sepp fitted for %@ on %d records in %d EM iterations: θ = %.3f crimes triggered a crime, mean delay 1/ω = %.1f days, σ = %.0f m, background %.2f crimes a day over %d cells",
                String(period.start.rfc3339.prefix(7)), period.trainingRecords, fit.logLikelihoods.count - 1, parameters.theta,
                1 / parameters.omega, parameters.sigma, parameters.background.values.reduce(0, +), parameters.background.count))
        }

        var sensitivity: [SensitivityRow] = []
        if !noSensitivity {
            print("")
            print("sensitivity: hit rate at 10% coverage, averaged over the test months")
            print(" cell    D    W  default   promap  baseline")
            for variant in Self.variants(of: parameters) {
                var variantOptions = options
                variantOptions.parameters = variant
                variantOptions.coverages = [0.10]
                // The grid's bandwidths are ProMap's; the SEPP and the KDE choose their own.
                variantOptions.models.subtract([.sepp, .kde])
                variantOptions.bootstrap.samples = 0
                // Variants keep the subgroups, so the same records (points, not cells) serve every one.
                guard let variantResult = try? HotspotEvaluation(options: variantOptions).run(records) else { continue }
                let row = SensitivityRow(
                    cellSize: variant.cellSize, distanceBandwidth: variant.distanceBandwidth, timeBandwidth: variant.timeBandwidth,
                    hitRate: Dictionary(uniqueKeysWithValues: variantResult.averages.map { ($0.key.rawValue, $0.value[0].hitRate) }))
                sensitivity.append(row)
                print(
                    String(row.cellSize).leftPadded(5) + String(row.distanceBandwidth).leftPadded(5) + String(row.timeBandwidth).leftPadded(5)
                        + [HotspotEvaluation.Model.blend, .promap, .baseline].map { Self.percent(row.hitRate[$0.rawValue] ?? 0).leftPadded(9) }.joined())
            }
        }
        let seconds = started.duration(to: .now).inSeconds
        print(
            String(format: "\nevaluated in %.2f s; predicting took ", seconds)
                + HotspotEvaluation.Model.allCases.compactMap { model in
                    result.durations[model].map { String(format: "%@ %.2f s", model.rawValue, $0.inSeconds) }
                }.joined(separator: ", "))
        if let json {
            let report = Report(
                result: result, parameters: parameters, backgroundWeight: backgroundWeight, nearRepeatMetres: nearRepeatMetres,
                sensitivity: sensitivity, seconds: seconds)
            try JSONEncoder.api.encode(report).write(to: URL(fileURLWithPath: json))
        }
    }

    /// The grid's parameters varied one at a time around those given.
    static func variants(of parameters: HotspotParameters) -> [HotspotParameters] {
        var variants = [parameters]
        for size in [150, 400] where size != parameters.cellSize {
            var variant = parameters
            variant.cellSize = size
            variants.append(variant)
        }
        for (distance, weeks) in [(4, parameters.timeBandwidth), (12, parameters.timeBandwidth), (parameters.distanceBandwidth, 4), (parameters.distanceBandwidth, 12)]
        where (distance, weeks) != (parameters.distanceBandwidth, parameters.timeBandwidth) {
            var variant = parameters
            variant.distanceBandwidth = distance
            variant.timeBandwidth = weeks
            variants.append(variant)
        }
        return variants
    }

    static func percent(_ share: Double) -> String { String(format: "%.1f%%", share * 100) }

    /// How a model's hit rate compares with the baseline's, from the interval of their difference.
    static func verdict(_ difference: HotspotBootstrap.Interval?) -> String {
        guard let difference else { return "" }
        let range = String(format: "%+.1f to %+.1f points", difference.low * 100, difference.high * 100)
        if difference.low > 0 { return "better: " + range }
        if difference.high < 0 { return "worse: " + range }
        return "not shown better: " + range
    }

    struct Metric: Encodable {
        let hitRate: Double
        let pai: Double
        let flaggedCells: Int
        var hitRateInterval: [Double]?
        var versusBaseline: [Double]?
    }

    struct SensitivityRow: Encodable {
        let cellSize: Int
        let distanceBandwidth: Int
        let timeBandwidth: Int
        /// Per model, at 10% coverage.
        let hitRate: [String: Double]
    }

    /// The JSON: per model and coverage (`"0.01"`, `"0.05"`, `"0.10"`), hit rate and PAI averaged over the test
    /// months, at the top level; then the months one by one and the sensitivity table.
    struct Report: Encodable {
        let result: HotspotEvaluation.Result
        let parameters: HotspotParameters
        let backgroundWeight: Double
        let nearRepeatMetres: Int
        let sensitivity: [SensitivityRow]
        let seconds: Double

        struct Key: CodingKey {
            var stringValue: String
            var intValue: Int? { nil }
            init(_ string: String) { stringValue = string }
            init?(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }

        static func metrics(_ scores: [HotspotEvaluation.Score]) -> [String: Metric] {
            Dictionary(uniqueKeysWithValues: scores.map {
                (
                    String(format: "%.2f", $0.coverage),
                    Metric(
                        hitRate: $0.hitRate, pai: $0.pai, flaggedCells: $0.flaggedCells,
                        hitRateInterval: $0.hitRateInterval.map { [$0.low, $0.high] },
                        versusBaseline: $0.versusBaseline.map { [$0.low, $0.high] })
                )
            })
        }

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Key.self)
            for model in HotspotEvaluation.Model.allCases where result.averages[model] != nil {
                try container.encode(Self.metrics(result.averages[model]!), forKey: Key(model.rawValue))
            }
            try container.encode(result.records, forKey: Key("records"))
            try container.encode(result.activeCells, forKey: Key("activeCells"))
            try container.encode(result.monthly ? "monthly" : "exact", forKey: Key("timestamps"))
            try container.encode(
                [
                    "cellSize": Double(parameters.cellSize), "distanceBandwidth": Double(parameters.distanceBandwidth),
                    "timeBandwidth": Double(parameters.timeBandwidth), "backgroundWeight": backgroundWeight,
                    "nearRepeatMetres": Double(nearRepeatMetres),
                ], forKey: Key("parameters"))
            try container.encode(parameters.subgroups.map(\.rawValue).sorted(), forKey: Key("subgroups"))
            var periods = container.nestedUnkeyedContainer(forKey: Key("periods"))
            for period in result.periods {
                var entry = periods.nestedContainer(keyedBy: Key.self)
                try entry.encode(String(period.start.rfc3339.prefix(7)), forKey: Key("month"))
                try entry.encode(period.trainingRecords, forKey: Key("trainingRecords"))
                try entry.encode(period.testRecords, forKey: Key("testRecords"))
                for model in HotspotEvaluation.Model.allCases where period.scores[model] != nil {
                    try entry.encode(Self.metrics(period.scores[model]!), forKey: Key(model.rawValue))
                }
                if let bandwidth = period.kdeBandwidth { try entry.encode(bandwidth, forKey: Key("kdeBandwidth")) }
                if let fit = period.sepp {
                    try entry.encode(
                        [
                            "theta": fit.parameters.theta, "omega": fit.parameters.omega, "sigma": fit.parameters.sigma,
                            "backgroundPerDay": fit.parameters.background.values.reduce(0, +),
                            "iterations": Double(fit.logLikelihoods.count - 1), "logLikelihood": fit.logLikelihoods.last ?? 0,
                        ], forKey: Key("seppFit"))
                }
            }
            try container.encode(sensitivity, forKey: Key("sensitivity"))
            try container.encode(seconds, forKey: Key("seconds"))
        }
    }
}
