/* pel/runtime.h — the runtime: a set of worker threads that execute tasks.
 *
 * A runtime owns one worker thread per core (by default) and the per-worker deques they
 * steal work from. Most programs use the default runtime, created on first use by passing
 * NULL wherever a `pel_runtime *` is expected; programs that want explicit control create
 * and destroy their own.
 */
#ifndef PEL_RUNTIME_H
#define PEL_RUNTIME_H

#include "pel/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Opaque runtime handle. */
typedef struct pel_runtime pel_runtime;

/* Settings for pel_runtime_create. Initialise with pel_config_init, then change fields. */
typedef struct pel_config {
    /* Number of worker threads. 0: take PEL_NUM_WORKERS from the environment if set,
     * otherwise the number of CPUs this process may use (its affinity mask, capped by a
     * cgroup CPU quota). More workers than CPUs is allowed. Maximum 4096. */
    int num_workers;
    /* Pin each worker to one CPU: 1 yes, 0 no, -1 (default) decide: pin when there are
     * no more workers than usable CPUs, unless PEL_PIN=0 is set in the environment.
     * Pinning uses hwloc when pel was built with it, plain affinity otherwise. */
    int pin;
    /* How long an idle worker keeps looking for work before it parks, in microseconds.
     * -1 (default): PEL_SPIN_US from the environment, or the built-in default (50 µs). */
    int spin_us;
} pel_config;

/* pel_config_init: fill `cfg` with the defaults described above. `cfg` must not be NULL. */
void pel_config_init(pel_config *cfg);

/* pel_runtime_create: start a runtime with the given settings (NULL: all defaults) and
 * store its handle in *out. Returns PEL_OK, PEL_EINVAL (out is NULL, or a setting is out
 * of range, including a malformed PEL_NUM_WORKERS), PEL_ENOMEM, or PEL_ESYSTEM (a worker
 * thread could not be started). On failure *out is left unchanged and nothing leaks.
 * Thread-safe. */
int pel_runtime_create(const pel_config *cfg, pel_runtime **out);

/* pel_runtime_destroy: stop a runtime and release its resources.
 * If tasks are still in flight, destroy first waits for all of them (and for everything
 * they spawn) to finish, then stops the workers: work is never dropped. Calling it from
 * one of the runtime's own tasks would wait forever, so that returns PEL_EDEADLK.
 * Destroying the default runtime returns PEL_EINVAL. After a successful destroy, any
 * call that passes this handle returns PEL_EDESTROYED, and a second destroy does too:
 * the handle's record is kept so that the misuse is detected. Only the records of the
 * 1024 most recently destroyed runtimes are kept; an older record may be reused by a
 * new runtime, and a stale handle to it then reaches that runtime.
 * Dataflow contexts (pel/data.h) must be destroyed first: while one is alive on `rt`,
 * destroy returns PEL_EBUSY and changes nothing.
 * Returns PEL_OK, PEL_EINVAL (NULL), PEL_EBUSY, PEL_EDEADLK or PEL_EDESTROYED. */
int pel_runtime_destroy(pel_runtime *rt);

/* pel_runtime_default: the process-wide default runtime, created with default settings
 * the first time anything asks for it. Returns NULL only if it could not be created
 * (out of memory, no thread could start, or a malformed PEL_NUM_WORKERS); the cause is
 * then returned by pel_runtime_default_error(). Thread-safe. */
pel_runtime *pel_runtime_default(void);

/* pel_runtime_default_error: why the default runtime could not be created, or PEL_OK. */
int pel_runtime_default_error(void);

/* pel_runtime_num_workers: the number of worker threads of `rt` (NULL: the default
 * runtime), or a negative error code (PEL_EDESTROYED, PEL_EINVAL). */
int pel_runtime_num_workers(pel_runtime *rt);

/* pel_worker_index: the index (0 .. num_workers-1) of the calling thread within the
 * runtime it works for, or -1 if the calling thread is not a pel worker. */
int pel_worker_index(void);

/* What a runtime knows about the machine it runs on. */
typedef struct pel_topology {
    int packages;     /* CPU packages (sockets); 1 when unknown */
    int cores;        /* physical cores usable by this process */
    int pus;          /* processing units (hardware threads) usable by this process */
    int from_hwloc;   /* 1 when the figures come from hwloc, 0 when from the OS alone */
    int num_workers;  /* worker threads of this runtime */
    int pinned;       /* 1 when workers are pinned to CPUs */
} pel_topology;

/* pel_runtime_topology: describe the machine and the runtime's use of it in *out.
 * Returns PEL_OK, PEL_EINVAL (out is NULL) or PEL_EDESTROYED. rt NULL: the default. */
int pel_runtime_topology(pel_runtime *rt, pel_topology *out);

/* pel_runtime_worker_cpu: the operating-system CPU number worker `worker` is pinned to,
 * or -1 when it is not pinned; PEL_EINVAL for an index out of range. */
int pel_runtime_worker_cpu(pel_runtime *rt, int worker);

#ifdef __cplusplus
}
#endif

#endif /* PEL_RUNTIME_H */
