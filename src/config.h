/* config.h — every tunable of the runtime in one place.
 *
 * Each value can be overridden at build time (-DPEL_X=...); the ones a user may want to
 * change per run also read an environment variable, documented in include/pel/runtime.h.
 */
#ifndef PEL_CONFIG_H
#define PEL_CONFIG_H

/* One cache line, rounded up to two 64-byte lines because adjacent-line prefetch on x86
 * makes neighbouring lines contend as if they were one. */
#define PEL_CACHE_LINE 128

/* Upper bound on workers per runtime (a sanity limit, not a table size). */
#ifndef PEL_MAX_WORKERS
#define PEL_MAX_WORKERS 4096
#endif

/* Initial capacity of a worker's deque (a power of two); it doubles when full. */
#ifndef PEL_DEQUE_INITIAL_CAPACITY
#define PEL_DEQUE_INITIAL_CAPACITY 256
#endif

/* Task records are carved from slabs of this many records. */
#ifndef PEL_TASK_SLAB
#define PEL_TASK_SLAB 256
#endif

/* A worker keeps at most this many free task records; beyond that it gives a batch back
 * to the runtime's shared pool, so a producer/consumer pattern cannot grow one worker's
 * free list without bound. */
#ifndef PEL_TASK_FREE_MAX
#define PEL_TASK_FREE_MAX 4096
#endif

/* Default time an idle worker keeps looking for work before it parks (PEL_SPIN_US). */
#ifndef PEL_DEFAULT_SPIN_US
#define PEL_DEFAULT_SPIN_US 50
#endif

/* A parked worker re-checks for work after this long even without being woken. This is
 * a safety net against the (rare, documented in core/sleep.c) wake-up that a spawner
 * does not issue; at 50 ms it costs an idle runtime well under 0.1% of a core. */
#ifndef PEL_PARK_TIMEOUT_MS
#define PEL_PARK_TIMEOUT_MS 50
#endif

/* Number of destroyed runtime handles whose small records are kept so that calls through a
 * stale handle return PEL_EDESTROYED; older ones are recycled. */
#ifndef PEL_RUNTIME_GRAVEYARD
#define PEL_RUNTIME_GRAVEYARD 1024
#endif

_Static_assert((PEL_DEQUE_INITIAL_CAPACITY & (PEL_DEQUE_INITIAL_CAPACITY - 1)) == 0,
               "deque capacity must be a power of two");
_Static_assert(PEL_TASK_SLAB >= 16, "task slabs too small to amortise their allocation");
_Static_assert(PEL_TASK_FREE_MAX >= 2 * PEL_TASK_SLAB, "free-list cap below two slabs");
_Static_assert(PEL_PARK_TIMEOUT_MS >= 1, "park timeout must be positive");

#endif /* PEL_CONFIG_H */
