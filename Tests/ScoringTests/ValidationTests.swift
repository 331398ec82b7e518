import Testing

@testable import HarmRankCore
@testable import Shared

@Suite struct ValidationTests {
    static let valid = """
        {"crimeRef":"CRIS/2025/000123","version":2,"status":"recorded","offenceCode":"8N",
         "occurredAt":"2025-05-31T22:15:00+01:00","reportedAt":"2025-06-01T09:00:00Z","wardCode":"E05009317",
         "lat":51.5273,"lon":-0.0465,"flags":["weapon","domestic"],"suspects":["S-2","S-1"],"victims":["V-9"]}
        """

    func validate(_ json: String, mode: ClockMode = .wall) -> Result<OffenceRecord, Rejection> {
        Fixtures.validator(mode).validate(Array(json.utf8), receivedAt: Fixtures.received)
    }

    /// The valid record with one member replaced (or removed, with `nil`), or one added.
    func variant(_ field: String, _ value: String?) -> String {
        var members = [
            "\"crimeRef\":\"CRIS/2025/000123\"", "\"version\":2", "\"offenceCode\":\"8N\"",
            "\"occurredAt\":\"2025-05-31T22:15:00+01:00\"",
        ]
        members.removeAll { $0.hasPrefix("\"\(field)\":") }
        if let value { members.append("\"\(field)\":\(value)") }
        return "{" + members.joined(separator: ",") + "}"
    }

    @Test func acceptsAndNormalisesAValidRecord() throws {
        let record = try validate(Self.valid).get()
        #expect(record.crimeRef == "CRIS/2025/000123")
        #expect(record.version == 2)
        #expect(record.occurredAt == Fixtures.instant("2025-05-31T21:15:00Z"))
        #expect(record.flags == [.domestic, .weapon])
        #expect(record.suspects == ["S-1", "S-2"])
        #expect(record.location == OffenceRecord.Location(latitude: 51.5273, longitude: -0.0465))
        // Member order and array order do not change the content.
        let reordered = """
            {"suspects":["S-1","S-2"],"victims":["V-9"],"flags":["domestic","weapon"],"lon":-0.0465,"lat":51.5273,
             "wardCode":"E05009317","reportedAt":"2025-06-01T09:00:00Z","occurredAt":"2025-05-31T21:15:00Z",
             "offenceCode":"8N","status":"recorded","version":2,"crimeRef":"CRIS/2025/000123"}
            """
        #expect(try validate(reordered).get() == record)
    }

    @Test(arguments: [
        ("{\"crimeRef\":", Rejection.Reason.malformedJSON, "unexpected end"),
        ("[1,2]", .malformedJSON, "one JSON object"),
        ("{\"crimeRef\":\"A\",\"crimeRef\":\"B\"}", .malformedJSON, "duplicate key \"crimeRef\""),
        ("{\"crimeRef\":\"A\",\"colour\":\"red\"}", .unknownField, "'colour'"),
        ("{\"crimeRef\":\"A\",\"ethnicity\":\"x\"}", .protectedCharacteristic, "'ethnicity'"),
        ("{\"crimeRef\":\"A\",\"extra\":{\"people\":[{\"id\":1,\"victimGender\":\"f\"}]}}", .protectedCharacteristic,
            "'extra.people[0].victimGender'"),
        ("{\"crimeRef\":\"A\",\"immigration_status\":\"x\"}", .protectedCharacteristic, "immigration_status"),
        ("{\"version\":1,\"offenceCode\":\"8N\",\"occurredAt\":\"2025-05-01T00:00:00Z\"}", .missingField, "'crimeRef'"),
        ("{\"crimeRef\":\"A\",\"version\":1,\"occurredAt\":\"2025-05-01T00:00:00Z\"}", .missingField, "'offenceCode'"),
        ("{\"crimeRef\":\"A\",\"version\":1,\"offenceCode\":\"8N\",\"occurredAt\":null}", .missingField, "'occurredAt'"),
    ])
    func rejectsWithReasonAndField(json: String, reason: Rejection.Reason, detail: String) {
        guard case .failure(let rejection) = validate(json) else {
            Issue.record("accepted \(json)")
            return
        }
        #expect(rejection.reason == reason)
        #expect(rejection.detail.contains(detail), "\(rejection.detail)")
    }

