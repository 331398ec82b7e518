import Foundation
import PropertyBased
import Testing

@testable import HarmRankCore

/// The forecast's features and measures: what goes in, computed by hand, and nothing a forecast must not see.
@Suite struct ForecastFeatureTests {
    static let cutoff = Fixtures.instant("2024-01-01T00:00:00Z")

    static func offence(
        _ ref: String, daysBefore: Double, code: String, domestic: Bool = true, victims: [String] = ["V1"],
        reportedDaysBefore: Double? = nil
    ) -> SuspectOffence {
        let row = Fixtures.harmTable[code]!
        let lists = ListSet.counting(row, flags: domestic ? .domestic : [], for: .suspect)
        return SuspectOffence(
            crimeRef: ref, occurredAt: cutoff - Int64(daysBefore * Double(Instant.millisecondsPerDay)),
            reportedAt: cutoff - Int64((reportedDaysBefore ?? daysBefore) * Double(Instant.millisecondsPerDay)), harm: row.harm,
            subgroup: row.subgroup, vawg: lists.contains(.vawg100), domestic: lists.contains(.dauntless),
            violence: lists.contains(.violenceHarm), victims: domestic ? victims : [])
    }

    /// The exact list: a new feature is a decision that a model file records, so it changes this test.
    @Test func theFeaturesAreTheRecordedOffendingAndNothingElse() {
        let fixed = [
            "vawgHarm90", "vawgHarm182", "vawgHarm365", "vawgOffences90", "vawgOffences365", "domesticOffences365",
            "seriousOffences365", "violenceHarm365", "violenceOffences365", "gravity365", "victims365", "daysSinceLast",
            "daysSinceFirst", "harmTrend", "offenceTrend", "recencyPoints", "frequencyPoints", "gravityPoints", "dauntlessScore",
        ]
        #expect(ForecastFeatures.names == fixed + Subgroup.allCases.map { "offences365.\($0.rawValue)" })
        let places = ["ward", "borough", "cell", "lat", "lon", "location", "postcode", "lsoa", "easting", "northing", "address", "home"]
        for name in ForecastFeatures.names {
            #expect(!ProtectedCharacteristics.isProtected(fieldName: name.replacingOccurrences(of: "offences365.", with: "")), "\(name)")
            #expect(!places.contains { name.lowercased().contains($0) }, "\(name) names a place")
        }
    }

    /// The same crimes placed in other wards, at other points, give the same features: place cannot reach them.
    @Test func wardsAndPointsDoNotChangeTheFeatures() {
        let wards = Fixtures.wards.wards
        let codes = ["8N", "105A", "8U", "19C", "49"]
        var random = SplitMix64(seed: 7)
        var here: [OffenceRecord] = []
        var there: [OffenceRecord] = []
        for index in 0..<200 {
            let at = Self.cutoff - Int64(random.below(900)) * Instant.millisecondsPerDay
            let suspect = "S\(random.below(20))"
            let code = codes[random.below(codes.count)]
            let flags: OffenceRecord.Flags = random.below(2) == 0 ? .domestic : []
            for (copy, ward) in [(0, random.below(wards.count)), (1, random.below(wards.count))] {
                let record = OffenceRecord(
                    crimeRef: "\(index)/23", version: 1, offenceCode: code, occurredAt: at, wardCode: wards[ward].code,
                    location: .init(latitude: wards[ward].latitude, longitude: wards[ward].longitude), flags: flags,
                    suspects: [suspect], victims: ["V\(index % 7)"])
                if copy == 0 { here.append(record) } else { there.append(record) }
            }
        }
        let a = ForecastHistories(records: here, harmTable: Fixtures.harmTable, wards: Fixtures.wards)
        let b = ForecastHistories(records: there, harmTable: Fixtures.harmTable, wards: Fixtures.wards)
        #expect(a.population(at: Self.cutoff) == b.population(at: Self.cutoff))
        for suspect in a.population(at: Self.cutoff) {
            #expect(ForecastFeatures.values(of: a.offences[suspect]!, at: Self.cutoff) == ForecastFeatures.values(of: b.offences[suspect]!, at: Self.cutoff))
        }
    }

