import Foundation
import PropertyBased
import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct HotspotTests {
    // MARK: Projection

    /// The Ordnance Survey's worked example of the grid projection (OSGB36 latitude and longitude to grid).
    @Test func projectionMatchesTheOrdnanceSurveyWorkedExample() {
        let point = BritishNationalGrid.projectOSGB36(
            latitude: 52 + 39 / 60.0 + 27.2531 / 3600, longitude: 1 + 43 / 60.0 + 4.5177 / 3600)
        #expect(abs(point.easting - 651_409.903) < 0.001)
        #expect(abs(point.northing - 313_177.270) < 0.001)
    }

    /// WGS84 to EPSG:27700 across London and its 5 km margin, as PROJ 9.1.1's `cs2cs EPSG:4326 EPSG:27700`
    /// gives it without the OSTN15 grid (the same EPSG:1314 Helmert transformation).
    @Test(arguments: [
        (51.5074, -0.1278, 530_028.7469, 180_380.0943),
        (51.2868, -0.5103, 503_982.9516, 155_238.3723),
        (51.6919, 0.3340, 561_419.1926, 201_816.9799),
        (51.4700, -0.4543, 507_458.5634, 175_691.9147),
        (51.5550, 0.0300, 540_832.3253, 185_965.2181),
        (51.3000, 0.3000, 560_438.9872, 158_164.5017),
        (51.7000, -0.5100, 503_068.7213, 201_189.9658),
        (51.5007, -0.1246, 530_269.9024, 179_640.7174),
    ])
    func projectionMatchesPROJ(latitude: Double, longitude: Double, easting: Double, northing: Double) {
        let point = BritishNationalGrid.project(latitude: latitude, longitude: longitude)
        #expect(abs(point.easting - easting) < 0.01, "easting \(point.easting), PROJ \(easting)")
        #expect(abs(point.northing - northing) < 0.01, "northing \(point.northing), PROJ \(northing)")
    }

    @Test func cellsSitOnMultiplesOfTheCellSizeAndNameThemselves() {
        let grid = HotspotParameters()
        let cell = grid.cell(of: GridPoint(easting: 530_028.7, northing: 180_380.1))
        #expect(cell == GridCell(x: 2120, y: 721))
        #expect(grid.id(of: cell) == "E530000N180250")
        #expect(grid.cell(id: "E530000N180250") == cell)
        #expect(grid.cell(id: "E530001N180250") == nil)
        #expect(grid.cell(id: "530000N180250") == nil)
    }

    /// A located burglary links to its cell; moving it retracts the old cell's link and adds the new one;
    /// reclassifying it out of the counting subgroups retracts it.
    @Test func revisionsMoveCrimesBetweenCells() throws {
        var burglary = OffenceRecord(
            crimeRef: "B1", version: 1, status: .recorded, offenceCode: "28E", occurredAt: Fixtures.received,
            location: .init(latitude: 51.5074, longitude: -0.1278))
        guard case .accepted(let first) = Fixtures.revision.apply(burglary, over: nil) else { throw Failure() }
        let cell = EntityRef(.cell, "E530000N180250")
        #expect(first.map(\.entity) == [cell])
        guard case .add(_, let link) = first[0] else { throw Failure() }
        #expect(link.lists == ListSet([.hotspots]))

        var moved = burglary
        moved.version = 2
        moved.location = .init(latitude: 51.5007, longitude: -0.1246)
        guard case .accepted(let second) = Fixtures.revision.apply(moved, over: burglary) else { throw Failure() }
        #expect(second == [
            .add(EntityRef(.cell, "E530250N179500"), CrimeLink(
                crimeRef: "B1", version: 2, offenceCode: "28E", harm: link.harm, lists: ListSet([.hotspots]), occurredAt: Fixtures.received)),
            .retract(cell, crimeRef: "B1", version: 2),
        ])

        burglary = moved
        moved.version = 3
        moved.offenceCode = "49"
        guard case .accepted(let third) = Fixtures.revision.apply(moved, over: burglary) else { throw Failure() }
        #expect(third == [.retract(EntityRef(.cell, "E530250N179500"), crimeRef: "B1", version: 3)])
    }

    struct Failure: Error {}

    // MARK: Risk

    /// The contract's formula over every record, in exact integers over the model's denominator.
    static func bruteForceRisk(
        _ records: [(cell: GridCell, occurredAt: Instant)], cell: GridCell, at clock: Instant, _ parameters: HotspotParameters
    ) -> Int64 {
        let distanceScale = leastCommonMultiple(upTo: parameters.distanceBandwidth)
        let timeScale = leastCommonMultiple(upTo: parameters.timeBandwidth)
        var total: Int64 = 0
        for record in records where record.occurredAt <= clock {
            let d = record.cell.distance(to: cell)
            let t = (clock.milliseconds - record.occurredAt.milliseconds) / ProspectiveHotspots.week
            guard d < parameters.distanceBandwidth, t < parameters.timeBandwidth else { continue }
            total += distanceScale / Int64(1 + d) * (timeScale / (1 + t))
        }
        return total
    }

    /// Random records arrive (some ahead of the clock, some late), are withdrawn and replaced while the clock
    /// moves in steps of minutes to months; after every step each cell's risk read in one pass equals the formula,
    /// exactly and as a number, and so does the risk kept from the changes reported whenever they are taken (after
    /// one step or after several, as RankService takes them when a list is read).
    @Test func incrementalRiskEqualsTheFormula() async {
        await propertyCheck(count: 15, input: Gen.int(in: 0...Int.max), Gen.int(in: 1...10), Gen.int(in: 1...12)) {
            seed, distance, weeks in
            var random = SplitMix64(seed: UInt64(seed))
            var parameters = HotspotParameters()
            parameters.distanceBandwidth = distance
            parameters.timeBandwidth = weeks
            var clock = Instant(milliseconds: 1_700_000_000_000)
            var model = ProspectiveHotspots(parameters: parameters, clock: clock)
            var held: [String: (cell: GridCell, occurredAt: Instant)] = [:]
            var published: [GridCell: Int64] = [:]
            for step in 0..<100 {
                switch random.next() % 10 {
                case 0...4:
                    let key = "C\(random.next() % 40)"
                    let cell = GridCell(x: Int32(random.next() % 16), y: Int32(random.next() % 16))
                    let occurredAt = clock - Int64(random.next() % UInt64(Instant.days(80))) + Instant.days(3)
                    model.insert(key, cell: cell, occurredAt: occurredAt)
                    held[key] = (cell, occurredAt)
                case 5:
                    let key = "C\(random.next() % 40)"
                    model.remove(key)
                    held[key] = nil
                case 6: clock = clock + Int64(random.next() % 3_600_000)
                case 7: clock = clock + ProspectiveHotspots.week - 1 + Int64(random.next() % 3)
                default: clock = clock + Int64(random.next() % UInt64(Instant.days(30)))
                }
                model.advance(to: clock)
                // What a ranking fed by the changes holds, when it reads them.
                let reads = random.next() % 3 == 0 || step == 99
                if reads {
                    for (cell, risk) in model.takeChangedRisks() { published[cell] = risk }
                    #expect(!model.hasChangedRisks, "step \(step): nothing left to take")
                }
                let records = Array(held.values)
                let everyRisk = model.risks()
                for x in Int32(-2)...Int32(17) {
                    for y in Int32(-2)...Int32(17) {
                        let cell = GridCell(x: x, y: y)
                        let expected = Self.bruteForceRisk(records, cell: cell, at: clock, parameters)
                        #expect(everyRisk[cell] ?? 0 == expected, "step \(step), cell \(cell) in risks()")
                        #expect(!reads || published[cell] ?? 0 == expected, "step \(step), cell \(cell) from the changes")
                        #expect(
                            reads || model.hasChangedRisks || published[cell] ?? 0 == expected,
                            "step \(step), cell \(cell): a risk moved without a change to take")
                    }
                }
            }
            // The integers are the formula in real numbers.
            let records = Array(held.values)
            for (cell, risk) in model.risks() {
                var real = 0.0
                for record in records where record.occurredAt <= clock {
                    let d = Double(record.cell.distance(to: cell))
                    let t = Double((clock.milliseconds - record.occurredAt.milliseconds) / ProspectiveHotspots.week)
                    if d < Double(distance), t < Double(weeks) { real += 1 / ((1 + d) * (1 + t)) }
                }
                #expect(abs(Double(risk) / Double(model.denominator) - real) < 1e-9)
            }
        }
    }

    // MARK: Evaluation

    /// A hand-built case: five active cells in a row and five months of monthly records, the last three tested,
    /// worked out on paper.
    @Test func evaluationMetricsOnAHandBuiltCase() throws {
        var parameters = HotspotParameters()
        parameters.cellSize = 100
        parameters.distanceBandwidth = 1
        var options = HotspotEvaluation.Options()
        options.parameters = parameters
        options.coverages = [0.2, 0.4]
        options.blend.backgroundWeight = 0
        options.blend.nearRepeatMetres = 0
        func month(_ m: Int64) -> Instant { Instant(milliseconds: Instant.days(fromCivil: 2024, m, 1) * Instant.millisecondsPerDay) }
        func at(_ column: Int, _ m: Int64, _ n: Int) -> HotspotEvaluation.Record {
            HotspotEvaluation.Record(key: "\(column)-\(m)-\(n)", point: GridPoint(easting: Double(column * 100 + 50), northing: 50), occurredAt: month(m))
        }
        // Every month's records are the test records of its period and training for the later ones. Column 4
        // is busy in January (the baseline's favourite); ProMap sees one month back (t = 4 weeks; two months
        // back is t = 8, outside W = 8).
        let records = [
            at(4, 1, 0), at(4, 1, 1), at(4, 1, 2), at(0, 1, 0), at(2, 1, 0),
            at(1, 2, 0), at(3, 2, 0),
            at(1, 3, 0), at(1, 3, 1), at(4, 3, 0),
            at(1, 4, 0), at(0, 4, 0),
            at(4, 5, 0), at(1, 5, 0), at(1, 5, 1), at(3, 5, 0),
        ]
        let result = try HotspotEvaluation(options: options).run(records)
        #expect(result.monthly)
        #expect(result.activeCells == 5)
        #expect(result.periods.map(\.start) == [month(3), month(4), month(5)])
        #expect(result.periods.map(\.testRecords) == [3, 2, 4])
        let promap = result.averages[.promap]!
        let baseline = result.averages[.baseline]!
        // One cell flagged at 20% of five, two at 40%.
        #expect(promap.map(\.flaggedCells) == [1, 2])
        // ProMap ranks March: 1 = 3 (tie, by column), April: 1 > 4, May: 0 = 1 (tie, by column).
        let promapExpected = [(2.0 / 3 + 1.0 / 2 + 0) / 3, (2.0 / 3 + 1.0 / 2 + 2.0 / 4) / 3]
        // The baseline's 12-month counts rank March: 4 > 0 = 1 = 2 = 3, April: 4 > 1, May: 1 = 4 (by column).
        let baselineExpected = [(1.0 / 3 + 0 + 2.0 / 4) / 3, (1.0 / 3 + 1.0 / 2 + 3.0 / 4) / 3]
        for index in 0..<2 {
            #expect(abs(promap[index].hitRate - promapExpected[index]) < 1e-12)
            #expect(abs(baseline[index].hitRate - baselineExpected[index]) < 1e-12)
            #expect(abs(promap[index].pai - promapExpected[index] / options.coverages[index]) < 1e-12)
            #expect(abs(baseline[index].pai - baselineExpected[index] / options.coverages[index]) < 1e-12)
        }
        // With no background weight and no near-repeat reach beyond the grid's, the default model is ProMap.
        #expect(result.averages[.blend]! == promap)
    }

    @Test func evaluationNamesTheProblemWhenThereIsTooLittleData() {
        let only = HotspotEvaluation.Record(key: "a", point: GridPoint(easting: 0, northing: 0), occurredAt: Instant(milliseconds: 0))
        #expect(throws: HotspotEvaluation.Problem.self) { try HotspotEvaluation(options: .init()).run([only]) }
    }

    // MARK: police.uk

    /// Rows from the police.uk sample (Met, January 2023), and edited copies of them for the other cases.
    static let policeUK = """
        Crime ID,Month,Reported by,Falls within,Longitude,Latitude,Location,LSOA code,LSOA name,Crime type,Last outcome category,Context
        0bb0615c55fbac1f4daf0fb9ef4fa9620be661557e7de6334c6cc707cfaa1f6c,2023-01,Metropolitan Police Service,Metropolitan Police Service,0.131508,51.581822,On or near ,E01000029,Barking and Dagenham 001C,Burglary,Under investigation,
        ,2023-01,Metropolitan Police Service,Metropolitan Police Service,0.140127,51.588913,On or near Beansland Grove,E01000027,Barking and Dagenham 001A,Anti-social behaviour,,
        8536e93fb3ce916daa4251bd53c1a4416ba4159a938340be4a7c40cd4873bfcf,2023-01,Metropolitan Police Service,Metropolitan Police Service,-0.681541,50.792113,On or near Fletcher Way,E01031444,Arun 016B,Violence and sexual offences,Under investigation,
        42a0e3df3a6d8708213f59b74fd444374f06fee2981921cd823f07e46ae54cd6,2023-01,Metropolitan Police Service,Metropolitan Police Service,,,No location,E01000027,Barking and Dagenham 001A,Robbery,Under investigation,
        42a0e3df3a6d8708213f59b74fd444374f06fee2981921cd823f07e46ae54cd7,2023-13,Metropolitan Police Service,Metropolitan Police Service,0.133326,51.586744,On or near Tantony Grove,E01000027,Barking and Dagenham 001A,Robbery,Under investigation,
        42a0e3df3a6d8708213f59b74fd444374f06fee2981921cd823f07e46ae54cd8,2023-01,Metropolitan Police Service,Metropolitan Police Service,0.133326,51.586744,On or near Tantony Grove,E01000027,Barking and Dagenham 001A,Piracy,Under investigation,
        ,2023-01,Metropolitan Police Service,Metropolitan Police Service,0.133326,51.586744,On or near Tantony Grove,E01000027,Barking and Dagenham 001A,Robbery,Under investigation,

        """

    @Test func policeUKRowsBecomePlaceOnlyRecordsIngestServiceAccepts() throws {
        let importer = try Self.importer()
        var counts = PoliceUKImport.Counts()
        let records = try importer.records(csv: Self.policeUK, file: "sample.csv", counts: &counts)
        var expected = PoliceUKImport.Counts()
        (expected.rows, expected.imported, expected.importedWithoutPoint) = (7, 2, 1)
        (expected.placedByPoint, expected.placedByLSOA) = (1, 1)
        (expected.antisocialBehaviour, expected.outsideRegistry, expected.badMonth, expected.withoutCrimeID) = (1, 1, 1, 1)
        expected.unknownType = ["Piracy": 1]
        expected.examples = [
            "outside the registry": ["8536e93fb3ce (LSOA E01031444, -0.681541 50.792113)"],
            "month not YYYY-MM": ["42a0e3df3a6d (LSOA E01000027, 0.133326 51.586744)"],
            "no crime id": ["(no id) (LSOA E01000027, 0.133326 51.586744)"],
        ]
        #expect(counts == expected)
        #expect(counts.skipped == 5)

        let validator = Fixtures.validator(.event)
        let burglary = try validator.validate(Array(records[0].utf8), receivedAt: Fixtures.received).get()
        #expect(burglary.crimeRef == "puk:" + "0bb0615c55fbac1f4daf0fb9ef4fa9620be661557e7de6334c6cc707cfaa1f6c".prefix(60))
        #expect(burglary.offenceCode == "28E")
        #expect(burglary.occurredAt == Fixtures.instant("2023-01-01T00:00:00Z"))
        #expect(burglary.wardCode == "E05014058")
        #expect(burglary.location == OffenceRecord.Location(latitude: 51.581822, longitude: 0.131508))
        #expect(burglary.suspects.isEmpty && burglary.victims.isEmpty)
        let robbery = try validator.validate(Array(records[1].utf8), receivedAt: Fixtures.received).get()
        #expect(robbery.offenceCode == "34B")
        #expect(robbery.location == nil)
        #expect(robbery.wardCode == "E05014058")
        // Each type carries its most common offence's code.
        #expect(importer.codes["Violence and sexual offences"] == "105A" && importer.codes["Drugs"] == "92E")
        #expect(Set(importer.codes.keys) == Set(PoliceUKImport.crimeTypes.keys))
    }

    static func importer() throws -> PoliceUKImport {
        try PoliceUKImport(
            harmTable: Fixtures.harmTable, wards: Fixtures.wards, lsoas: try LSOALookup.shipped(wards: Fixtures.wards),
            boundaries: try WardBoundaries.shipped())
    }

    /// The sample the project ships (a month of the Met's street-level file, `../shared/data`): every row with a
    /// point inside a ward's boundary is imported, whatever its LSOA code says. Inside is judged here on its own:
    /// the winding number of the point around each ring, over every ward, with no box or tolerance.
    @Test func everySampleRowWithAPointInsideAWardIsImported() throws {
        let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/data/policeuk-met-2023-01-sample.csv")
        let csv = try String(contentsOf: sample, encoding: .utf8)
        var counts = PoliceUKImport.Counts()
        let records = try Self.importer().records(csv: csv, file: sample.path, counts: &counts)
        let imported = Set(records.compactMap { record in
            (try? JSONValue.parse(Array(record.utf8)))?["crimeRef"].flatMap { if case .string(let ref) = $0 { ref } else { nil } }
        })
        let boundaries = try WardBoundaries.shipped()
        func inside(_ latitude: Double, _ longitude: Double) -> Bool {
            let grid = BritishNationalGrid.project(latitude: latitude, longitude: longitude)
            return boundaries.outlines.values.contains { outline in
                outline.contains { polygon in
                    polygon.map { ring in
                        zip(ring, ring.dropFirst() + ring.prefix(1)).reduce(0) { winding, edge in
                            let (a, b) = edge
                            let side = (b[0] - a[0]) * (grid.northing - a[1]) - (grid.easting - a[0]) * (b[1] - a[1])
                            if a[1] <= grid.northing { return b[1] > grid.northing && side > 0 ? winding + 1 : winding }
                            return b[1] <= grid.northing && side < 0 ? winding - 1 : winding
                        }
                    }.reduce(0) { $0 + ($1 != 0 ? 1 : 0) } % 2 == 1
                }
            }
        }
        var insideRows = 0
        let rows = CSVReader(csv).makeIterator()
        let columns = try CSVColumns(header: rows.next(), file: "sample", required: PoliceUKImport.header)
        while let row = rows.next() {
            let id = try columns.value("Crime ID", in: row)
            guard !id.isEmpty, try columns.value("Crime type", in: row) != PoliceUKImport.antisocialBehaviour,
                let latitude = Double(try columns.value("Latitude", in: row)),
                let longitude = Double(try columns.value("Longitude", in: row)), inside(latitude, longitude)
            else { continue }
            insideRows += 1
            #expect(imported.contains("puk:" + id.prefix(60)), "\(id) at \(longitude) \(latitude) lies in a ward")
        }
        #expect(insideRows > 2_500 && counts.placedByPoint >= insideRows, "\(insideRows) rows inside, \(counts)")
    }

    @Test func monthStartsCrossYears() {
        let instant = Instant(milliseconds: Instant.days(fromCivil: 2024, 1, 15) * Instant.millisecondsPerDay + 5_000)
        #expect(instant.monthStart().rfc3339 == "2024-01-01T00:00:00.000Z")
        #expect(instant.monthStart(adding: -1).rfc3339 == "2023-12-01T00:00:00.000Z")
        #expect(instant.monthStart(adding: -13).rfc3339 == "2022-12-01T00:00:00.000Z")
        #expect(instant.monthStart(adding: 12).rfc3339 == "2025-01-01T00:00:00.000Z")
    }
}
