/* bench/sys_futex.c — the operating system's floor for the wake benchmark: no runtime, one
 * thread parked on a futex and woken directly with FUTEX_WAKE. Whatever a runtime adds on
 * top of this is its own cost; what this costs is the kernel's and the (virtual) machine's.
 * The thread is not pinned, like the threads of libgomp, libomp and oneTBB. */
#define _GNU_SOURCE
#include <linux/futex.h>
#include <pthread.h>
#include <stdatomic.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "common.h"

static atomic_int go;   /* 1: run a trial; 2: exit */
static atomic_int done; /* 1: the trial's start time is in `when` */
static double when;
static pthread_t waiter;

static void futex_wait(atomic_int *word, int expected)
{
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake(atomic_int *word)
{
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

static void *waiter_main(void *arg)
{
    (void)arg;
    for (;;) {
        int g;
        while ((g = atomic_load_explicit(&go, memory_order_acquire)) == 0)
            futex_wait(&go, 0);
        if (g == 2)
            return NULL;
        when = bench_now();
        atomic_store_explicit(&go, 0, memory_order_relaxed);
        /* Publishes `when`; pairs with the acquire load in futex_wake_trial. */
        atomic_store_explicit(&done, 1, memory_order_release);
        futex_wake(&done);
    }
}

static int futex_setup(int workers)
{
    (void)workers;
    return pthread_create(&waiter, NULL, waiter_main, NULL);
}

static void futex_teardown(void)
{
    atomic_store_explicit(&go, 2, memory_order_release);
    futex_wake(&go);
    pthread_join(waiter, NULL);
}

static double futex_wake_trial(double *started)
{
    double t0 = bench_now();
    /* Pairs with the acquire load in waiter_main. */
    atomic_store_explicit(&go, 1, memory_order_release);
    futex_wake(&go);
    while (atomic_load_explicit(&done, memory_order_acquire) == 0)
        futex_wait(&done, 0);
    atomic_store_explicit(&done, 0, memory_order_relaxed);
    *started = when;
    return t0;
}

static void futex_touch(void)
{
    double started;
    futex_wake_trial(&started);
}

const bench_system bench_system_impl = {
    .name = "futex",
    .setup = futex_setup,
    .teardown = futex_teardown,
    .touch = futex_touch,
    .wake_trial = futex_wake_trial,
};
