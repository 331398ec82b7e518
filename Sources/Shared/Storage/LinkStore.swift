import GRDB

/// ScoreService's state for one link partition: the links each entity holds now (what its window is rebuilt
/// from) and the sequence number of the last score published. Rows map plainly to `CrimeLink`.
///
/// One sequence serves the whole partition: every score of an entity comes from its one partition, so the numbers
/// rise for each entity, and nothing about an entity has to be kept after its window empties.
public enum LinkStore {
    public static func migrations(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("links") { db in
            try db.create(table: StoredLink.databaseTableName) { table in
                table.column("kind", .text).notNull()
                table.column("entity", .text).notNull()
                table.column("crimeRef", .text).notNull()
                table.column("version", .integer).notNull()
                table.column("offenceCode", .text).notNull()
                table.column("harm", .integer).notNull()
                table.column("lists", .integer).notNull()
                table.column("occurredAt", .integer).notNull().indexed()
                table.column("victims", .jsonText).notNull()
                table.primaryKey(["kind", "entity", "crimeRef"])
            }
            try db.create(table: "scoreSequence") { table in
                table.column("id", .integer).primaryKey()
                table.column("sequence", .integer).notNull()
            }
        }
        migrator.registerMigration("wardOfDomesticOffences") { db in
            // Links stored before suspects' domestic links carried their ward keep none until the crime is revised.
            try db.alter(table: StoredLink.databaseTableName) { table in table.add(column: "ward", .text) }
        }
    }

    /// Applies a change as the windows do: a link replaces an older or equal version of the same crime, a
    /// retraction removes the version it names or an older one.
    public static func apply(_ change: LinkChange, in db: Database) throws {
        // Every link goes through here: the statements are prepared once per connection.
        switch change {
        case .add(let entity, let link):
            try db.executeCached(
                """
                INSERT INTO links (kind, entity, crimeRef, version, offenceCode, harm, lists, occurredAt, victims, ward)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(kind, entity, crimeRef) DO UPDATE SET version = excluded.version,
                  offenceCode = excluded.offenceCode, harm = excluded.harm, lists = excluded.lists,
                  occurredAt = excluded.occurredAt, victims = excluded.victims, ward = excluded.ward
                WHERE excluded.version >= links.version
                """
            ) { values in
                values.bind(entity.kind.rawValue)
                values.bind(entity.id)
                values.bind(link.crimeRef)
                values.bind(link.version)
                values.bind(link.offenceCode)
                values.bind(link.harm.hundredths)
                values.bind(Int64(link.lists.rawValue))
                values.bind(link.occurredAt.milliseconds)
                values.bind(JSONWriter.stringArray(link.victims))
                values.bind(link.ward)
            }
        case .retract(let entity, let crimeRef, let version):
            try db.executeCached("DELETE FROM links WHERE kind = ? AND entity = ? AND crimeRef = ? AND version <= ?") { values in
                values.bind(entity.kind.rawValue)
                values.bind(entity.id)
                values.bind(crimeRef)
                values.bind(version)
            }
        }
    }

    /// Every link held, as adds that rebuild the windows.
    public static func all(in db: Database) throws -> [LinkChange] {
        try StoredLink.fetchAll(db).map(\.change)
    }

    /// Forgets every link: before a partition's links are rebuilt from its topic.
    public static func removeAll(in db: Database) throws { try db.execute(sql: "DELETE FROM links") }

    /// Forgets links that occurred at or before `instant`: they count nowhere any more.
    public static func purge(occurredAtOrBefore instant: Instant, in db: Database) throws {
        try db.execute(sql: "DELETE FROM links WHERE occurredAt <= ?", arguments: [instant.milliseconds])
    }

    /// The sequence of the last score published from the partition, 0 before the first.
    public static func sequence(in db: Database) throws -> Int64 {
        try Int64.fetchOne(db, sql: "SELECT sequence FROM scoreSequence WHERE id = 0") ?? 0
    }

    public static func setSequence(_ sequence: Int64, in db: Database) throws {
        try db.execute(
            sql: "INSERT INTO scoreSequence (id, sequence) VALUES (0, ?) ON CONFLICT(id) DO UPDATE SET sequence = excluded.sequence",
            arguments: [sequence])
    }
}

struct StoredLink: Codable, FetchableRecord, PersistableRecord {
    static let databaseTableName = "links"

    var kind: EntityKind
    var entity: String
    var crimeRef: String
    var version: Int64
    var offenceCode: String
    var harm: Int64
    var lists: UInt8
    var occurredAt: Int64
    var victims: [String]
    var ward: String?

    var change: LinkChange {
        .add(
            EntityRef(kind, entity),
            CrimeLink(
                crimeRef: crimeRef, version: version, offenceCode: offenceCode, harm: Harm(hundredths: harm),
                lists: ListSet(rawValue: lists), occurredAt: Instant(milliseconds: occurredAt), victims: victims,
                ward: ward))
    }
}

import Foundation
