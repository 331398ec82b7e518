import GRDB

/// IngestService's crime records: the latest accepted version of each crime, which the next revision is compared
/// with (CONTRACT.md section 1). Rows map plainly to `OffenceRecord`.
public enum CrimeStore {
    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("crimes") { db in
            try db.create(table: StoredCrime.databaseTableName) { table in
                table.column("crimeRef", .text).primaryKey()
                table.column("version", .integer).notNull()
                table.column("status", .text).notNull()
                table.column("offenceCode", .text)
                table.column("occurredAt", .integer).notNull().indexed()
                table.column("reportedAt", .integer)
                table.column("wardCode", .text)
                table.column("latitude", .double)
                table.column("longitude", .double)
                table.column("flags", .integer).notNull()
                table.column("suspects", .jsonText).notNull()
                table.column("victims", .jsonText).notNull()
            }
        }
    }

    public static func latest(_ crimeRef: String, in db: Database) throws -> OffenceRecord? {
        try StoredCrime.fetchOne(db, key: crimeRef)?.record
    }

    /// Keeps `record` as the crime's latest version, replacing any earlier one.
    public static func save(_ record: OffenceRecord, in db: Database) throws {
        try StoredCrime(record).save(db)
    }

    /// Forgets crimes that occurred at or before `instant` (data minimisation: they count nowhere any more).
    /// Returns how many.
    @discardableResult
    public static func purge(occurredAtOrBefore instant: Instant, in db: Database) throws -> Int {
        try StoredCrime.filter(Column("occurredAt") <= instant.milliseconds).deleteAll(db)
    }

    public static func count(in db: Database) throws -> Int { try StoredCrime.fetchCount(db) }
}

struct StoredCrime: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "crimes"

    var crimeRef: String
    var version: Int64
    var status: OffenceRecord.Status
    var offenceCode: String?
    var occurredAt: Int64
    var reportedAt: Int64?
    var wardCode: String?
    var latitude: Double?
    var longitude: Double?
    var flags: Int
    var suspects: [String]
    var victims: [String]

    init(_ record: OffenceRecord) {
        crimeRef = record.crimeRef
        version = record.version
        status = record.status
        offenceCode = record.offenceCode
        occurredAt = record.occurredAt.milliseconds
        reportedAt = record.reportedAt?.milliseconds
        wardCode = record.wardCode
        latitude = record.location?.latitude
        longitude = record.location?.longitude
        flags = Int(record.flags.rawValue)
        suspects = record.suspects
        victims = record.victims
    }

    var record: OffenceRecord {
        OffenceRecord(
            crimeRef: crimeRef, version: version, status: status, offenceCode: offenceCode,
            occurredAt: Instant(milliseconds: occurredAt), reportedAt: reportedAt.map { Instant(milliseconds: $0) },
            wardCode: wardCode,
            location: latitude.flatMap { latitude in
                longitude.map { OffenceRecord.Location(latitude: latitude, longitude: $0) }
            },
            flags: OffenceRecord.Flags(rawValue: UInt8(truncatingIfNeeded: flags)), suspects: suspects,
            victims: victims)
    }
}
