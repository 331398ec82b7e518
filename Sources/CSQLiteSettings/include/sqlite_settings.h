#ifndef HARMRANK_SQLITE_SETTINGS_H
#define HARMRANK_SQLITE_SETTINGS_H

/// Turns off SQLite's memory statistics for the whole process. They make every allocation SQLite makes take one
/// process-wide mutex, which the partitions of a service applied side by side contend for. Must run before any
/// database is opened; returns SQLite's result code (SQLITE_MISUSE when one already was).
///
/// In C because sqlite3_config takes variable arguments, which Swift cannot call.
int harmrank_sqlite_stop_memory_statistics(void);

#endif
