/* test_error.c — the error table (pel_strerror, pel_errname) and pel_version. */
// pel-test: workers=1
#include <limits.h>
#include <pthread.h>

#include <pel.h>

#include "check.h"

typedef struct error_row {
    int code;
    const char *name;
    const char *message;
} error_row;

static const error_row rows[] = {
#define ROW_(name, value, message) {PEL_##name, "PEL_" #name, message},
    PEL_ERRNO_MAP(ROW_)
#undef ROW_
};
#define NUM_ROWS (sizeof(rows) / sizeof(rows[0]))

static void test_table(void)
{
    CHECK_GE(NUM_ROWS, 10);
    for (size_t i = 0; i < NUM_ROWS; i++) {
        CHECK_LT(rows[i].code, 0);
        CHECK_STREQ(pel_strerror(rows[i].code), rows[i].message);
        CHECK_STREQ(pel_errname(rows[i].code), rows[i].name);
        CHECK(strcmp(rows[i].message, "unknown error") != 0);
        for (size_t j = 0; j < i; j++) {
            CHECK_NE(rows[i].code, rows[j].code);
            CHECK(strcmp(rows[i].message, rows[j].message) != 0);
        }
    }
    /* The enumeration agrees with the table. */
    CHECK_EQ(PEL_EINVAL, -1);
    CHECK_EQ(PEL_EDEADLK, -10);
    CHECK_STREQ(pel_errname(PEL_ECANCELED), "PEL_ECANCELED");
    CHECK_STREQ(pel_errname(PEL_EDESTROYED), "PEL_EDESTROYED");
}

static void test_ok(void)
{
    CHECK_STREQ(pel_errname(PEL_OK), "PEL_OK");
    const char *msg = pel_strerror(PEL_OK);
    CHECK(msg != NULL);
    CHECK(msg[0] != '\0');
    CHECK(strcmp(msg, "unknown error") != 0);
}

static void test_unknown(void)
{
    /* Positive values (user task codes), gaps below the table, and the extremes. */
    const int unknown[] = {1, 2, 42, 1000, INT_MAX, -12, -100, -1000, INT_MIN,
                           INT_MIN + 1};
    for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
        int code = unknown[i];
        int known = 0;
        for (size_t j = 0; j < NUM_ROWS; j++) known |= rows[j].code == code;
        if (known) continue; /* the table grew over this value: nothing to check */
        CHECK_STREQ(pel_strerror(code), "unknown error");
        CHECK_STREQ(pel_errname(code), "PEL_UNKNOWN");
    }
}

static void test_version(void)
{
    CHECK_STREQ(pel_version(), PEL_VERSION_STRING);
    char expected[64];
    snprintf(expected, sizeof(expected), "%d.%d.%d", PEL_VERSION_MAJOR, PEL_VERSION_MINOR,
             PEL_VERSION_PATCH);
    CHECK_STREQ(pel_version(), expected);
}

/* The functions are documented thread-safe: hammer them from several threads. */
static void *lookup_main(void *arg)
{
    (void)arg;
    for (int k = 0; k < 20000; k++) {
        const error_row *r = &rows[(size_t)k % NUM_ROWS];
        CHECK_STREQ(pel_strerror(r->code), r->message);
        CHECK_STREQ(pel_errname(r->code), r->name);
        CHECK_STREQ(pel_errname(k + 1), "PEL_UNKNOWN");
    }
    return NULL;
}

static void test_threads(void)
{
    pthread_t tid[4];
    for (int t = 0; t < 4; t++) CHECK_EQ(pthread_create(&tid[t], NULL, lookup_main, NULL), 0);
    for (int t = 0; t < 4; t++) CHECK_EQ(pthread_join(tid[t], NULL), 0);
}

int main(void)
{
    test_table();
    test_ok();
    test_unknown();
    test_version();
    test_threads();
    return 0;
}
