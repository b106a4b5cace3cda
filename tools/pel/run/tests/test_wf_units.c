/* test_wf_units — the loader's building blocks: numbers with units, lexical path
 * normalisation, the hash map and the arena's limit. */
#include <math.h>

#include "check.h"
#include "wf_arena.h"
#include "wf_map.h"
#include "wf_path.h"
#include "wf_units.h"

static double dur(const char *s)
{
    double d = -1;
    CHECK_EQ(wf_parse_duration(s, strlen(s), &d), 0);
    return d;
}

static int dur_bad(const char *s)
{
    double d = 12345;
    int r = wf_parse_duration(s, strlen(s), &d);
    CHECK(d == 12345); /* nothing written on failure */
    return r != 0;
}

static uint64_t size(const char *s)
{
    uint64_t v = 0;
    CHECK_EQ(wf_parse_size(s, strlen(s), &v), 0);
    return v;
}

static int size_bad(const char *s)
{
    uint64_t v;
    return wf_parse_size(s, strlen(s), &v) != 0;
}

static void test_durations(void)
{
    CHECK(dur("90") == 90);
    CHECK(dur("1.5") == 1.5);
    CHECK(dur("0") == 0);
    CHECK(dur("500ms") == 0.5);
    CHECK(dur("30s") == 30);
    CHECK(dur("10m") == 600);
    CHECK(dur("2h") == 7200);
    CHECK(dur("1d") == 86400);
    CHECK(dur("1h30m") == 5400);
    CHECK(dur("1m 30s") == 90);
    CHECK(dur("1h2m3s4ms") == 3723.004);
    CHECK(fabs(dur("1.5m") - 90) < 1e-9);
    CHECK(dur("2e3") == 2000);
    CHECK(dur(".5") == 0.5);
    CHECK(dur_bad(""));
    CHECK(dur_bad("s"));
    CHECK(dur_bad("-1"));
    CHECK(dur_bad("-1s"));
    CHECK(dur_bad("10x"));
    CHECK(dur_bad("10 20"));
    CHECK(dur_bad("1h30"));
    CHECK(dur_bad("inf"));
    CHECK(dur_bad("nan"));
    CHECK(dur_bad("1e999"));
    CHECK(dur_bad("5S"));
}

static void test_sizes(void)
{
    CHECK_EQ(size("0"), 0);
    CHECK_EQ(size("1048576"), 1048576);
    CHECK_EQ(size("512M"), 512ull << 20);
    CHECK_EQ(size("512m"), 512ull << 20);
    CHECK_EQ(size("512MB"), 512ull << 20);
    CHECK_EQ(size("512MiB"), 512ull << 20);
    CHECK_EQ(size("64 kb"), 64ull << 10);
    CHECK_EQ(size("2G"), 2ull << 30);
    CHECK_EQ(size("1T"), 1ull << 40);
    CHECK_EQ(size("1.5G"), 3ull << 29);
    CHECK_EQ(size("100B"), 100);
    CHECK_EQ(size("1e3"), 1000);
    CHECK_EQ(size("16777215T"), 16777215ull << 40);
    CHECK(size_bad("16777216T")); /* 2^64: overflows */
    CHECK(size_bad("18446744073709551616"));
    CHECK(size_bad(""));
    CHECK(size_bad("M"));
    CHECK(size_bad("-1M"));
    CHECK(size_bad("1X"));
    CHECK(size_bad("1MX"));
    CHECK(size_bad("1Mi"));
    CHECK(size_bad("1Bi"));
    CHECK(size_bad("1 2"));
}

