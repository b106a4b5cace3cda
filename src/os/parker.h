/* parker.h — park and unpark one thread (a futex word with a wake-up token).
 *
 * Each thread that may block in pel owns one parker. unpark() leaves a token: a park()
 * that follows consumes it and returns at once, so a wake-up that races ahead of the
 * park is never lost. park() may also return spuriously or on timeout; callers re-check
 * their condition in a loop.
 */
#ifndef PEL_OS_PARKER_H
#define PEL_OS_PARKER_H

#include <stdatomic.h>
#include <stdint.h>

typedef struct pel__parker {
    /* PEL__PARKER_EMPTY, _PARKED (the owner sleeps or is about to) or _NOTIFIED. */
    _Atomic int32_t state;
} pel__parker;

#define PEL__PARKER_EMPTY 0
#define PEL__PARKER_PARKED (-1)
#define PEL__PARKER_NOTIFIED 1

static inline void pel__parker_init(pel__parker *p)
{
    atomic_init(&p->state, PEL__PARKER_EMPTY);
}

/* Owner only: sleep until unparked, or until `timeout_ms` passed (<= 0: no timeout).
 * Consumes the token if one is present. Returns 1 when it consumed a token (it was
 * unparked), 0 when the time ran out (or it woke spuriously) without one. */
int pel__parker_park(pel__parker *p, int timeout_ms);
/* Any thread: wake the owner, or leave a token for its next park. */
void pel__parker_unpark(pel__parker *p);

/* A monotonic clock in nanoseconds. */
uint64_t pel__now_ns(void);

#endif /* PEL_OS_PARKER_H */
