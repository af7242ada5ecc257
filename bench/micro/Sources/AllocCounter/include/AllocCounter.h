#ifndef ALLOC_COUNTER_H
#define ALLOC_COUNTER_H
/// Heap allocations (malloc, calloc, realloc, posix_memalign, aligned_alloc)
/// made by this process so far, all threads.
unsigned long alloc_counter_total(void);
#endif
