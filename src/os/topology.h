/* topology.h — the machine's packages, cores and processing units, and the CPU each
 * worker should be pinned to. Uses hwloc when pel is built with it (PEL_HAVE_HWLOC). */
#ifndef PEL_OS_TOPOLOGY_H
#define PEL_OS_TOPOLOGY_H

typedef struct pel__topology {
    int packages, cores, pus;
    int from_hwloc;
    /* CPUs in the order workers should take them: one PU of each core first, then the
     * second hardware thread of each core, and so on. */
    int *cpu_order;
    int ncpu_order;
} pel__topology;

/* Discover the topology of the CPUs this process may use. Returns 0 or PEL_ENOMEM. */
int pel__topology_load(pel__topology *t);
void pel__topology_free(pel__topology *t);

#endif /* PEL_OS_TOPOLOGY_H */
