import GRDB
import GRDBSQLite

/// The values of one run of a statement, bound straight into SQLite in parameter order.
///
/// Every crime IngestService keeps, every link ScoreService keeps and every crime row RankService writes goes
/// through an upsert. GRDB's `StatementArguments` boxes each value as an existential and binds it through a
/// protocol, which was most of the cost of saving a crime (`CrimeStore.save`; see `Benchmarks/RESULTS.md`). These
/// statements bind their values directly instead (`Database.executeCached(_:binding:)`).
public struct StatementValues {
    fileprivate let statement: SQLiteStatement
    fileprivate var bound: CInt = 0

    // SQLite copies what it is given (SQLITE_TRANSIENT), so the Swift values need not outlive the call.
    private static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    public mutating func bind(_ value: String) {
        var value = value
        value.withUTF8 { bindText($0) }
    }

    /// JSON (or other UTF-8 text) already written as bytes.
    public mutating func bind(utf8 bytes: [UInt8]) {
        bytes.withUnsafeBufferPointer { bindText($0) }
    }

    private mutating func bindText(_ text: UnsafeBufferPointer<UInt8>) {
        bound += 1
        // An empty buffer may have no address, which SQLite would take for NULL.
        guard !text.isEmpty else {
            _ = sqlite3_bind_text(statement, bound, "", 0, Self.transient)
            return
        }
        _ = text.withMemoryRebound(to: CChar.self) { characters in
            sqlite3_bind_text(statement, bound, characters.baseAddress, CInt(characters.count), Self.transient)
        }
    }

    public mutating func bind(_ value: Int64) {
        bound += 1
        _ = sqlite3_bind_int64(statement, bound, value)
    }

    public mutating func bind(_ value: Double) {
        bound += 1
        _ = sqlite3_bind_double(statement, bound, value)
    }

    public mutating func bind(_ value: String?) {
        if let value { bind(value) } else { bindNull() }
    }

    public mutating func bind(_ value: Int64?) {
        if let value { bind(value) } else { bindNull() }
    }

    public mutating func bind(_ value: Double?) {
        if let value { bind(value) } else { bindNull() }
    }

    public mutating func bindNull() {
        bound += 1
        _ = sqlite3_bind_null(statement, bound)
    }
}

extension Database {
    /// Runs `sql`, a statement that returns no rows, prepared once per connection, with the values `bind` gives
    /// it in parameter order.
    public func executeCached(_ sql: String, binding bind: (inout StatementValues) -> Void) throws {
        // Every run leaves the statement reset, on success and on failure, so it is ready to bind here.
        let statement = try cachedStatement(sql: sql).sqliteStatement
        var values = StatementValues(statement: statement)
        bind(&values)
        // Fewer values than parameters would run with NULL (or the previous run's values) in the rest.
        precondition(
            values.bound == sqlite3_bind_parameter_count(statement),
            "\(values.bound) values bound to \(sqlite3_bind_parameter_count(statement)) parameters of \(sql)")
        let code = sqlite3_step(statement)
        guard code == SQLITE_DONE else {
            let message = String(cString: sqlite3_errmsg(sqliteConnection))
            sqlite3_reset(statement)
            throw DatabaseError(resultCode: ResultCode(rawValue: code), message: message, sql: sql)
        }
        sqlite3_reset(statement)
    }
}