    @Test(arguments: [
        ("crimeRef", "\"has space\"", Rejection.Reason.invalidValue, "crimeRef 'has space'"),
        ("crimeRef", "\"\(String(repeating: "A", count: 65))\"", .invalidValue, "1-64 characters"),
        ("version", "0", .invalidValue, "version must be 1 or more"),
        ("version", "1.0", .invalidValue, "version must be a whole number, got 1.0"),
        ("version", "true", .invalidValue, "version must be a whole number"),
        ("version", "\"2\"", .invalidValue, "version must be a whole number"),
        ("status", "\"deleted\"", .invalidValue, "status must be"),
        ("occurredAt", "\"2025-05-31\"", .invalidValue, "occurredAt '2025-05-31'"),
        ("occurredAt", "\"1899-12-31T23:59:59Z\"", .invalidValue, "before 1900"),
        ("reportedAt", "\"2025-05-01T00:00:00Z\"", .invalidValue, "reportedAt"),
        ("lat", "51.5", .invalidValue, "lon is missing"),
        ("flags", "[\"domestic\",\"armed\"]", .invalidValue, "'armed'"),
        ("flags", "[\"domestic\",\"domestic\"]", .invalidValue, "twice"),
        ("flags", "\"domestic\"", .invalidValue, "flags must be an array"),
        ("suspects", "[\"S1\",\"S1\"]", .invalidValue, "suspects holds 'S1' twice"),
        ("suspects", "[\"S/1\"]", .invalidValue, "suspects 'S/1'"),
        ("victims", "[1]", .invalidValue, "victims[0] must be a string"),
        ("suspects", "[" + (1...51).map { "\"S\($0)\"" }.joined(separator: ",") + "]", .invalidValue, "at most 50"),
        ("offenceCode", "\"ZZ9\"", .unknownOffenceCode, "offenceCode 'ZZ9'"),
        ("wardCode", "\"E05999999\"", .unknownWard, "wardCode 'E05999999'"),
        ("occurredAt", "\"2025-06-01T12:05:01Z\"", .futureDate, "occurredAt"),
    ])
    func rejectsBadValues(field: String, value: String, reason: Rejection.Reason, detail: String) {
        guard case .failure(let rejection) = validate(variant(field, value)) else {
            Issue.record("accepted \(field)=\(value)")
            return
        }
        #expect(rejection.reason == reason)
        #expect(rejection.detail.contains(detail), "\(rejection.detail)")
    }

    @Test func coordinatesMustLieNearTheRegistry() {
        let json = variant("lat", "50.792113").dropLast() + ",\"lon\":-0.681541}"
        guard case .failure(let rejection) = validate(String(json)) else {
            Issue.record("accepted a location in West Sussex")
            return
        }
        #expect(rejection.reason == .invalidValue)
        #expect(rejection.detail.contains("outside the ward registry"))
    }

    @Test func futureRuleOnlyOnTheWallClock() {
        let json = variant("occurredAt", "\"2030-01-01T00:00:00Z\"")
        #expect((try? validate(json, mode: .event).get()) != nil)
        #expect((try? validate(variant("occurredAt", "\"2025-06-01T12:04:59Z\"")).get()) != nil)
    }

    @Test func cancelledRecordNeedsNoOffenceCode() throws {
        let json = variant("offenceCode", nil).dropLast() + ",\"status\":\"cancelled\"}"
        let record = try validate(String(json)).get()
        #expect(record.status == .cancelled)
        #expect(record.offenceCode == nil)
    }

    @Test func sizeAndEncodingLimits() {
        let large = "{\"crimeRef\":\"" + String(repeating: "A", count: 70_000) + "\"}"
        #expect(validate(large).rejection?.reason == .tooLarge)
        var invalidUTF8 = Array(variant("crimeRef", "\"A\"").utf8)
        invalidUTF8.insert(0xFF, at: 14)
        #expect(Fixtures.validator().validate(invalidUTF8, receivedAt: Fixtures.received).rejection?.reason == .malformedJSON)
        let deep = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        #expect(validate(deep).rejection?.detail.contains("nested deeper") == true)
    }

    @Test func protectedNamesAreRecognisedAndOrdinaryOnesAreNot() {
        for name in ["ethnicity", "Race", "suspect_nationality", "victimSexualOrientation", "dateOfBirth", "DOB", "religion"] {
            #expect(ProtectedCharacteristics.isProtected(fieldName: name), "\(name)")
        }
        for name in OffenceValidator.fields.sorted() + ["message", "traceId", "average", "sussexWard"] {
            #expect(!ProtectedCharacteristics.isProtected(fieldName: name), "\(name)")
        }
    }

    /// Random bytes and mangled records never crash the validator and always get a reason.
    @Test func fuzzedInputAlwaysGetsAnAnswer() {
        var random = SplitMix64(seed: 7)
        let seed = Array(Self.valid.utf8)
        for _ in 0..<5_000 {
            var bytes = seed
            for _ in 0..<Int(random.next() % 6) {
                let index = Int(random.next() % UInt64(bytes.count))
                switch random.next() % 3 {
                case 0: bytes[index] = UInt8(truncatingIfNeeded: random.next())
                case 1: bytes.remove(at: index)
                default: bytes.insert(UInt8(truncatingIfNeeded: random.next()), at: index)
                }
            }
            if case .failure(let rejection) = Fixtures.validator().validate(bytes, receivedAt: Fixtures.received) {
                #expect(!rejection.detail.isEmpty)
            }
        }
    }
}

extension Result where Failure == Rejection {
    var rejection: Rejection? {
        if case .failure(let rejection) = self { return rejection }
        return nil
    }
}