    /// A worked history, every feature counted by hand.
    @Test func aWorkedHistory() {
        let history = [
            Self.offence("1/22", daysBefore: 300, code: "105A", victims: ["V1"]),  // 10 days, domestic, in the older half
            Self.offence("2/23", daysBefore: 200, code: "8N", victims: ["V1"]),  // 365 days, domestic, older half
            Self.offence("3/23", daysBefore: 50, code: "8U", victims: ["V2"]),  // 10 days, domestic
            Self.offence("4/23", daysBefore: 10, code: "34B", domestic: false),  // robbery: violence, not VAWG
            Self.offence("5/23", daysBefore: 5, code: "105A", reportedDaysBefore: -1),  // reported after the cut-off
            Self.offence("6/22", daysBefore: 400, code: "19C"),  // before the window
            Self.offence("7/23", daysBefore: 100, code: "20A", domestic: false),  // 182.25 days, VAWG, not domestic
        ]
        let values = Dictionary(uniqueKeysWithValues: zip(ForecastFeatures.names, ForecastFeatures.values(of: history, at: Self.cutoff)))
        let expected: [String: Double] = [
            "vawgHarm90": 10, "vawgHarm182": 192.25, "vawgHarm365": 567.25, "vawgOffences90": 1, "vawgOffences365": 4,
            "domesticOffences365": 3, "seriousOffences365": 1, "violenceHarm365": 922.25, "violenceOffences365": 4,
            "gravity365": 365, "victims365": 2, "daysSinceLast": 50, "daysSinceFirst": 300,
            "harmTrend": 192.25 - 375, "offenceTrend": 0,
            // Dauntless+ over the three domestic offences: R 50 days: 20; F 3: 20; G 365: 20; 385 x 1.6.
            "recencyPoints": 20, "frequencyPoints": 20, "gravityPoints": 20, "dauntlessScore": 616,
            "offences365.violence-without-injury": 1, "offences365.violence-with-injury": 1, "offences365.stalking-harassment": 1,
            "offences365.robbery-personal": 1, "offences365.other-sexual": 1, "offences365.rape": 0,
        ]
        for (name, value) in expected { #expect(values[name] == value, "\(name): \(values[name] ?? -1), expected \(value)") }
    }

    /// Whatever a history holds after the cut-off, or reported after it, changes nothing.
    @Test func nothingAfterTheCutoffIsSeen() async {
        let codes = ["8N", "105A", "8U", "19C", "49", "20A"]
        await propertyCheck(count: 200, input: Gen.int(in: 0...1_000_000)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let history = (0..<random.below(12)).map { index in
                let daysBefore = Double(random.below(1_000)) - 200
                return Self.offence(
                    "\(index)/23", daysBefore: daysBefore, code: codes[random.below(codes.count)],
                    domestic: random.below(2) == 0, victims: ["V\(random.below(3))"],
                    reportedDaysBefore: random.below(4) == 0 ? daysBefore - Double(random.below(30)) : nil)
            }
            let known = history.filter { ForecastFeatures.isKnown($0, at: Self.cutoff) }
            #expect(ForecastFeatures.values(of: history, at: Self.cutoff) == ForecastFeatures.values(of: known, at: Self.cutoff))
            #expect(known.allSatisfy { $0.occurredAt <= Self.cutoff })
        }
    }

    // MARK: Measures

    /// The AUC is the share of (offended, did not) pairs ranked the right way round, ties counting half.
    @Test func aucCountsPairs() async {
        await propertyCheck(count: 200, input: Gen.int(in: 0...1_000_000)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            let count = 2 + random.below(40)
            let scores = (0..<count).map { _ in Double(random.below(6)) }
            let labels = (0..<count).map { _ in random.below(3) == 0 }
            var right = 0.0
            var pairs = 0.0
            for i in 0..<count where labels[i] {
                for j in 0..<count where !labels[j] {
                    pairs += 1
                    right += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
                }
            }
            let auc = ForecastMetrics.auc(scores: scores, labels: labels)
            if pairs == 0 { #expect(auc == nil) } else { #expect(abs(auc! - right / pairs) < 1e-12) }
        }
    }

    @Test func theAUCsIntervalHoldsItAndRepeatsFromItsSeed() {
        var random = SplitMix64(seed: 3)
        let labels = (0..<300).map { _ in random.below(3) == 0 }
        let scores = labels.map { ($0 ? 0.6 : 0.4) + random.unit() * 0.5 }
        let auc = ForecastMetrics.auc(scores: scores, labels: labels)!
        let interval = ForecastMetrics.aucInterval(scores: scores, labels: labels, seed: 9)!
        #expect(interval.contains(auc))
        #expect(interval.upperBound - interval.lowerBound > 0.01 && interval.upperBound - interval.lowerBound < 0.3)
        #expect(ForecastMetrics.aucInterval(scores: scores, labels: labels, seed: 9) == interval)
        // A perfect ranking stays perfect in every resample.
        #expect(ForecastMetrics.aucInterval(scores: labels.map { $0 ? 1 : 0 }, labels: labels, seed: 9) == 1...1)
        #expect(ForecastMetrics.aucInterval(scores: [1, 2], labels: [true, true], seed: 9) == nil)
    }

    @Test func brierCalibrationAndTopPrecisionByHand() {
        #expect(ForecastMetrics.brier(probabilities: [0.9, 0.2, 0.5], labels: [true, false, true]) == (0.01 + 0.04 + 0.25) / 3)
        let bins = ForecastMetrics.calibration(probabilities: [0.05, 0.07, 0.55, 0.95, 1.0], labels: [false, true, true, true, false])
        #expect(bins.map(\.count) == [2, 1, 2])
        #expect(bins.map(\.observedRate) == [0.5, 1, 0.5])
        #expect(abs(bins[0].meanPredicted - 0.06) < 1e-12)
        // Top 2 predicted: b (9), then a and c tie at 5: a by id. Top 2 actual: c, then b. One in common.
        let precision = ForecastMetrics.topPrecision(
            ids: ["a", "b", "c", "d"], predicted: [5, 9, 5, 1], actual: [.zero, Harm(days: 10), Harm(days: 365), .zero], size: 2)
        #expect(precision == 0.5)
        // Fewer who offended than the list is long: the actual top holds only them.
        #expect(ForecastMetrics.topPrecision(ids: ["a", "b"], predicted: [1, 2], actual: [.zero, Harm(days: 1)], size: 2) == 0.5)
    }

    /// A model no better than last year's harm is told so in words, and one better on one measure only says which.
    @Test func theVerdictSaysPlainlyWhenTheModelIsNoBetter() {
        var random = SplitMix64(seed: 5)
        let cutoff = Self.cutoff
        let rows = (0..<400).map { index -> ForecastRow in
            let harm = random.below(4) == 0 ? Harm(days: Int64(1 + random.below(400))) : .zero
            return ForecastRow(
                suspect: "S\(index)", cutoff: cutoff, features: [], outcome: ForecastOutcome(offences: harm > .zero ? 1 : 0, harm: harm, serious: harm >= Harm(days: 365)),
                borough: index % 2 == 0 ? "Camden" : "Hackney")
        }
        let calibration = ScoreCalibration(scores: [0, 1], labels: [false, true])
        // The baseline knows the outcome; the model guesses.
        let knowing = rows.map { ForecastPrediction(baselineScore: $0.outcome.harm.days, calibration: calibration) }
        let guessing = rows.map { _ in
            let p = random.unit()
            return ForecastPrediction(anyScore: p, anyProbability: p, seriousScore: p, harmScore: p)
        }
        let worse = ForecastEvaluation(rows: rows, predictions: ["trees": guessing, ForecastEvaluation.lastYearHarm: knowing], trained: "trees")
        #expect(worse.verdict.hasPrefix("trees does NOT beat last year's harm"), "\(worse.verdict)")
        #expect(worse.verdict.contains("adds nothing"))
        let better = ForecastEvaluation(rows: rows, predictions: ["trees": knowing, ForecastEvaluation.lastYearHarm: guessing], trained: "trees")
        #expect(better.verdict.hasPrefix("trees beats last year's harm on both"), "\(better.verdict)")
        // Right about who offends again, wrong about who causes the most harm: better on AUC only.
        let split = rows.map { ForecastPrediction(anyScore: $0.outcome.any ? 2 : 1, anyProbability: 0.5, seriousScore: 0, harmScore: $0.outcome.any ? -$0.outcome.harm.days : 0) }
        let partial = ForecastEvaluation(rows: rows, predictions: ["trees": split, ForecastEvaluation.lastYearHarm: guessing], trained: "trees")
        #expect(partial.verdict.hasPrefix("trees beats last year's harm on AUC only"), "\(partial.verdict)")
        #expect(Set(worse.boroughs.keys) == ["Camden", "Hackney"])
    }

    @Test func aBaselinesProbabilityIsTheRateOfItsBand() {
        let scores: [Double] = [0, 0, 0, 0, 10, 10, 20, 30, 40, 50]
        let labels = [false, false, false, true, false, true, true, true, false, true]
        let calibration = ScoreCalibration(scores: scores, labels: labels, bands: 5)
        // Bands of two, equal scores kept together: {0 x4}, {10, 10}, {20, 30}, {40, 50}.
        #expect(calibration.upperScores == [0, 10, 30])
        #expect(calibration.rates == [0.25, 0.5, 1, 0.5])
        #expect(calibration.probability(0) == 0.25)
        #expect(calibration.probability(5) == 0.5)
        #expect(calibration.probability(25) == 1)
        #expect(calibration.probability(1_000) == 0.5)
    }
}
