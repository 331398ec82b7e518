import CSQLiteSettings
import GRDBSQLite
import Logging

/// SQLite settings that hold for the whole process and must be made before any database is opened.
public enum SQLiteProcessSettings {
    /// Called once at a service's start. Without memory statistics, the partitions a service applies side by side
    /// no longer take one process-wide mutex for every allocation SQLite makes, which they contended for. Nothing
    /// in HarmRank reads those statistics.
    public static func apply(logger: Logger) {
        let result = harmrank_sqlite_stop_memory_statistics()
        if result != SQLITE_OK {
            // A database was opened first: SQLite keeps counting, which costs time and nothing else.
            logger.notice("SQLite's memory statistics stay on (sqlite3_config answered \(result))")
        }
    }
}
