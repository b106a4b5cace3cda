/* test_parker.c — stress of the futex parker (src/os/parker.c): tokens are never lost.
 *
 * Two threads hand a baton back and forth 10^5 times (scaled), each parking until the
 * other unparks it: a lost wake-up would hang (and the CTest timeout fails the test).
 * A third phase unparks before the park (the token must make park return at once) and
 * checks that a timed park without a token returns.
 */
// pel-test: workers=1
#include <pthread.h>
#include <stdatomic.h>

#include "check.h"
#include "os/parker.h"

typedef struct baton {
    pel__parker parker[2];
    _Atomic long turn; /* whose turn: even = thread 0, odd = thread 1 */
    long rounds;
} baton;

static baton b;

static void *player(void *arg)
{
    long me = (long)(intptr_t)arg;
    for (;;) {
        long t = atomic_load(&b.turn);
        if (t >= b.rounds) break;
        if ((t & 1) != me) {
            pel__parker_park(&b.parker[me], 0);
            continue; /* spurious wake-ups and stale tokens are allowed: re-check */
        }
        atomic_store(&b.turn, t + 1);
        pel__parker_unpark(&b.parker[!me]);
    }
    /* Release the other player if it parks after the last turn. */
    pel__parker_unpark(&b.parker[!me]);
    return NULL;
}

static void test_ping_pong(void)
{
    b.rounds = (long)(100000 * test_scale());
    if (b.rounds < 1000) b.rounds = 1000;
    pel__parker_init(&b.parker[0]);
    pel__parker_init(&b.parker[1]);
    atomic_store(&b.turn, 0);
    pthread_t th[2];
    for (long i = 0; i < 2; i++)
        CHECK_EQ(pthread_create(&th[i], NULL, player, (void *)(intptr_t)i), 0);
    for (int i = 0; i < 2; i++) CHECK_EQ(pthread_join(th[i], NULL), 0);
    CHECK_EQ(atomic_load(&b.turn), b.rounds);
}

static void test_token_and_timeout(void)
{
    pel__parker p;
    pel__parker_init(&p);
    pel__parker_unpark(&p);
    /* The token makes this return at once (else: hang), saying it was unparked. */
    CHECK_EQ(pel__parker_park(&p, 0), 1);
    CHECK_EQ(atomic_load(&p.state), PEL__PARKER_EMPTY);
    CHECK_EQ(pel__parker_park(&p, 20), 0); /* no token: returns by the timeout (else: hang) */
    CHECK_EQ(atomic_load(&p.state), PEL__PARKER_EMPTY);
    pel__parker_unpark(&p);
    CHECK_EQ(pel__parker_park(&p, 20), 1); /* a token, with a timeout too */
    /* Two unparks leave one token, not two. */
    pel__parker_unpark(&p);
    pel__parker_unpark(&p);
    CHECK_EQ(pel__parker_park(&p, 0), 1);
    CHECK_EQ(atomic_load(&p.state), PEL__PARKER_EMPTY);
    CHECK_EQ(pel__parker_park(&p, 20), 0);
}

int main(void)
{
    test_token_and_timeout();
    test_ping_pong();
    return 0;
}
