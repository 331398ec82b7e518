import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct InstantTests {
    @Test func parsesOffsetsAndFractions() throws {
        let utc = try Instant.parseRFC3339("2025-03-01T18:30:00Z").get()
        #expect(utc.rfc3339 == "2025-03-01T18:30:00.000Z")
        #expect(try Instant.parseRFC3339("2025-03-01T19:30:00+01:00").get() == utc)
        #expect(try Instant.parseRFC3339("2025-03-01t17:30:00-01:00").get() == utc)
        #expect(try Instant.parseRFC3339("2025-03-01T18:30:00.1239Z").get() == utc + 123)
        #expect(try Instant.parseRFC3339("1900-01-01T00:00:00Z").get() == OffenceValidator.earliest)
        #expect(try Instant.parseRFC3339("1969-12-31T23:59:59.999Z").get().milliseconds == -1)
        #expect(Instant(milliseconds: -1).rfc3339 == "1969-12-31T23:59:59.999Z")
    }

    @Test(arguments: [
        ("2025-03-01T18:30:00", "offset"), ("2025-02-29T00:00:00Z", "day 29"), ("2024-13-01T00:00:00Z", "month 13"),
        ("2025-03-01 18:30:00Z", "RFC 3339"), ("2025-03-01T24:00:00Z", "out of range"), ("2025-03-01T18:30:00.Z", "'.'"),
    ])
    func refusesWithTheProblem(text: String, problem: String) {
        guard case .failure(let error) = Instant.parseRFC3339(text) else {
            Issue.record("\(text) was accepted")
            return
        }
        #expect(error.problem.contains(problem), "\(error.problem)")
    }

    @Test func wholeDaysRoundDown() {
        let start = Instant(milliseconds: 0)
        #expect((start + Instant.days(8) - 1).wholeDays(since: start) == 7)
        #expect((start + Instant.days(8)).wholeDays(since: start) == 8)
        #expect((start - 1).wholeDays(since: start) == -1)
    }
}

@Suite struct HarmTableTests {
    @Test func shippedTableCoversEverySubgroupAndMarksVAWG() throws {
        let table = try HarmTable.shipped()
        #expect(Set(table.offences.map(\.subgroup)) == Set(Subgroup.allCases))
        for offence in table.offences where [.rape, .otherSexual].contains(offence.subgroup) {
            #expect(offence.vawg, "\(offence.code) is a sexual offence")
        }
        for code in ["8Q", "8L", "8U", "8K"] { #expect(table[code]?.vawg == true, "\(code)") }
        #expect(table["1"]?.harm == Harm(days: 5475))
        #expect(table["46"]?.harm == Harm(days: 1))
        #expect(table["34B"]?.harm == Harm(days: 365))
        #expect(table["20A"]?.harm == Harm(hundredths: 18225))
        // Written out and read back, the table is the same.
        #expect(try HarmTable(csv: table.csv, file: "round trip").offences == table.offences)
    }

    @Test(arguments: [
        ("offence_code,title,subgroup,cchi_days\n1,Murder,homicide,5475\n", 1 as Int?, "header lacks vawg"),
        ("offence_code,title,subgroup,cchi_days,vawg\n1,Murder,homicide,5475,0\n1,Again,homicide,1,0\n", 3, "already appears on line 2"),
        ("offence_code,title,subgroup,cchi_days,vawg\n1,Murder,killing,5475,0\n", 2, "subgroup 'killing'"),
        ("offence_code,title,subgroup,cchi_days,vawg\n1,Murder,homicide,182.255,0\n", 2, "at most two decimal places"),
        ("offence_code,title,subgroup,cchi_days,vawg\n1,Murder,homicide,-1,0\n", 2, "cchi_days '-1'"),
        ("offence_code,title,subgroup,cchi_days,vawg\n1,Murder,homicide,5475,yes\n", 2, "vawg 'yes'"),
        ("offence_code,title,subgroup,cchi_days,vawg\n1,Murder,homicide\n", 2, "'cchi_days' is missing"),
        ("offence_code,title,subgroup,cchi_days,vawg\n", nil, "no rows"),
    ])
    func badTablesNameFileLineAndProblem(csv: String, line: Int?, problem: String) {
        #expect {
            _ = try HarmTable(csv: csv, file: "force.csv")
        } throws: { error in
            guard let error = error as? DataFileError else { return false }
            return error.file == "force.csv" && error.line == line && error.description.contains(problem)
        }
    }

    @Test func quotedFieldsAndBlankLines() throws {
        let table = try HarmTable(
            csv: "offence_code,title,subgroup,cchi_days,vawg\r\n\r\n9A,\"Fear, alarm \"\"or\"\" distress\",public-order,7.5,0\r\n",
            file: "t")
        #expect(table["9A"]?.title == "Fear, alarm \"or\" distress")
        #expect(table["9A"]?.harm == Harm(hundredths: 750))
    }

    @Test func shippedWardRegistryHasTheLondonWards() throws {
        let wards = try WardRegistry.shipped()
        #expect(wards.wards.count == 679)
        #expect(wards["E05009317"]?.name == "Bethnal Green East")
        #expect(wards.bounds.contains(latitude: 51.5074, longitude: -0.1278))
        #expect(!wards.bounds.contains(latitude: 50.792113, longitude: -0.681541))  // Arun, West Sussex
    }
}

@Suite struct CambridgeImportTests {
    @Test func oneRowPerCodeWithInferencesReported() throws {
        let csv = """
            HO_CODE,HOME_OFFICE_CLASSIFICATION,FULL_OFFENCE_TITLE,CCHI Score
            8N,Assault with injury,Assault occasioning actual bodily harm,"1,095"
            8N,Assault with injury,Racially aggravated ABH,730
            28E,Burglary - Residential,Burglary dwelling,273.5
            999Z,Stalking involving fear of violence,Stalking (fear of violence),182.333
            77,Proactive offence,Something,N/A
            """
        let result = try CambridgeHarmTableImport(known: try HarmTable.shipped()).convert(csv: csv, file: "cchi.csv")
        #expect(result.table["8N"]?.harm == Harm(days: 730))
        #expect(result.table["8N"]?.subgroup == .violenceWithInjury)
        #expect(result.table["999Z"]?.subgroup == .stalkingHarassment)
        #expect(result.table["999Z"]?.vawg == true)
        #expect(result.table["999Z"]?.harm == Harm(hundredths: 18233))
        #expect(result.table["77"] == nil)
        #expect(result.notes.contains { $0.contains("skipped 1 rows") && $0.contains("lines 6") })
        #expect(result.notes.contains { $0.contains("rounded 1") })
        #expect(result.notes.contains { $0.contains("999Z→stalking-harassment") })
        let highest = try CambridgeHarmTableImport(known: try HarmTable.shipped(), perCode: .highest)
            .convert(csv: csv, file: "cchi.csv")
        #expect(highest.table["8N"]?.harm == Harm(days: 1095))
        // The output is a valid harm table.
        #expect(try HarmTable(csv: result.table.csv, file: "out").offences.count == 3)
    }

    @Test func refusesAnExportWithoutTheColumns() {
        #expect(throws: DataFileError.self) {
            _ = try CambridgeHarmTableImport(known: HarmTable(offences: [])).convert(csv: "code,score\n1,2\n", file: "x")
        }
    }
}
