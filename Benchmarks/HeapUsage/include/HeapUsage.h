#include <stddef.h>

/// Bytes the C allocator has handed out and not yet had back (glibc's `mallinfo2`): what a data structure really
/// holds, without the freed memory and page rounding that resident-set sizes include.
size_t heap_bytes_in_use(void);
