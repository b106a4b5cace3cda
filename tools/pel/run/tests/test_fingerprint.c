/* test_fingerprint — file prints (content, reuse of a known hash and its limits, errors),
 * fp_files in parallel against one at a time, fp_same, and what the command hash covers.
 * Runs as root too: permission bits do not make a file unreadable then, so EACCES is not
 * tested; a directory stands for the unreadable file. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "test_tmp.h"
#include "fingerprint.h"

static char root[256];

static char *path_of(const char *rel)
{
    static char buf[4][512];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, 512, "%s/%s", root, rel);
    return p;
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void test_content(void)
{
    jr_fp f;
    CHECK_EQ(fp_file(path_of("missing"), NULL, &f), 0);
    CHECK_EQ(f.exists, 0);
    CHECK(f.size == 0 && f.hash == 0 && f.ino == 0);
    CHECK_EQ(fp_file(path_of("plain/under-a-file"), NULL, &f), 0); /* ENOTDIR: missing */
    CHECK_EQ(f.exists, 0);

    write_file(path_of("empty"), "", 0);
    CHECK_EQ(fp_file(path_of("empty"), NULL, &f), 0);
    CHECK(f.exists && f.size == 0 && f.hash == XXH3_64bits("", 0));

    /* Bigger than one read block: the streaming hash equals the one-shot hash. */
    size_t big = (1u << 20) + 17;
    uint8_t *data = malloc(big);
    uint64_t rng = 1;
    for (size_t i = 0; i < big; i++) data[i] = (uint8_t)test_rand(&rng);
    write_file(path_of("big"), data, big);
    CHECK_EQ(fp_file(path_of("big"), NULL, &f), 0);
    struct stat st;
    CHECK_EQ(stat(path_of("big"), &st), 0);
    CHECK(f.exists && f.size == big && f.hash == XXH3_64bits(data, big));
    CHECK(f.ino == (uint64_t)st.st_ino);
    CHECK_EQ(f.mtime_ns, (int64_t)st.st_mtim.tv_sec * 1000000000 + st.st_mtim.tv_nsec);
    free(data);

    CHECK_EQ(mkdir(path_of("adir"), 0755), 0);
    errno = 0;
    CHECK_EQ(fp_file(path_of("adir"), NULL, &f), -1);
    CHECK_EQ(errno, EISDIR);
}

/* A known print whose size, mtime and inode match is reused without reading: a wrong
 * hash in it comes back. Anything else differing makes it read. */
static void test_known(void)
{
    const char *p = path_of("known");
    write_file(p, "hello", 5);
    jr_fp f, k;
    CHECK_EQ(fp_file(p, NULL, &f), 0);
    k = f;
    k.hash = 12345;
    jr_fp g;
    CHECK_EQ(fp_file(p, &k, &g), 0);
    CHECK_EQ(g.hash, 12345);
    k.mtime_ns += 1;
    CHECK_EQ(fp_file(p, &k, &g), 0);
    CHECK(g.hash == f.hash);
    k = f;
    k.hash = 12345;
    k.ino += 1;
    CHECK_EQ(fp_file(p, &k, &g), 0);
    CHECK(g.hash == f.hash);
    k = f;
    k.exists = 0;
    CHECK_EQ(fp_file(p, &k, &g), 0);
    CHECK(g.hash == f.hash);
}

static void set_mtime(const char *p, int64_t ns)
{
    struct timespec ts[2] = {{ns / 1000000000, ns % 1000000000},
                             {ns / 1000000000, ns % 1000000000}};
    CHECK_EQ(utimensat(AT_FDCWD, p, ts, 0), 0);
}

/* Same size, mtime forced back. Replaced through a new file (a new inode, as editors and
 * most tools write): caught. Rewritten in place, same inode: the known hash is trusted,
 * which is the documented limit (docs/journal.md); without a known print it is caught. */
static void test_forced_mtime(void)
{
    const char *p = path_of("forced"), *tmp = path_of("forced.tmp");
    write_file(p, "version-1", 9);
    jr_fp old, now;
    CHECK_EQ(fp_file(p, NULL, &old), 0);

    write_file(tmp, "version-2", 9);
    set_mtime(tmp, old.mtime_ns);
    CHECK_EQ(rename(tmp, p), 0);
    CHECK_EQ(fp_file(p, &old, &now), 0);
    CHECK(now.mtime_ns == old.mtime_ns && now.size == old.size && now.ino != old.ino);
    CHECK(!fp_same(&old, &now));

    CHECK_EQ(fp_file(p, NULL, &old), 0);
    int fd = open(p, O_WRONLY);
    CHECK_EQ(pwrite(fd, "version-3", 9, 0), 9);
    close(fd);
    set_mtime(p, old.mtime_ns);
    CHECK_EQ(fp_file(p, &old, &now), 0);
    CHECK(fp_same(&old, &now)); /* the limit: not seen */
    CHECK_EQ(fp_file(p, NULL, &now), 0);
    CHECK(!fp_same(&old, &now));
}

