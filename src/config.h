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

/* How long a waiter that is not a worker re-checks before it parks (see wait_blocking). */
#ifndef PEL_EXTERNAL_SPIN_NS
#define PEL_EXTERNAL_SPIN_NS 2000u
#endif

/* Estimated remaining work (ns) that justifies handing half of a loop's range to a
 * searching worker (a steal moves the piece's cache lines between cores), and to a parked
 * one (a wake-up), respectively (loop/range.c). */
#ifndef PEL_SPLIT_STEAL_NS
#define PEL_SPLIT_STEAL_NS 4000.0
#endif
#ifndef PEL_SPLIT_WAKE_NS
#define PEL_SPLIT_WAKE_NS 20000.0
#endif

/* How long a caller that is not a worker runs a loop itself before handing it over. */
#ifndef PEL_INLINE_BUDGET_NS
#define PEL_INLINE_BUDGET_NS 5000u
#endif

/* The unstable sort's grain: ranges at most this long are sorted by one task. About
 * 100 µs of work with an indirect comparator: spawning costs far less, and 10^7
 * elements still give thousands of tasks to balance. */
#ifndef PEL_SORT_SPAWN_MIN
#define PEL_SORT_SPAWN_MIN 4096
#endif

/* The stable sort's grain: ranges (and merges) at most this long run in one task.
 * Coarser than PEL_SORT_SPAWN_MIN because every split of a merge costs a co-rank search,
 * whose probes miss the cache across a large array: with 10^7 elements, 4096 is 15%
 * slower on 2 workers than 16384 (and 65536 gains nothing more). */
#ifndef PEL_SORT_MERGE_TASK_MIN
#define PEL_SORT_MERGE_TASK_MIN 16384
#endif

/* ---- dataflow (src/flow/) ---- */

/* Most threads outside a runtime that can have a dataflow submission deque of their own
 * at once; further flows fall back to the runtime's locked injection queue. */
#ifndef PEL_MAX_EXT_DEQUES
#define PEL_MAX_EXT_DEQUES 64
#endif

/* Default most pending tasks of a flow (pel_flow_config.window). */
#ifndef PEL_FLOW_WINDOW
#define PEL_FLOW_WINDOW 16384
#endif

/* Accesses stored in the task record itself; tasks with more allocate an array. */
#ifndef PEL_FLOW_INLINE_ACCESS
#define PEL_FLOW_INLINE_ACCESS 3
#endif

/* Task records move between a thread's free list and the flow's shared pool in batches of
 * this many (a submitter allocates, workers free). */
#ifndef PEL_FLOW_BATCH
#define PEL_FLOW_BATCH 64
#endif

/* A top-level submitter checks the window every this many submissions (counting pending
 * tasks reads one counter per worker). */
#ifndef PEL_FLOW_WINDOW_CHECK
#define PEL_FLOW_WINDOW_CHECK 32
#endif

_Static_assert(PEL_FLOW_INLINE_ACCESS >= 1, "a task record holds at least one access");
_Static_assert(PEL_FLOW_BATCH >= 8, "flow batches too small");
_Static_assert(PEL_MAX_EXT_DEQUES >= 1, "need at least one external deque slot");

_Static_assert(PEL_SORT_MERGE_TASK_MIN >= 2, "stable sort grain too small");
_Static_assert((PEL_DEQUE_INITIAL_CAPACITY & (PEL_DEQUE_INITIAL_CAPACITY - 1)) == 0,
               "deque capacity must be a power of two");
_Static_assert(PEL_TASK_SLAB >= 16, "task slabs too small to amortise their allocation");
_Static_assert(PEL_TASK_FREE_MAX >= 2 * PEL_TASK_SLAB, "free-list cap below two slabs");
_Static_assert(PEL_PARK_TIMEOUT_MS >= 1, "park timeout must be positive");

#endif /* PEL_CONFIG_H */
