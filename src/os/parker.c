/* parker.c — futex-based parking with a token.
 *
 * Big theory. The state word moves EMPTY -> PARKED (owner, about to sleep) and back, or
 * to NOTIFIED (any unparker). park() decrements: from NOTIFIED it lands on EMPTY and
 * returns (token consumed); from EMPTY it lands on PARKED and sleeps in FUTEX_WAIT,
 * which only sleeps while the word still reads PARKED, so an unpark() that already
 * swapped in NOTIFIED makes it return at once. unpark() swaps in NOTIFIED and calls
 * FUTEX_WAKE only when the old value was PARKED, so an unpark costs one atomic exchange
 * when nobody sleeps. Same protocol as the thread parkers of several language runtimes;
 * written here from the futex(2) man page's rules.
 */
#include "os/parker.h"

#include <errno.h>
#include <limits.h>
#include <linux/futex.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

static void futex_wait(_Atomic int32_t *word, int32_t expected, int timeout_ms)
{
    struct timespec ts, *tsp = NULL;
    if (timeout_ms > 0) {
        ts.tv_sec = timeout_ms / 1000;
        ts.tv_nsec = (long)(timeout_ms % 1000) * 1000000L;
        tsp = &ts;
    }
    /* EINTR, EAGAIN (word changed) and ETIMEDOUT all mean "re-check": callers loop. */
    (void)syscall(SYS_futex, (int32_t *)word, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
}

static void futex_wake_one(_Atomic int32_t *word)
{
    (void)syscall(SYS_futex, (int32_t *)word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

int pel__parker_park(pel__parker *p, int timeout_ms)
{
    /* acquire: pairs with the release exchange in unpark, so what the unparker wrote
     * before waking us is visible once we return with its token. */
    if (atomic_fetch_sub_explicit(&p->state, 1, memory_order_acquire) == PEL__PARKER_NOTIFIED)
        return 1; /* token consumed: state is EMPTY again */
    for (;;) {
        futex_wait(&p->state, PEL__PARKER_PARKED, timeout_ms);
        int32_t notified = PEL__PARKER_NOTIFIED;
        /* acquire: as above. */
        if (atomic_compare_exchange_strong_explicit(&p->state, &notified, PEL__PARKER_EMPTY,
                                                    memory_order_acquire,
                                                    memory_order_relaxed))
            return 1;
        if (timeout_ms > 0) {
            /* Timed out or woke spuriously: back to EMPTY. The exchange also consumes a
             * token that arrived meanwhile. acquire: as above. */
            return atomic_exchange_explicit(&p->state, PEL__PARKER_EMPTY, memory_order_acquire) ==
                   PEL__PARKER_NOTIFIED;
        }
    }
}

void pel__parker_unpark(pel__parker *p)
{
    /* release: pairs with the acquire in park (see there). */
    if (atomic_exchange_explicit(&p->state, PEL__PARKER_NOTIFIED, memory_order_release) ==
        PEL__PARKER_PARKED)
        futex_wake_one(&p->state);
}

uint64_t pel__now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}