static void test_parallel(void)
{
    enum { N = 300 };
    CHECK_EQ(mkdir(path_of("many"), 0755), 0);
    char *paths[N];
    for (int i = 0; i < N; i++) {
        char rel[64], body[64];
        snprintf(rel, sizeof rel, "many/f%03d", i);
        paths[i] = strdup(path_of(rel));
        int n = snprintf(body, sizeof body, "file number %d", i * 7);
        if (i % 10 != 3) write_file(paths[i], body, (size_t)n * (size_t)(i % 5));
    }
    jr_fp par[N], ser[N];
    uint32_t bad = 77;
    CHECK_EQ(fp_files(N, (const char *const *)paths, NULL, par, &bad), 0);
    for (int i = 0; i < N; i++) {
        CHECK_EQ(fp_file(paths[i], NULL, &ser[i]), 0);
        CHECK(par[i].exists == ser[i].exists && par[i].hash == ser[i].hash &&
              par[i].size == ser[i].size && par[i].ino == ser[i].ino);
        CHECK_EQ(par[i].exists, i % 10 != 3);
    }
    /* With known prints: reused where they match. */
    const jr_fp *known[N];
    jr_fp fake[N];
    for (int i = 0; i < N; i++) {
        fake[i] = ser[i];
        fake[i].hash = (uint64_t)i + 1000;
        known[i] = i % 2 ? &fake[i] : NULL;
    }
    CHECK_EQ(fp_files(N, (const char *const *)paths, known, par, &bad), 0);
    for (int i = 0; i < N; i++)
        CHECK(par[i].hash == (i % 2 && ser[i].exists ? (uint64_t)i + 1000 : ser[i].hash));
    /* The first unreadable one by index is reported, whichever thread met it first. */
    char *keep5 = paths[5], *keep200 = paths[200];
    paths[5] = path_of("adir");
    paths[200] = path_of("adir");
    errno = 0;
    CHECK_EQ(fp_files(N, (const char *const *)paths, NULL, par, &bad), -1);
    CHECK_EQ(bad, 5);
    CHECK_EQ(errno, EISDIR);
    paths[5] = keep5;
    paths[200] = keep200;
    CHECK_EQ(fp_files(0, NULL, NULL, NULL, &bad), 0);
    for (int i = 0; i < N; i++) free(paths[i]);
}

static void test_same(void)
{
    jr_fp none = {0}, a = {1, 10, 5, 6, 99}, b = a;
    CHECK(fp_same(&none, &none));
    CHECK(!fp_same(&none, &a) && !fp_same(&a, &none));
    b.mtime_ns = 7; /* touched, same content */
    b.ino = 8;
    CHECK(fp_same(&a, &b));
    b.hash = 98;
    CHECK(!fp_same(&a, &b));
    b = a;
    b.size = 11;
    CHECK(!fp_same(&a, &b));
}

static void test_task_hash(void)
{
    const char *argv1[] = {"echo", "a b", NULL}, *argv2[] = {"echo", "a", "b", NULL};
    const char *env1[] = {"X=1", NULL}, *env2[] = {"X=2", NULL};
    const char *in[] = {"/w/in"}, *out[] = {"/w/out"};
    wf_task t = {.name = "t", .argv = argv1, .dir = "/w", .inputs = in, .n_inputs = 1,
                 .outputs = out, .n_outputs = 1, .cores = 1, .estimate = -1};
    uint64_t h = fp_task_hash(&t);
    CHECK_EQ(fp_task_hash(&t), h);
    wf_task u = t;
    u.cores = 8, u.memory = 1 << 30, u.retries = 3, u.timeout = 9, u.estimate = 5;
    u.name = "renamed", u.line = 40;
    CHECK_EQ(fp_task_hash(&u), h); /* scheduling is not the command */
    u = t;
    u.argv = argv2;
    CHECK_NE(fp_task_hash(&u), h);
    u = t;
    u.argv = NULL;
    u.shell = "echo 'a b'";
    uint64_t hs = fp_task_hash(&u);
    CHECK_NE(hs, h);
    const char *argv_shell[] = {"echo 'a b'", NULL};
    u.argv = argv_shell; /* the same text as an argv is another command */
    u.shell = NULL;
    CHECK_NE(fp_task_hash(&u), hs);
    u = t;
    u.env = env1;
    uint64_t he = fp_task_hash(&u);
    CHECK_NE(he, h);
    u.env = env2;
    CHECK_NE(fp_task_hash(&u), he);
    u = t;
    u.dir = "/w2";
    CHECK_NE(fp_task_hash(&u), h);
    u = t;
    u.n_inputs = 0;
    CHECK_NE(fp_task_hash(&u), h);
    u = t; /* the same file as an output instead of an input */
    u.inputs = NULL, u.n_inputs = 0, u.outputs = in, u.n_outputs = 1;
    wf_task v = u;
    v.outputs = NULL, v.n_outputs = 0, v.inputs = in, v.n_inputs = 1;
    CHECK_NE(fp_task_hash(&u), fp_task_hash(&v));
}

int main(void)
{
    test_tmpdir("pel-fp", root, sizeof root);
    write_file(path_of("plain"), "x", 1);
    test_content();
    test_known();
    test_forced_mtime();
    test_parallel();
    test_same();
    test_task_hash();
    test_rmtree(root);
    printf("test_fingerprint: ok\n");
    return 0;
}