static void test_ints(void)
{
    int64_t v;
    CHECK_EQ(wf_parse_int("42", 2, &v), 0);
    CHECK_EQ(v, 42);
    CHECK_EQ(wf_parse_int("-7", 2, &v), 0);
    CHECK_EQ(v, -7);
    CHECK_EQ(wf_parse_int("+7", 2, &v), 0);
    CHECK_EQ(v, 7);
    CHECK_EQ(wf_parse_int("9223372036854775807", 19, &v), 0);
    CHECK_EQ(v, INT64_MAX);
    CHECK_EQ(wf_parse_int("-9223372036854775808", 20, &v), 0);
    CHECK_EQ(v, INT64_MIN);
    CHECK_NE(wf_parse_int("9223372036854775808", 19, &v), 0);
    CHECK_NE(wf_parse_int("1.0", 3, &v), 0);
    CHECK_NE(wf_parse_int("", 0, &v), 0);
    CHECK_NE(wf_parse_int("-", 1, &v), 0);
    CHECK_NE(wf_parse_int("0x10", 4, &v), 0);
}

static void check_path(const char *dir, const char *p, const char *want)
{
    wf_arena *a = wf_arena_new(1 << 20);
    CHECK(a != NULL);
    const char *got = wf_path_resolve(a, dir, p, strlen(p));
    CHECK(got != NULL);
    CHECK_STREQ(got, want);
    wf_arena_free(a);
}

static void test_paths(void)
{
    check_path("/base", "a.txt", "/base/a.txt");
    check_path("/base", "a/./b/../c", "/base/a/c");
    check_path("/base", "./a//b/", "/base/a/b");
    check_path("/base", "..", "/");
    check_path("/base", "../../../x", "/x");
    check_path("/base", "/abs//x/./y/..", "/abs/x");
    check_path("/base", "/", "/");
    check_path("/", "x", "/x");
    check_path("/base/dir", "..foo/.bar", "/base/dir/..foo/.bar");
    check_path("/base", ".", "/base");
}

static void test_map(void)
{
    wf_map m;
    CHECK_EQ(wf_map_init(&m, 0), 0);
    enum { N = 20000 };
    static char keys[N][16];
    for (uint32_t i = 0; i < N; i++) {
        snprintf(keys[i], sizeof keys[i], "k-%u", i);
        CHECK_EQ(wf_map_put(&m, keys[i], strlen(keys[i]), i, 0, NULL), 0);
    }
    CHECK_EQ(m.n, N);
    for (uint32_t i = 0; i < N; i++) CHECK_EQ(wf_map_get(&m, keys[i], strlen(keys[i])), i);
    CHECK_EQ(wf_map_get(&m, "k-", 2), WF_MAP_NONE);
    CHECK_EQ(wf_map_get(&m, "k-1x", 4), WF_MAP_NONE);
    uint32_t old = 0;
    CHECK_EQ(wf_map_put(&m, "k-5", 3, 99, 0, &old), 1);
    CHECK_EQ(old, 5);
    CHECK_EQ(wf_map_get(&m, "k-5", 3), 5);
    CHECK_EQ(wf_map_put(&m, "k-5", 3, 99, 1, &old), 1);
    CHECK_EQ(wf_map_get(&m, "k-5", 3), 99);
    CHECK_EQ(wf_map_put(&m, "", 0, 7, 0, NULL), 0);
    CHECK_EQ(wf_map_get(&m, "", 0), 7);
    wf_map_free(&m);
}

static void test_arena(void)
{
    wf_arena *a = wf_arena_new(1 << 20);
    CHECK(a != NULL);
    char *s = wf_arena_strndup(a, "hello", 3);
    CHECK_STREQ(s, "hel");
    void *p = wf_arena_alloc(a, 1000);
    CHECK(p != NULL && ((uintptr_t)p % 16) == 0);
    wf_arena_trim(a, p, 10);
    char *q = wf_arena_alloc(a, 8);
    CHECK(q == (char *)p + 16); /* the trimmed tail was given back */
    CHECK(wf_arena_alloc(a, 200000) != NULL); /* a chunk of its own */
    CHECK(!wf_arena_over_limit(a));
    CHECK(wf_arena_alloc(a, 2 << 20) == NULL);
    CHECK(wf_arena_over_limit(a));
    wf_arena_free(a);
}

int main(void)
{
    test_durations();
    test_sizes();
    test_ints();
    test_paths();
    test_map();
    test_arena();
    puts("test_wf_units: ok");
    return 0;
}
