#ifndef POSTERN_MALLOC_COUNTER_H
#define POSTERN_MALLOC_COUNTER_H
/// Number of malloc, calloc, realloc, posix_memalign and aligned_alloc calls so far
/// (process-wide; 0 on platforms where interposition is not built).
unsigned long long postern_allocation_count(void);
#endif
