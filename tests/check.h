/* check.h — typed assertions for pel's tests.
 *
 * CHECK_* print both values and the location, then abort the test process: each test is
 * its own executable, run by CTest with a timeout, so one failure never hides another
 * test's result. Helpers read the worker count a test should use from PEL_TEST_WORKERS.
 */
#ifndef PEL_TEST_CHECK_H
#define PEL_TEST_CHECK_H

#include <inttypes.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <pel.h>

#define CHECK_FAIL_(...)                                                                  \
    do {                                                                                   \
        fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__);                      \
        fprintf(stderr, __VA_ARGS__);                                                      \
        fputc('\n', stderr);                                                               \
        abort();                                                                           \
    } while (0)

#define CHECK(cond)                                                                        \
    do {                                                                                   \
        if (!(cond)) CHECK_FAIL_("%s", #cond);                                             \
    } while (0)

#define CHECK_OP_(a, op, b)                                                                \
    do {                                                                                   \
        intmax_t check_a_ = (intmax_t)(a), check_b_ = (intmax_t)(b);                       \
        if (!(check_a_ op check_b_))                                                       \
            CHECK_FAIL_("%s %s %s (%jd vs %jd)", #a, #op, #b, check_a_, check_b_);         \
    } while (0)

#define CHECK_EQ(a, b) CHECK_OP_(a, ==, b)
#define CHECK_NE(a, b) CHECK_OP_(a, !=, b)
#define CHECK_LT(a, b) CHECK_OP_(a, <, b)
#define CHECK_LE(a, b) CHECK_OP_(a, <=, b)
#define CHECK_GT(a, b) CHECK_OP_(a, >, b)
#define CHECK_GE(a, b) CHECK_OP_(a, >=, b)

/* CHECK_RC: a pel call returned `expected`; on mismatch print both codes by name. */
#define CHECK_RC(call, expected)                                                           \
    do {                                                                                   \
        int check_rc_ = (call), check_ex_ = (expected);                                    \
        if (check_rc_ != check_ex_)                                                        \
            CHECK_FAIL_("%s returned %d (%s), expected %d (%s)", #call, check_rc_,         \
                        pel_errname(check_rc_), check_ex_, pel_errname(check_ex_));        \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, 0)

#define CHECK_STREQ(a, b)                                                                  \
    do {                                                                                   \
        const char *check_a_ = (a), *check_b_ = (b);                                       \
        if (strcmp(check_a_, check_b_) != 0)                                               \
            CHECK_FAIL_("%s == %s (\"%s\" vs \"%s\")", #a, #b, check_a_, check_b_);        \
    } while (0)

/* The worker count this run of the test should use (PEL_TEST_WORKERS, default 2). */
static inline int test_workers(void)
{
    const char *s = getenv("PEL_TEST_WORKERS");
    int n = s ? atoi(s) : 2;
    return n > 0 ? n : 2;
}

/* A small deterministic PRNG (splitmix64) so failures reproduce from the printed seed. */
static inline uint64_t test_rand(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* Scale for loop counts: PEL_TEST_SCALE (default 1); sanitizer builds set it lower. */
static inline double test_scale(void)
{
    const char *s = getenv("PEL_TEST_SCALE");
    double v = s ? atof(s) : 1.0;
    return v > 0 ? v : 1.0;
}

/* The seed of a randomized test: PEL_TEST_SEED if set, else `fallback`. It is printed so
 * that a failing run (CTest shows the output of failures) can be reproduced exactly. */
static inline uint64_t test_seed(uint64_t fallback)
{
    const char *s = getenv("PEL_TEST_SEED");
    uint64_t seed = s ? strtoull(s, NULL, 0) : fallback;
    fprintf(stderr, "seed %#" PRIx64 " (rerun with PEL_TEST_SEED=%#" PRIx64 ")\n", seed, seed);
    return seed;
}

/* A count scaled by test_scale(), but never below `min`. */
static inline long test_scaled(long n, long min)
{
    long v = (long)((double)n * test_scale());
    return v > min ? v : min;
}

/* Sleep for `us` microseconds (restarting after signals). */
static inline void test_sleep_us(long us)
{
    struct timespec ts = {us / 1000000, (us % 1000000) * 1000L};
    while (nanosleep(&ts, &ts) != 0) {
    }
}

/* Sleep for `ms` milliseconds (restarting after signals). */
static inline void test_sleep_ms(long ms)
{
    test_sleep_us(ms * 1000);
}

/* Monotonic time in seconds, for the few tests that look at time at all. */
static inline double test_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* The number of threads in this process (Linux: /proc/self/status), or -1. */
static inline int test_thread_count(void)
{
    FILE *f = fopen("/proc/self/status", "r");
    if (!f) return -1;
    char line[256];
    int n = -1;
    while (fgets(line, sizeof(line), f))
        if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
    fclose(f);
    return n;
}

static inline void *test_noop_thread_(void *arg)
{
    return arg;
}

/* The thread count without workers, measured after one thread has come and gone (so
 * that helper threads a sanitizer starts with the first thread are counted) and after a
 * runtime has come and gone (so that pel's one process-wide thread, which prints
 * diagnoses on SIGUSR1, is counted). */
static inline int test_base_thread_count(void)
{
    pthread_t tid;
    if (pthread_create(&tid, NULL, test_noop_thread_, NULL) == 0) pthread_join(tid, NULL);
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = 1;
    pel_runtime *rt;
    if (pel_runtime_create(&cfg, &rt) == PEL_OK) pel_runtime_destroy(rt);
    return test_thread_count();
}

#endif /* PEL_TEST_CHECK_H */
