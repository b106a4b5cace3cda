/* topology.c — machine topology from hwloc, or from the affinity mask alone. */
#include "os/topology.h"

#include <sched.h>
#include <stdlib.h>
#include <string.h>

#include "os/cpus.h"
#include "pel/error.h"

#ifdef PEL_HAVE_HWLOC
#include <hwloc.h>

/* Fill t from hwloc; returns 0, or -1 to fall back to the OS view. */
static int topology_from_hwloc(pel__topology *t, const int *allowed, int nallowed)
{
    hwloc_topology_t topo;
    if (hwloc_topology_init(&topo) != 0) return -1;
    if (hwloc_topology_load(topo) != 0) {
        hwloc_topology_destroy(topo);
        return -1;
    }
    int ncores = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_CORE);
    int npkg = hwloc_get_nbobjs_by_type(topo, HWLOC_OBJ_PACKAGE);
    int n = 0, usable_cores = 0;
    /* Pass k takes the k-th PU of every core, so workers spread over cores first. */
    for (int k = 0; n < nallowed && k < 64; k++) {
        int took = 0;
        for (int c = 0; c < ncores; c++) {
            hwloc_obj_t core = hwloc_get_obj_by_type(topo, HWLOC_OBJ_CORE, (unsigned)c);
            hwloc_obj_t pu = hwloc_get_obj_inside_cpuset_by_type(topo, core->cpuset,
                                                                 HWLOC_OBJ_PU, (unsigned)k);
            if (!pu) continue;
            for (int i = 0; i < nallowed; i++) {
                if (allowed[i] == (int)pu->os_index) {
                    t->cpu_order[n++] = (int)pu->os_index;
                    took++;
                    break;
                }
            }
        }
        if (k == 0) usable_cores = took;
        if (!took) break;
    }
    hwloc_topology_destroy(topo);
    if (n == 0) return -1;
    t->ncpu_order = n;
    t->pus = n;
    t->cores = usable_cores > 0 ? usable_cores : n;
    t->packages = npkg > 0 ? npkg : 1;
    t->from_hwloc = 1;
    return 0;
}
#endif

int pel__topology_load(pel__topology *t)
{
    memset(t, 0, sizeof(*t));
    int *allowed = malloc(sizeof(int) * CPU_SETSIZE);
    t->cpu_order = malloc(sizeof(int) * CPU_SETSIZE);
    if (!allowed || !t->cpu_order) {
        free(allowed);
        free(t->cpu_order);
        t->cpu_order = NULL;
        return PEL_ENOMEM;
    }
    int nallowed = pel__allowed_cpus(allowed, CPU_SETSIZE);
#ifdef PEL_HAVE_HWLOC
    if (topology_from_hwloc(t, allowed, nallowed) == 0) {
        free(allowed);
        return PEL_OK;
    }
#endif
    memcpy(t->cpu_order, allowed, sizeof(int) * (size_t)nallowed);
    t->ncpu_order = t->pus = t->cores = nallowed;
    t->packages = 1;
    t->from_hwloc = 0;
    free(allowed);
    return PEL_OK;
}

void pel__topology_free(pel__topology *t)
{
    free(t->cpu_order);
    t->cpu_order = NULL;
}
