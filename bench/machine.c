/* bench/machine.c — the host: errors, time, CPUs, load, and how busy other processes
 * keep the machine. */
#define _GNU_SOURCE
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "driver.h"

int exit_status;

void fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "bench: error: ");
    vfprintf(stderr, fmt, ap);
    fprintf(stderr, "\n");
    va_end(ap);
    exit_status = 1;
}

void *xrealloc(void *p, size_t bytes)
{
    p = realloc(p, bytes);
    if (p == NULL) {
        fprintf(stderr, "bench: out of memory\n");
        exit(1);
    }
    return p;
}

double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

int usable_cpus(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0)
        return CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (int)n : 1;
}

/* The three load averages, as /proc/loadavg has them ("?" if unknown). */
const char *load_average(void)
{
    static char buf[64];
    snprintf(buf, sizeof buf, "?");
    FILE *f = fopen("/proc/loadavg", "r");
    if (f) {
        double a, b, c;
        if (fscanf(f, "%lf %lf %lf", &a, &b, &c) == 3)
            snprintf(buf, sizeof buf, "%.2f %.2f %.2f", a, b, c);
        fclose(f);
    }
    return buf;
}

void cpu_model(char *out, size_t size)
{
    snprintf(out, size, "unknown");
    FILE *f = fopen("/proc/cpuinfo", "r");
    if (f == NULL)
        return;
    char line[512];
    while (fgets(line, sizeof line, f))
        if (strncmp(line, "model name", 10) == 0) {
            char *v = strchr(line, ':');
            if (v) {
                v += 1 + strspn(v + 1, " \t");
                v[strcspn(v, "\n")] = '\0';
                snprintf(out, size, "%s", v);
            }
            break;
        }
    fclose(f);
}

/* Busy and total jiffies of all CPUs, from /proc/stat; 0 on failure. */
static int cpu_jiffies(unsigned long long *busy, unsigned long long *total)
{
    FILE *f = fopen("/proc/stat", "r");
    if (f == NULL)
        return 0;
    unsigned long long v[8] = {0};
    int got = fscanf(f, "cpu %llu %llu %llu %llu %llu %llu %llu %llu", &v[0], &v[1], &v[2], &v[3],
                     &v[4], &v[5], &v[6], &v[7]);
    fclose(f);
    if (got < 5)
        return 0;
    *total = 0;
    for (int i = 0; i < 8; i++)
        *total += v[i];
    *busy = *total - v[3] - v[4]; /* all but idle and iowait */
    return 1;
}

/* How many CPUs the other processes keep busy, measured over `seconds`; -1 if unknown. */
double cpus_busy(double seconds)
{
    unsigned long long b0, t0, b1, t1;
    if (!cpu_jiffies(&b0, &t0))
        return -1;
    struct timespec ts = {(time_t)seconds, (long)((seconds - (double)(time_t)seconds) * 1e9)};
    nanosleep(&ts, NULL);
    if (!cpu_jiffies(&b1, &t1) || t1 == t0)
        return -1;
    return (double)(b1 - b0) / (double)(t1 - t0) * usable_cpus();
}

/* --wait-idle: wait (up to max_seconds) until the other processes on the machine use less
 * than 10% of one CPU over a quarter of a second. Returns 0 when it is quiet, 1 if it gave
 * up waiting. */
int wait_for_quiet(double max_seconds)
{
    double give_up = now_s() + max_seconds;
    do {
        double busy = cpus_busy(0.25);
        if (busy < 0.1) /* quiet, or unknown */
            return 0;
    } while (now_s() < give_up);
    return 1;
}
