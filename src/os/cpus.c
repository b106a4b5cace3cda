/* cpus.c — usable CPUs: the affinity mask and a cgroup CPU quota. */
#include "os/cpus.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int pel__allowed_cpus(int *cpus, int max)
{
    cpu_set_t set;
    int n = 0;
    if (sched_getaffinity(0, sizeof(set), &set) == 0) {
        for (int c = 0; c < CPU_SETSIZE && n < max; c++)
            if (CPU_ISSET(c, &set)) cpus[n++] = c;
    }
    if (n == 0) {
        long online = sysconf(_SC_NPROCESSORS_ONLN);
        if (online < 1) online = 1;
        for (int c = 0; c < online && n < max; c++) cpus[n++] = c;
    }
    return n;
}

/* Read two integers "quota period" (v2: "max" as quota means no limit) from a file. */
static int quota_from_file(const char *path, int v2)
{
    FILE *f = fopen(path, "r");
    if (!f) return 0;
    char quota[32] = {0};
    long period = 0;
    int got = v2 ? fscanf(f, "%31s %ld", quota, &period) : fscanf(f, "%31s", quota);
    fclose(f);
    if (got < 1 || strcmp(quota, "max") == 0) return 0;
    long q = strtol(quota, NULL, 10);
    if (!v2) {
        char ppath[512];
        snprintf(ppath, sizeof(ppath), "%.*s/cpu.cfs_period_us",
                 (int)(strrchr(path, '/') - path), path);
        FILE *pf = fopen(ppath, "r");
        if (!pf) return 0;
        if (fscanf(pf, "%ld", &period) != 1) period = 0;
        fclose(pf);
    }
    if (q <= 0 || period <= 0) return 0;
    return (int)((q + period - 1) / period);
}

int pel__cgroup_cpu_limit(void)
{
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (!f) return 0;
    char line[512], path[600];
    int limit = 0;
    while (!limit && fgets(line, sizeof(line), f)) {
        line[strcspn(line, "\n")] = 0;
        char *rest = strchr(line, ':');
        char *cg = rest ? strchr(rest + 1, ':') : NULL;
        if (!cg) continue;
        *cg++ = 0;
        if (strncmp(line, "0", 1) == 0 && rest[1] == 0) { /* v2: "0::/path" */
            snprintf(path, sizeof(path), "/sys/fs/cgroup%s/cpu.max", cg);
            limit = quota_from_file(path, 1);
            if (!limit) limit = quota_from_file("/sys/fs/cgroup/cpu.max", 1);
        } else if (strstr(rest + 1, "cpu") && !strstr(rest + 1, "cpuset")) { /* v1 */
            snprintf(path, sizeof(path), "/sys/fs/cgroup/cpu,cpuacct%s/cpu.cfs_quota_us", cg);
            limit = quota_from_file(path, 0);
            if (!limit) limit = quota_from_file("/sys/fs/cgroup/cpu/cpu.cfs_quota_us", 0);
        }
    }
    fclose(f);
    return limit;
}

int pel__default_worker_count(void)
{
    int cpus[CPU_SETSIZE];
    int n = pel__allowed_cpus(cpus, CPU_SETSIZE);
    int quota = pel__cgroup_cpu_limit();
    if (quota > 0 && quota < n) n = quota;
    return n > 0 ? n : 1;
}

int pel__parse_positive(const char *s, int max)
{
    if (!s || !*s) return -1;
    errno = 0;
    char *end = NULL;
    long v = strtol(s, &end, 10);
    if (errno || *end != 0 || end == s || v < 1 || v > max) return -1;
    return (int)v;
}
