/* clock.c — converting time-stamp-counter ticks to nanoseconds since the trace start.
 *
 * The counter's rate is measured against the monotonic clock between the trace start and
 * the conversion (at export): over the tens of milliseconds or more a trace lasts, that
 * is accurate to far better than a microsecond per second. Short traces re-measure over
 * at least 10 ms so that the rate is never guessed from a few microseconds.
 */
#include <time.h>

#include "trace/trace_internal.h"

static uint64_t start_ticks, start_ns;
static double ns_per_tick = 1.0;

void pel__trace_clock_start(void)
{
    (void)pel__trace_ticks_per_us(); /* measured now, not in the first task's time */
    start_ns = pel__now_ns();
    start_ticks = pel__trace_clock();
}

/* Measure the rate (called by the exporter, single-threaded with respect to itself). */
void pel__trace_clock_calibrate(void)
{
#if defined(__x86_64__) || defined(__i386__)
    uint64_t ns = pel__now_ns(), ticks = pel__trace_clock();
    if (ns - start_ns < 10000000) {
        /* Too short a baseline: measure 10 ms now. */
        uint64_t ns0 = pel__now_ns(), t0 = pel__trace_clock();
        struct timespec d = {0, 10000000};
        nanosleep(&d, NULL);
        ns = pel__now_ns();
        ticks = pel__trace_clock();
        if (ticks > t0) ns_per_tick = (double)(ns - ns0) / (double)(ticks - t0);
    } else if (ticks > start_ticks) {
        ns_per_tick = (double)(ns - start_ns) / (double)(ticks - start_ticks);
    }
#else
    ns_per_tick = 1.0;
#endif
}

double pel__trace_ns(uint64_t ticks)
{
    if (ticks < start_ticks) return 0;
    return (double)(ticks - start_ticks) * ns_per_tick;
}

/* Ticks per microsecond, roughly (for thresholds). */
uint64_t pel__trace_ticks_per_us(void)
{
#if defined(__x86_64__) || defined(__i386__)
    /* A rough rate at the start: measured over 1 ms once per process. */
    static _Atomic uint64_t cached;
    uint64_t v = atomic_load_explicit(&cached, memory_order_relaxed);
    if (v) return v;
    uint64_t ns0 = pel__now_ns(), t0 = pel__trace_clock();
    while (pel__now_ns() - ns0 < 1000000) pel__cpu_relax();
    uint64_t ns1 = pel__now_ns(), t1 = pel__trace_clock();
    v = (t1 - t0) * 1000 / (ns1 - ns0);
    if (v == 0) v = 1;
    atomic_store_explicit(&cached, v, memory_order_relaxed);
    return v;
#else
    return 1000;
#endif
}
