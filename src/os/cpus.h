/* cpus.h — which CPUs this process may use. */
#ifndef PEL_OS_CPUS_H
#define PEL_OS_CPUS_H

#include <pthread.h>
#include <sched.h>

/* The CPUs in this process's affinity mask, in increasing order, stored in cpus[0..n)
 * (at most `max`); returns n >= 1 (falls back to CPU 0 .. nprocs-1 if the mask is
 * unavailable). */
int pel__allowed_cpus(int *cpus, int max);

/* How many CPUs' worth of time a cgroup quota (v2 cpu.max or v1 cfs_quota_us) grants
 * this process, rounded up; 0 when there is no quota or it cannot be read. */
int pel__cgroup_cpu_limit(void);

/* The default worker count: allowed CPUs, capped by the cgroup quota; at least 1. */
int pel__default_worker_count(void);

/* Parse a strictly positive decimal integer no larger than `max` from `s`; returns it,
 * or -1 if `s` is malformed or out of range. */
int pel__parse_positive(const char *s, int max);

#endif /* PEL_OS_CPUS_H */
