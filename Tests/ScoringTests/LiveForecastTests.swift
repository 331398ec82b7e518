import Foundation
import PropertyBased
import Testing

@testable import HarmRankCore
@testable import HarmRankForecast

/// The served forecast kept current against predicting every suspect from scratch, and the same features whether they
/// come from history files (training) or from the scores RankService holds (service).
@Suite struct LiveForecastTests {
    /// A stand-in for the trees in the property test: a function of many features, so that any feature left stale
    /// moves a score.
    struct WeightedFeatures: ForecastPredictor {
        func expectedHarm(_ features: [[Double]]) throws -> [Double] {
            features.map { row in
                row.enumerated().reduce(0.0) { sum, item in sum + item.element * Double(item.offset % 7 + 1) * (item.offset % 2 == 0 ? 1 : -0.5) }
            }
        }
    }

    static let codes = ["8N", "105A", "8U", "19C", "20A", "34B", "58A"]

    /// A complete score of suspect `id` at `clock` holding `offences` (code, occurredAt, domestic).
    static func score(_ id: String, clock: Instant, offences: [(code: String, at: Instant, domestic: Bool)], victims: Int, sequence: Int64) -> EntityScore {
        let counted = offences.enumerated().map { index, offence in
            let row = Fixtures.harmTable[offence.code]!
            return EntityScore.Offence(
                crimeRef: "\(id)-\(index)/24", version: 1, offenceCode: offence.code, harm: row.harm.hundredths, occurredAt: offence.at,
                expiresAt: offence.at + Instant.days(365), lists: ListSet.counting(row, flags: offence.domestic ? .domestic : [], for: .suspect))
        }.filter { !$0.lists.isEmpty }
        let vawg = counted.filter { $0.lists.contains(.vawg100) && $0.occurredAt <= clock && clock.milliseconds - $0.occurredAt.milliseconds < Instant.days(365) }
        let standings = [
            EntityScore.Standing(list: .vawg100, score: vawg.reduce(0) { $0 + $1.harm }, offences: vawg.count, lastOffenceAt: vawg.map(\.occurredAt).max(), components: nil),
            EntityScore.Standing(
                list: .dauntless, score: 0, offences: 0, lastOffenceAt: nil,
                components: DauntlessComponents(harm: .zero, frequency: 0, gravity: .zero, recencyDays: 0, victims: victims, rfg: 0)),
        ]
        return EntityScore(kind: .suspect, id: id, sequence: sequence, clock: clock, standings: standings, offences: counted.sorted(by: EntityScore.Offence.latestFirst))
    }

    @Test func theListEqualsEverySuspectPredictedFromScratch() async {
        await propertyCheck(count: 40, input: Gen.int(in: 0...1_000_000)) { seed in
            var random = SplitMix64(seed: UInt64(seed))
            var clock = Fixtures.instant("2024-06-01T00:00:00Z")
            var forecast = LiveForecast(harmTable: Fixtures.harmTable)
            var held: [String: EntityScore] = [:]
            for step in 0..<60 {
                switch random.below(10) {
                case 0..<5:
                    let id = "S\(random.below(8))"
                    let offences = (0..<random.below(5)).map { _ in
                        (code: Self.codes[random.below(Self.codes.count)],
                         at: clock - Int64(random.below(400 * 24)) * 3_600_000 + Int64(random.below(3 * 24)) * 3_600_000,
                         domestic: random.below(2) == 0)
                    }
                    let score = Self.score(id, clock: clock, offences: offences, victims: random.below(4), sequence: Int64(step))
                    held[id] = score
                    forecast.update(id, score: score)
                case 5:
                    let id = "S\(random.below(8))"
                    held[id] = nil
                    forecast.update(id, score: nil)
                default:
                    clock = clock + Int64(random.below(40 * 24 * 60)) * 60_000
                }
                forecast.advance(to: clock)
                try forecast.refresh(with: WeightedFeatures())

                var expected: [(String, Harm)] = []
                for (id, score) in held where (score.standing(in: .vawg100)?.score ?? 0) > 0 {
                    let window = LiveForecast.window(score.offences.map { LiveForecast.offence($0, harmTable: Fixtures.harmTable) }, at: clock)
                    let features = ForecastFeatures.values(window: window, domesticVictims: score.standing(in: .dauntless)?.components?.victims ?? 0, at: clock)
                    let harm = Harm(hundredths: Int64((max(0, try WeightedFeatures().expectedHarm([features])[0]) * 100).rounded(.down)))
                    if harm > .zero { expected.append((id, harm)) }
                }
                expected.sort { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0.precedesBytewise($1.0) }
                let listed = forecast.list.entries(limit: 100).map { ($0.id, $0.score) }
                #expect(listed.map(\.0) == expected.map(\.0), "seed \(seed) step \(step)")
                #expect(listed.map(\.1) == expected.map(\.1), "seed \(seed) step \(step)")
                #expect(!forecast.hasChanges)
            }
        }
    }

