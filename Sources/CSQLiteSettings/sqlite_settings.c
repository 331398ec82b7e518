#include <sqlite3.h>
#include "sqlite_settings.h"

int harmrank_sqlite_stop_memory_statistics(void) {
    return sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}
