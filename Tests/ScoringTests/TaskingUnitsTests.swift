import Testing

@testable import HarmRankCore

@Suite struct TaskingUnitsTests {
    let wards = Fixtures.wards

    func ward(in borough: String) -> String { wards.wards.first { $0.borough == borough }!.code }

    @Test func theShippedMetUnitsCoverEveryBoroughOnce() throws {
        let units = try TaskingUnits.metropolitanCommandUnits(wards: wards)
        #expect(units.units.count == 12)
        let covered = units.units.flatMap { Array($0.boroughs ?? []) }
        #expect(covered.count == Set(covered).count)
        #expect(Set(covered) == Set(wards.wards.map(\.borough)))
        #expect(units.route(wards: [ward(in: "Islington")]) == ["central-north"])
        #expect(units.route(wards: [ward(in: "Sutton"), ward(in: "Westminster"), ward(in: "Croydon")]) == ["central-west", "south"])
    }

    @Test func anAlertNoUnitCoversIsUnassigned() throws {
        let units = try TaskingUnits(
            csv: "unit,name,boroughs,webhook\nnorth,North,Enfield;Haringey,https://north.example/alerts\n", file: "units.csv",
            wards: wards)
        #expect(units.route(wards: [ward(in: "Camden")]) == ["unassigned"])
        #expect(units.route(wards: []) == ["unassigned"])
        #expect(units.route(wards: ["not-a-ward"]) == ["unassigned"])
        #expect(units.route(wards: [ward(in: "Enfield")]) == ["north"])
        #expect(units.webhooks(of: ["north", "unassigned"]) == ["https://north.example/alerts"])
        #expect(units.ids == ["north", "unassigned"])
    }

    @Test func withoutAFileOneUnitCoversEverything() {
        let units = TaskingUnits(coveringAll: wards)
        #expect(units.route(wards: [ward(in: "Bexley")]) == ["all"])
        // An alert whose offences have no ward known touches no borough.
        #expect(units.route(wards: []) == ["unassigned"])
    }

    @Test func aStarCoversEveryBoroughAndUnitsMayOverlap() throws {
        let units = try TaskingUnits(
            csv: "unit,name,boroughs,webhook\nforce,Force control room,*,\nnorth,North,Enfield,\n", file: "units.csv", wards: wards)
        #expect(units.route(wards: [ward(in: "Enfield")]) == ["force", "north"])
        #expect(units.route(wards: [ward(in: "Brent")]) == ["force"])
    }

    @Test(arguments: [
        ("unit,name,boroughs\n", "units.csv, line 1: the header lacks webhook; expected unit,name,boroughs,webhook"),
        ("unit,name,boroughs,webhook\n", "units.csv: the file names no units"),
        ("unit,name,boroughs,webhook\nCentral West,CW,Westminster,\n",
         "units.csv, line 2: unit 'Central West' must be lower-case letters, digits and '-', for example central-west"),
        ("unit,name,boroughs,webhook\nunassigned,None,Westminster,\n",
         "units.csv, line 2: unit 'unassigned' is reserved for alerts no unit covers"),
        ("unit,name,boroughs,webhook\ncw,CW,Westminster,\ncw,CW again,Camden,\n", "units.csv, line 3: unit 'cw' appears twice"),
        ("unit,name,boroughs,webhook\ncw,CW,westminster,\n",
         "units.csv, line 2: unit 'cw': borough 'westminster' is not in the ward registry; did you mean 'Westminster'?"),
        ("unit,name,boroughs,webhook\ncw,CW,Gotham,\n",
         "units.csv, line 2: unit 'cw': borough 'Gotham' is not in the ward registry; use the registry's borough_name"),
        ("unit,name,boroughs,webhook\ncw,CW,;,\n",
         "units.csv, line 2: unit 'cw' lists no boroughs: name them, ';'-separated, or write *"),
        ("unit,name,boroughs,webhook\ncw,CW,Westminster,ftp://x\n",
         "units.csv, line 2: unit 'cw': webhook 'ftp://x' is not an http or https URL"),
    ])
    func aBadUnitsFileSaysWhereAndWhat(csv: String, message: String) {
        let error = #expect(throws: DataFileError.self) { try TaskingUnits(csv: csv, file: "units.csv", wards: wards) }
        #expect(error?.description == message)
    }
}