    /// A suspect's features from the history files at a cut-off equal those RankService computes from the suspect's
    /// score at that clock: what the model learnt from is what it is served.
    @Test func trainingAndServiceComputeTheSameFeatures() throws {
        let histories = ForecastDataTests.histories
        let cutoff = Fixtures.instant("2024-01-01T00:00:00Z")
        let population = histories.population(at: cutoff)
        #expect(population.count > 1_000)
        for id in population.prefix(400) {
            let window = histories.offences[id]!.filter { ForecastFeatures.isKnown($0, at: cutoff) }
            let counted = window.map { offence in
                EntityScore.Offence(
                    crimeRef: offence.crimeRef, version: 1, offenceCode: Self.code(of: offence), harm: offence.harm.hundredths,
                    occurredAt: offence.occurredAt, expiresAt: offence.occurredAt + Instant.days(365),
                    lists: ListSet((offence.vawg ? [.vawg100] : []) + (offence.violence ? [.violenceHarm] : []) + (offence.domestic ? [.dauntless] : [])))
            }
            let victims = Set(window.filter(\.domestic).flatMap(\.victims)).count
            let vawgHarm = window.filter(\.vawg).reduce(Int64(0)) { $0 + $1.harm.hundredths }
            let score = EntityScore(
                kind: .suspect, id: id, sequence: 1, clock: cutoff,
                standings: [
                    .init(list: .vawg100, score: vawgHarm, offences: 0, lastOffenceAt: nil, components: nil),
                    .init(list: .dauntless, score: 0, offences: 0, lastOffenceAt: nil,
                          components: DauntlessComponents(harm: .zero, frequency: 0, gravity: .zero, recencyDays: 0, victims: victims, rfg: 0)),
                ],
                offences: counted)
            var forecast = LiveForecast(harmTable: Fixtures.harmTable)
            forecast.update(id, score: score)
            #expect(forecast.features(of: id, at: cutoff) == ForecastFeatures.values(of: histories.offences[id]!, at: cutoff), "\(id)")
        }
    }

    /// The trained trees serve the list: the top of the list is the suspects the model predicts most harm from.
    @Test func theTrainedModelServesTheList() throws {
        let model = ForecastModelTests.model
        let cutoff = ForecastModelTests.testCutoff
        let rows = ForecastModelTests.testRows.prefix(300)
        var forecast = LiveForecast(harmTable: Fixtures.harmTable)
        for row in rows {
            let history = ForecastDataTests.histories.offences[row.suspect]!
            let score = Self.score(
                row.suspect, clock: cutoff,
                offences: history.filter { ForecastFeatures.isKnown($0, at: cutoff) }.map { (Self.code(of: $0), $0.occurredAt, $0.domestic) },
                victims: Set(history.filter { $0.domestic && ForecastFeatures.isKnown($0, at: cutoff) }.flatMap(\.victims)).count, sequence: 1)
            forecast.update(row.suspect, score: score)
        }
        forecast.advance(to: cutoff)
        try forecast.refresh(with: model)
        let top = forecast.list.entries(limit: 10)
        #expect(top.count == 10)
        for entry in top {
            let predicted = try model.expectedHarm([forecast.features(of: entry.id, at: cutoff)!])[0]
            #expect(entry.score == Harm(hundredths: Int64((predicted * 100).rounded(.down))))
        }
    }

    /// An offence code whose harm table row has the offence's subgroup and harm, for rebuilding a score.
    static func code(of offence: SuspectOffence) -> String {
        Fixtures.harmTable.offences.first { $0.subgroup == offence.subgroup && $0.harm == offence.harm }!.code
    }
}
