import Foundation
import PropertyBased
import Testing

@testable import HarmRankCore

/// The models that can rank the `hotspots` list, kept current as records arrive, are withdrawn and age, against
/// their formulas worked out record by record in real numbers.
@Suite struct LiveHotspotsTests {
    /// The `default` model's risk of `cell` in real numbers: near-repeat ProMap reaching `reach` cells, plus
    /// `weight` for each record of the past 365 days in the cell itself.
    static func blendRisk(
        _ records: [(cell: GridCell, occurredAt: Instant)], cell: GridCell, at clock: Instant, reach: Int, weeks: Int,
        weight: Double
    ) -> Double {
        var risk = 0.0
        for record in records where record.occurredAt <= clock {
            let age = clock.milliseconds - record.occurredAt.milliseconds
            let d = record.cell.distance(to: cell)
            let t = Int(age / ProspectiveHotspots.week)
            if d <= reach, t < weeks { risk += 1 / (Double(1 + d) * Double(1 + t)) }
            if d == 0, age < Instant.days(365) { risk += weight }
        }
        return risk
    }

    /// Random records (some ahead of the clock, some a year old) arrive, are withdrawn and replaced while the clock
    /// moves by minutes to months. After every step, for both models: each cell's risk read in one pass, and the
    /// risk kept from the changes whenever they are taken, equal the formula; and the explanation of a cell adds
    /// up to its risk, naming only records that raise it.
    @Test(arguments: LiveHotspots.Model.allCases)
    func incrementalRiskEqualsTheFormula(_ model: LiveHotspots.Model) async {
        await propertyCheck(count: 12, input: Gen.int(in: 0...Int.max), Gen.int(in: 50...400), Gen.int(in: 0...3)) {
            seed, cellSize, weight in
            var random = SplitMix64(seed: UInt64(seed))
            var parameters = HotspotParameters()
            parameters.cellSize = cellSize
            parameters.distanceBandwidth = 4
            parameters.timeBandwidth = 6
            var blend = LiveHotspots.Blend()
            blend.backgroundWeight = Double(weight) / 2
            var clock = Instant(milliseconds: 1_700_000_000_000)
            var hotspots = LiveHotspots(model: model, parameters: parameters, blend: blend, clock: clock)
            let reach = hotspots.reach
            #expect(reach == (model == .promap ? 3 : (400 + cellSize - 1) / cellSize), "reach at \(cellSize) m")
            var held: [String: (cell: GridCell, occurredAt: Instant)] = [:]
            var published: [GridCell: Int64] = [:]
            for step in 0..<80 {
                switch random.next() % 10 {
                case 0...4:
                    let key = "C\(random.next() % 40)"
                    let cell = GridCell(x: Int32(random.next() % 10), y: Int32(random.next() % 10))
                    let occurredAt = clock - Int64(random.next() % UInt64(Instant.days(370))) + Instant.days(3)
                    hotspots.insert(key, cell: cell, occurredAt: occurredAt)
                    held[key] = (cell, occurredAt)
                case 5:
                    let key = "C\(random.next() % 40)"
                    hotspots.remove(key)
                    held[key] = nil
                case 6: clock = clock + Int64(random.next() % 3_600_000)
                case 7: clock = clock + ProspectiveHotspots.week - 1 + Int64(random.next() % 3)
                default: clock = clock + Int64(random.next() % UInt64(Instant.days(30)))
                }
                hotspots.advance(to: clock)
                let reads = random.next() % 3 == 0 || step == 79
                if reads {
                    for (cell, risk) in hotspots.takeChangedRisks() { published[cell] = risk }
                    #expect(!hotspots.hasChangedRisks, "step \(step): nothing left to take")
                }
                let records = held.map { (key: $0.key, cell: $0.value.cell, occurredAt: $0.value.occurredAt) }
                let everyRisk = hotspots.risks()
                let denominator = Double(hotspots.denominator)
                for x in Int32(-reach)...Int32(9 + reach) {
                    for y in Int32(-reach)...Int32(9 + reach) {
                        let cell = GridCell(x: x, y: y)
                        let expected = Self.blendRisk(
                            Array(held.values), cell: cell, at: clock, reach: model == .promap ? 3 : reach, weeks: 6,
                            weight: model == .promap ? 0 : blend.backgroundWeight)
                        let risk = everyRisk[cell] ?? 0
                        #expect(abs(Double(risk) / denominator - expected) < 1e-9, "step \(step), cell \(cell) in risks()")
                        #expect(!reads || published[cell] ?? 0 == risk, "step \(step), cell \(cell) from the changes")
                        let explained = hotspots.explain(cell, records: records)
                        #expect(explained.total == risk, "step \(step), cell \(cell) explained")
                        #expect(explained.contributions.allSatisfy { $0.nearRepeat + $0.background > 0 })
                        #expect(model == .blend || explained.background == 0)
                    }
                }
            }
        }
    }

    /// The explanation of a worked case: two crimes in the cell (this week, and five weeks ago), one next door this
    /// week, one in the cell 300 days ago; the default model at 250 m reaches two cells and weighs a background
    /// crime as one crime in the cell this week.
    @Test func explanationOfAWorkedCase() {
        let clock = Instant(milliseconds: 1_700_000_000_000)
        var hotspots = LiveHotspots(model: .blend, parameters: HotspotParameters(), clock: clock)
        let cell = GridCell(x: 2121, y: 723)
        let next = GridCell(x: 2122, y: 723)
        let records = [
            (key: "A", cell: cell, occurredAt: clock - Instant.days(2)),
            (key: "B", cell: cell, occurredAt: clock - Instant.days(36)),
            (key: "C", cell: next, occurredAt: clock - Instant.days(1)),
            (key: "D", cell: cell, occurredAt: clock - Instant.days(300)),
            (key: "E", cell: cell, occurredAt: clock - Instant.days(400)),
        ]
        for record in records { hotspots.insert(record.key, cell: record.cell, occurredAt: record.occurredAt) }
        let explained = hotspots.explain(cell, records: records)
        let parts = explained.contributions.map {
            ($0.key, Double($0.nearRepeat) / Double(explained.denominator), Double($0.background) / Double(explained.denominator))
        }
        // A: 1 + 1; B: 1/6 + 1; D: background only; C: next door, 1/2; E: over a year old, nothing.
        #expect(parts.map(\.0) == ["A", "B", "D", "C"])
        #expect(parts.map(\.1) == [1, 1.0 / 6, 0, 0.5])
        #expect(parts.map(\.2) == [1, 1, 1, 0])
        let risk = Double(explained.total) / Double(explained.denominator)
        let worked: Double = 1 + 1.0 / 6 + 0.5 + 3
        #expect(abs(risk - worked) < 1e-12)
        #expect(hotspots.risks()[cell] == explained.total)
    }
}
