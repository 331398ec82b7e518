import Foundation
import Testing

@testable import HarmRankCore

/// The generator's domestic abuse careers against the published follow-ups they reproduce (DESIGN.md section 9).
@Suite struct ForecastDataTests {
    /// The first day of the generated history.
    static let start = Fixtures.instant("2020-07-01T00:00:00Z")

    /// Four and a half generated years (to the end of 2024) at a ninth of London's volume, read back as the forecast
    /// reads them: shared by the suites that need a history with careers in it.
    static let histories: ForecastHistories = {
        var options = LondonGenerator.Options(start: start)
        options.days = 1_645
        options.crimes = 450_000
        (options.badShare, options.revisionShare, options.duplicateShare, options.staleShare) = (0, 0, 0, 0)
        let validator = OffenceValidator(harmTable: Fixtures.harmTable, wards: Fixtures.wards, clockMode: .event)
        let records = LondonGenerator(options: options, wards: Fixtures.wards, harmTable: Fixtures.harmTable).lines().compactMap { line in
            try? validator.validate(Array(line.text.utf8), receivedAt: .now).get()
        }
        return ForecastHistories(records: records, harmTable: Fixtures.harmTable, wards: Fixtures.wards)
    }()

    /// Of perpetrators first seen in the second year, the share with no further domestic crime within 731 days
    /// (Thames Valley: 77.6%), and the share of two years' domestic harm caused by the most harmful 3% (90%).
    @Test func careersDesistAndConcentrateHarmAtThePublishedShares() {
        let yearTwo = Self.start + Instant.days(365)
        let yearThree = Self.start + Instant.days(730)
        var followed = 0
        var desisted = 0
        var harms: [Int64] = []
        for (suspect, history) in Self.histories.offences where suspect.hasPrefix("DA") {
            let domestic = history.filter(\.domestic)
            guard let first = domestic.first else { continue }
            if first.occurredAt >= yearTwo, first.occurredAt < yearThree {
                followed += 1
                if !domestic.dropFirst().contains(where: { $0.occurredAt.milliseconds - first.occurredAt.milliseconds <= Instant.days(731) }) {
                    desisted += 1
                }
            }
            let harm = domestic.filter { $0.occurredAt >= yearTwo && $0.occurredAt < yearTwo + Instant.days(731) }
                .reduce(Int64(0)) { $0 + $1.harm.hundredths }
            if harm > 0 { harms.append(harm) }
        }
        harms.sort(by: >)
        // The VAWG 100 of one year: published, about 4 crimes each at London's volume.
        var year: [(suspect: String, harm: Harm, crimes: Int)] = []
        for (suspect, history) in Self.histories.offences {
            let counted = history.filter { $0.vawg && $0.occurredAt >= yearTwo && $0.occurredAt < yearThree }
            if !counted.isEmpty { year.append((suspect, counted.reduce(Harm.zero) { $0 + $1.harm }, counted.count)) }
        }
        year.sort { $0.harm != $1.harm ? $0.harm > $1.harm : $0.suspect.precedesBytewise($1.suspect) }
        let top = year.prefix(100)
        let crimesEach = Double(top.map(\.crimes).reduce(0, +)) / Double(top.count)
        let topShare = Double(harms.prefix(harms.count * 3 / 100).reduce(0, +)) / Double(harms.reduce(0, +))
        let desistance = Double(desisted) / Double(followed)
        print("careers: \(followed) perpetrators followed, \(desisted) desisted (\(desistance)); top 3% of \(harms.count) cause \(topShare) of the harm; the VAWG 100 of a year average \(crimesEach) crimes each")
        #expect(abs(desistance - 0.776) < 0.04, "desistance \(desistance)")
        #expect((0.75...0.95).contains(topShare), "top 3% share \(topShare)")
    }
}
