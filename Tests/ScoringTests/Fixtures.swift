@testable import HarmRankCore
@testable import Shared

enum Fixtures {
    static let harmTable = try! HarmTable.shipped()
    static let wards = try! WardRegistry.shipped()
    static let revision = CrimeRevision(harmTable: harmTable)
    static let received = try! Instant.parseRFC3339("2025-06-01T12:00:00Z").get()

    static func validator(_ mode: ClockMode = .wall) -> OffenceValidator {
        OffenceValidator(harmTable: harmTable, wards: wards, clockMode: mode)
    }

    static func instant(_ text: String) -> Instant { try! Instant.parseRFC3339(text).get() }

    static func record(
        _ crimeRef: String, version: Int64 = 1, code: String? = "8N", at occurredAt: Instant = received,
        ward: String? = nil, flags: OffenceRecord.Flags = [], suspects: [String] = [], victims: [String] = [],
        cancelled: Bool = false
    ) -> OffenceRecord {
        OffenceRecord(
            crimeRef: crimeRef, version: version, status: cancelled ? .cancelled : .recorded, offenceCode: code,
            occurredAt: occurredAt, wardCode: ward, flags: flags, suspects: suspects, victims: victims)
    }
}
