/* test_tmp.h — a test's scratch directory: made fresh under $TMPDIR (default /tmp) and
 * removed with everything in it at the end. Needs _GNU_SOURCE (or _XOPEN_SOURCE 500) for
 * nftw, as the tests are built with.
 */
#ifndef PEL_TEST_TMP_H
#define PEL_TEST_TMP_H

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"

/* Make a fresh directory $TMPDIR/NAME-XXXXXX (mkdtemp fills in the X's) into out. */
static inline void test_tmpdir(const char *name, char *out, size_t size)
{
    const char *base = getenv("TMPDIR");
    int n = snprintf(out, size, "%s/%s-XXXXXX", base && *base ? base : "/tmp", name);
    CHECK(n > 0 && (size_t)n < size);
    if (!mkdtemp(out)) CHECK_FAIL_("mkdtemp %s: %s", out, strerror(errno));
}

static inline int test_rmtree_one_(const char *path, const struct stat *st, int flag,
                                   struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

/* Remove dir and everything under it (best effort: a test's leftovers, not its result). */
static inline void test_rmtree(const char *dir)
{
    nftw(dir, test_rmtree_one_, 16, FTW_DEPTH | FTW_PHYS);
}

#endif /* PEL_TEST_TMP_H */
