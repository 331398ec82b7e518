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

    // Every record ingested is looked up and saved: the statements are prepared once per connection.

    /// The latest versions of those of `crimeRefs` that are stored, by crimeRef: one statement for a whole batch,
    /// where one a crime was an eighth of IngestService's work. The references travel as one JSON array, so the
    /// statement is the same whatever their number and is prepared once.
    public static func latest(_ crimeRefs: [String], in db: Database) throws -> [String: OffenceRecord] {
        let statement = try db.cachedStatement(
            sql: "SELECT * FROM crimes WHERE crimeRef IN (SELECT value FROM json_each(?))")
        let references = JSONValue.array(crimeRefs.map { .string($0) }).text
        return try StoredCrime.fetchAll(statement, arguments: [references])
            .reduce(into: [:]) { found, crime in found[crime.crimeRef] = crime.record }
    }

    /// Keeps `record` as the crime's latest version, replacing any earlier one.
    public static func save(_ record: OffenceRecord, in db: Database) throws {
        try db.executeCached(StoredCrime.insertOrReplace) { values in
            values.bind(record.crimeRef)
            values.bind(record.version)
            values.bind(record.status.rawValue)
            values.bind(record.offenceCode)
            values.bind(record.occurredAt.milliseconds)
            values.bind(record.reportedAt?.milliseconds)
            values.bind(record.wardCode)
            values.bind(record.location?.latitude)
            values.bind(record.location?.longitude)
            values.bind(Int64(record.flags.rawValue))
            values.bind(JSONWriter.stringArray(record.suspects))
            values.bind(JSONWriter.stringArray(record.victims))
        }
    }

    /// The crimes that occurred at or before `instant`: they count nowhere any more and are to be forgotten (data
    /// minimisation), here and on the changelog.
    public static func crimeRefs(occurredAtOrBefore instant: Instant, in db: Database) throws -> [String] {
        // Sorted here, not by the statement: ordering by crimeRef there makes SQLite walk the whole table in key order
        // instead of searching the occurredAt index for the few rows due.
        try String.fetchAll(
            db.cachedStatement(sql: "SELECT crimeRef FROM crimes WHERE occurredAt <= ?"), arguments: [instant.milliseconds]
        ).sorted()
    }

    /// Forgets `crimeRefs`. Returns how many were stored.
    @discardableResult
    public static func forget(_ crimeRefs: [String], in db: Database) throws -> Int {
        guard !crimeRefs.isEmpty else { return 0 }
        let references = JSONValue.array(crimeRefs.map { .string($0) }).text
        try db.cachedStatement(sql: "DELETE FROM crimes WHERE crimeRef IN (SELECT value FROM json_each(?))")
            .execute(arguments: [references])
        return db.changesCount
    }

    /// Every stored crime, in crimeRef order: what the changelog is seeded with.
    public static func all(in db: Database) throws -> [OffenceRecord] {
        try StoredCrime.fetchAll(db, sql: "SELECT * FROM crimes ORDER BY crimeRef").map(\.record)
    }

    /// Forgets every crime: before a partition's crimes are rebuilt from the changelog.
    public static func removeAll(in db: Database) throws { try db.execute(sql: "DELETE FROM crimes") }

    public static func count(in db: Database) throws -> Int { try StoredCrime.fetchCount(db) }
}

struct StoredCrime: FetchableRecord, TableRecord {
    static let databaseTableName = "crimes"
    static let columns = [
        "crimeRef", "version", "status", "offenceCode", "occurredAt", "reportedAt", "wardCode", "latitude", "longitude",
        "flags", "suspects", "victims",
    ]
    /// Bound in `columns` order by `CrimeStore.save`.
    static let insertOrReplace =
        "INSERT OR REPLACE INTO crimes (\(columns.joined(separator: ", "))) VALUES (\(columns.map { _ in "?" }.joined(separator: ", ")))"

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
    /// JSON arrays of ids.
    var suspects: [String]
    var victims: [String]

    init(row: Row) throws {
        crimeRef = row["crimeRef"]
        version = row["version"]
        status = OffenceRecord.Status(rawValue: row["status"]) ?? .recorded
        offenceCode = row["offenceCode"]
        occurredAt = row["occurredAt"]
        reportedAt = row["reportedAt"]
        wardCode = row["wardCode"]
        latitude = row["latitude"]
        longitude = row["longitude"]
        flags = row["flags"]
        suspects = try JSONValue.strings(in: row["suspects"])
        victims = try JSONValue.strings(in: row["victims"])
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
