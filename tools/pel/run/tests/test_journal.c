/* test_journal — the journal's round trip, compaction, learned durations, the lock, the
 * errors of open (directory, foreign file, newer version) and failed writes, read-only
 * opening next to a live writer, and the cost of one record. Each child process that needs its own limits is forked. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "check.h"
#include "test_tmp.h"
#include "journal.h"

static char root[256];

static void path_of(char *out, size_t len, const char *rel)
{
    snprintf(out, len, "%s/%s", root, rel);
}

static journal *open_ok(const char *dir, uint64_t *recovered)
{
    journal *j;
    char err[512];
    uint64_t rec;
    if (journal_open(dir, &j, &rec, err) != 0) CHECK_FAIL_("journal_open(%s): %s", dir, err);
    if (recovered) *recovered = rec;
    return j;
}

static off_t file_size(const char *path)
{
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    return st.st_size;
}

static jr_fp fp_make(uint64_t seed)
{
    return (jr_fp){.exists = 1, .size = seed * 3, .mtime_ns = (int64_t)seed * 1000,
                   .ino = seed + 7, .hash = seed * 0x9e3779b97f4a7c15ull};
}

static int fp_eq(const jr_fp *a, const jr_fp *b)
{
    return a->exists == b->exists && a->size == b->size && a->mtime_ns == b->mtime_ns &&
           a->ino == b->ino && a->hash == b->hash;
}

static void write_states(journal *j)
{
    const char *in[] = {"/w/in1", "/w/in2"}, *out[] = {"/w/out"};
    jr_fp fin[] = {fp_make(1), {0}}, fout[] = {fp_make(2)};
    CHECK_EQ(journal_start(j, "t1", 11), 0);
    CHECK_EQ(journal_end(j, "t1", 11, 1, 0, 1.5, 2, in, fin, 1, out, fout), 0);
    CHECK_EQ(journal_start(j, "t2", 22), 0);
    CHECK_EQ(journal_end(j, "t2", 22, 0, 3, 0.25, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK_EQ(journal_start(j, "t3", 33), 0);
}

static void check_states(const journal *j)
{
    CHECK_EQ(journal_count(j), 3);
    const jr_task *t = journal_find(j, "t1");
    CHECK(t && t->status == JR_DONE && t->cmd_hash == 11 && t->duration == 1.5);
    CHECK(t->ended_at_ns > 0);
    CHECK_EQ(t->n_inputs, 2);
    CHECK_EQ(t->n_outputs, 1);
    CHECK_STREQ(t->input_paths[0], "/w/in1");
    CHECK_STREQ(t->input_paths[1], "/w/in2");
    CHECK_STREQ(t->output_paths[0], "/w/out");
    jr_fp a = fp_make(1), b = fp_make(2), none = {0};
    CHECK(fp_eq(&t->inputs[0], &a) && fp_eq(&t->inputs[1], &none) && fp_eq(&t->outputs[0], &b));
    t = journal_find(j, "t2");
    CHECK(t && t->status == JR_FAILED && t->exit_code == 3 && t->cmd_hash == 22);
    CHECK_EQ(t->n_inputs, 0);
    t = journal_find(j, "t3");
    CHECK(t && t->status == JR_STARTED && t->cmd_hash == 33);
    CHECK(journal_find(j, "t4") == NULL);
    CHECK(journal_duration(j, "t1", 11) == 1.5);
    CHECK(journal_duration(j, "t2", 22) == -1); /* a failure teaches nothing */
    CHECK(journal_duration(j, "t1", 12) == -1);
    CHECK(journal_duration(j, "nobody", 11) == -1);
}

static void test_round_trip(void)
{
    char dir[512];
    path_of(dir, sizeof dir, "rt/deeper/state"); /* mkdir -p */
    uint64_t rec = 99;
    journal *j = open_ok(dir, &rec);
    CHECK_EQ(rec, 0);
    CHECK_EQ(journal_count(j), 0);
    write_states(j);
    check_states(j);
    CHECK_EQ(journal_sync(j), 0);
    CHECK_EQ(journal_close(j), 0);
    j = open_ok(dir, &rec);
    CHECK_EQ(rec, 0);
    check_states(j);
    CHECK_EQ(journal_close(j), 0);
    j = open_ok(dir, &rec); /* compacted twice: still the same */
    check_states(j);
    CHECK_EQ(journal_close(j), 0);
}

static void test_durations(void)
{
    char dir[512];
    path_of(dir, sizeof dir, "dur");
    journal *j = open_ok(dir, NULL);
    CHECK_EQ(journal_end(j, "t", 1, 1, 0, 1.0, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK_EQ(journal_end(j, "t", 2, 1, 0, 2.0, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK(journal_duration(j, "t", 1) == 1.0); /* the command changed: the old one kept */
    CHECK(journal_duration(j, "t", 2) == 2.0);
    CHECK_EQ(journal_close(j), 0);
    j = open_ok(dir, NULL);
    CHECK(journal_duration(j, "t", 1) == 1.0);
    CHECK(journal_duration(j, "t", 2) == 2.0);
    /* ... and changed back: hash 1 learns its new duration, 2 stays. */
    CHECK_EQ(journal_end(j, "t", 1, 1, 0, 1.25, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK_EQ(journal_end(j, "t", 1, 0, 1, 9.0, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK(journal_duration(j, "t", 1) == 1.25);
    CHECK_EQ(journal_start(j, "t", 2), 0);
    CHECK_EQ(journal_close(j), 0);
    j = open_ok(dir, NULL);
    CHECK(journal_duration(j, "t", 1) == 1.25);
    CHECK(journal_duration(j, "t", 2) == 2.0);
    CHECK_EQ(journal_find(j, "t")->status, JR_STARTED);
    /* Bounded: the four latest hashes are kept. */
    for (uint64_t h = 3; h <= 6; h++)
        CHECK_EQ(journal_end(j, "t", h, 1, 0, (double)h, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK_EQ(journal_close(j), 0);
    j = open_ok(dir, NULL);
    CHECK(journal_duration(j, "t", 1) == -1);
    CHECK(journal_duration(j, "t", 2) == -1);
    for (uint64_t h = 3; h <= 6; h++) CHECK(journal_duration(j, "t", h) == (double)h);
    errno = 0;
    CHECK_EQ(journal_end(j, "t", 7, 1, 0, -1.0, 0, NULL, NULL, 0, NULL, NULL), -1);
    CHECK_EQ(errno, EINVAL);
    CHECK_EQ(journal_close(j), 0);
}

static void test_compaction(void)
{
    char dir[512], file[600];
    path_of(dir, sizeof dir, "compact");
    snprintf(file, sizeof file, "%s/journal", dir);
    journal *j = open_ok(dir, NULL);
    const char *out[] = {"/x/out"};
    for (int round = 0; round < 200; round++)
        for (int t = 0; t < 10; t++) {
            char name[16];
            snprintf(name, sizeof name, "task%d", t);
            jr_fp f = fp_make((uint64_t)(round * 10 + t));
            CHECK_EQ(journal_start(j, name, (uint64_t)t), 0);
            CHECK_EQ(journal_end(j, name, (uint64_t)t, 1, 0, round, 0, NULL, NULL, 1, out, &f), 0);
        }
    CHECK_EQ(journal_close(j), 0);
    off_t before = file_size(file);
    j = open_ok(dir, NULL);
    off_t after = file_size(file);
    CHECK_LT(after * 50, before);
    CHECK_EQ(journal_count(j), 10);
    for (int t = 0; t < 10; t++) {
        char name[16];
        snprintf(name, sizeof name, "task%d", t);
        const jr_task *r = journal_find(j, name);
        jr_fp f = fp_make((uint64_t)(199 * 10 + t));
        CHECK(r && r->status == JR_DONE && r->duration == 199 && fp_eq(&r->outputs[0], &f));
        CHECK(journal_duration(j, name, (uint64_t)t) == 199);
    }
    CHECK_EQ(journal_close(j), 0);
}

static void test_lock(void)
{
    char dir[512];
    path_of(dir, sizeof dir, "lock");
    journal *j = open_ok(dir, NULL);
    pid_t parent = getpid(), child = fork();
    CHECK(child >= 0);
    if (child == 0) {
        journal *j2;
        char err[512], want[700];
        int rc = journal_open(dir, &j2, NULL, err);
        snprintf(want, sizeof want, "%s is in use by another pel (pid %ld)", dir, (long)parent);
        if (rc != -1 || strcmp(err, want) != 0) {
            fprintf(stderr, "child: rc %d, err \"%s\", wanted \"%s\"\n", rc, err, want);
            _exit(1);
        }
        _exit(0);
    }
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    CHECK_EQ(journal_close(j), 0);
    j = open_ok(dir, NULL); /* released by close */
    CHECK_EQ(journal_close(j), 0);
}

static void write_file(const char *path, const void *data, size_t len)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, data, len), (ssize_t)len);
    close(fd);
}

static void expect_open_error(const char *dir, const char *want)
{
    journal *j = NULL;
    char err[512];
    CHECK_EQ(journal_open(dir, &j, NULL, err), -1);
    CHECK(j == NULL);
    CHECK_STREQ(err, want);
}

/* Read-only opening (pel run --dry-run, pel status): creates nothing, reads a live
 * writer's records and names its pid, refuses appends, leaves the file as it was, cuts a
 * record the writer has only half written, and still refuses a file that is not a
 * journal. */
static void test_readonly(void)
{
    char dir[512], jf[600], err[512];
    journal *r;
    uint64_t rec = 99;
    long pid = 99;
    struct stat st;
    path_of(dir, sizeof dir, "ro/missing");
    CHECK_EQ(journal_open_readonly(dir, &r, &rec, &pid, err), 0);
    CHECK(journal_count(r) == 0 && rec == 0 && pid == 0);
    CHECK(stat(dir, &st) < 0 && errno == ENOENT);
    CHECK_EQ(journal_close(r), 0);

    path_of(dir, sizeof dir, "ro/live");
    snprintf(jf, sizeof jf, "%s/journal", dir);
    journal *w = open_ok(dir, NULL);
    write_states(w);
    CHECK_EQ(journal_sync(w), 0);
    off_t size = file_size(jf);
    CHECK_EQ(journal_open_readonly(dir, &r, &rec, &pid, err), 0);
    CHECK_EQ(pid, (long)getpid()); /* flock: another open file description conflicts */
    CHECK_EQ(rec, 0);
    check_states(r);
    errno = 0;
    CHECK_EQ(journal_start(r, "t9", 9), -1);
    CHECK_EQ(errno, EROFS);
    CHECK_EQ(journal_close(r), 0);
    CHECK_EQ(file_size(jf), size);

    int fd = open(jf, O_WRONLY | O_APPEND); /* the first bytes of a record being written */
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, "\x02\x40\x00", 3), 3);
    close(fd);
    CHECK_EQ(journal_open_readonly(dir, &r, &rec, &pid, err), 0);
    CHECK_EQ(rec, 3);
    check_states(r);
    CHECK_EQ(journal_close(r), 0);
    CHECK_EQ(file_size(jf), size + 3);
    CHECK_EQ(journal_close(w), 0);
    CHECK_EQ(journal_open_readonly(dir, &r, &rec, &pid, err), 0);
    CHECK_EQ(pid, 0); /* the writer is gone */
    CHECK_EQ(journal_close(r), 0);

    path_of(dir, sizeof dir, "ro/foreign");
    CHECK_EQ(mkdir(dir, 0777), 0);
    snprintf(jf, sizeof jf, "%s/journal", dir);
    write_file(jf, "not a journal", 13);
    r = NULL;
    CHECK_EQ(journal_open_readonly(dir, &r, &rec, &pid, err), -1);
    CHECK(r == NULL);
    char want[700];
    snprintf(want, sizeof want, "%s is not a pel journal", jf);
    CHECK_STREQ(err, want);
}

static void test_open_errors(void)
{
    /* The tests run as root, for whom permission bits do not stop mkdir: a path under a
     * regular file fails with ENOTDIR for anyone. */
    char file[512], dir[600], want[1400], jf[700];
    path_of(file, sizeof file, "plainfile");
    write_file(file, "x", 1);
    snprintf(dir, sizeof dir, "%s/sub", file);
    snprintf(want, sizeof want, "cannot create journal directory %s: Not a directory", dir);
    expect_open_error(dir, want);

    /* Not a journal: an error naming it, and the file left as it was. */
    path_of(dir, sizeof dir, "foreign");
    CHECK_EQ(mkdir(dir, 0755), 0);
    snprintf(jf, sizeof jf, "%s/journal", dir);
    static const char text[] = "my precious notes\n";
    write_file(jf, text, sizeof text - 1);
    snprintf(want, sizeof want, "%s is not a pel journal", jf);
    expect_open_error(dir, want);
    char back[64] = {0};
    int fd = open(jf, O_RDONLY);
    CHECK_EQ(read(fd, back, sizeof back), (ssize_t)(sizeof text - 1));
    close(fd);
    CHECK_STREQ(back, text);

    /* A newer format: refused, untouched. */
    static const char hdr[] = "PELJOURN\x02\0\0\0\0\0\0\0 and records we cannot read";
    write_file(jf, hdr, sizeof hdr - 1);
    snprintf(want, sizeof want,
             "%s has format version 2; this pel reads version 1 (it was written by a newer pel)",
             jf);
    expect_open_error(dir, want);
    CHECK_EQ(file_size(jf), sizeof hdr - 1);

    /* A damaged tail is no error: it is dropped and counted. */
    uint8_t v1[16 + 7] = "PELJOURN\x01\0\0\0\0\0\0\0garbage";
    write_file(jf, v1, sizeof v1);
    uint64_t rec;
    journal *j = open_ok(dir, &rec);
    CHECK_EQ(rec, 7);
    CHECK_EQ(journal_count(j), 0);
    CHECK_EQ(journal_close(j), 0);
    CHECK_EQ(file_size(jf), 16);
}

/* In a child: appends fail with EFBIG past RLIMIT_FSIZE (SIGXFSZ ignored), first a short
 * write, then a refused one. The state and the file stay as they were, later appends
 * work, and a reopen sees exactly the records that succeeded. */
static int write_errors_child(const char *dir)
{
    char jf[600];
    snprintf(jf, sizeof jf, "%s/journal", dir);
    journal *j = open_ok(dir, NULL);
    CHECK_EQ(journal_start(j, "a", 1), 0);
    CHECK_EQ(journal_end(j, "a", 1, 1, 0, 1.0, 0, NULL, NULL, 0, NULL, NULL), 0);
    CHECK_EQ(journal_sync(j), 0);
    off_t size = file_size(jf);
    signal(SIGXFSZ, SIG_IGN);
    struct rlimit rl;
    CHECK_EQ(getrlimit(RLIMIT_FSIZE, &rl), 0);
    struct rlimit low = {(rlim_t)size + 20, rl.rlim_max};
    CHECK_EQ(setrlimit(RLIMIT_FSIZE, &low), 0);
    const char *paths[] = {"/a/long/enough/path/to/cross/the/limit"};
    jr_fp f = fp_make(5);
    errno = 0;
    CHECK_EQ(journal_end(j, "a", 2, 1, 0, 2.0, 1, paths, &f, 0, NULL, NULL), -1);
    CHECK_EQ(errno, EFBIG);
    CHECK_EQ(file_size(jf), size); /* the partial record was cut off */
    const jr_task *t = journal_find(j, "a");
    CHECK(t->status == JR_DONE && t->cmd_hash == 1 && t->n_inputs == 0);
    CHECK(journal_duration(j, "a", 2) == -1);
    errno = 0;
    CHECK_EQ(journal_start(j, "b", 3), -1);
    CHECK_EQ(errno, EFBIG);
    CHECK(journal_find(j, "b") == NULL);
    CHECK_EQ(setrlimit(RLIMIT_FSIZE, &rl), 0);
    CHECK_EQ(journal_start(j, "b", 3), 0);
    CHECK_EQ(journal_close(j), 0);
    uint64_t rec;
    j = open_ok(dir, &rec);
    CHECK_EQ(rec, 0);
    CHECK_EQ(journal_count(j), 2);
    CHECK_EQ(journal_find(j, "a")->status, JR_DONE);
    CHECK_EQ(journal_find(j, "b")->status, JR_STARTED);
    CHECK_EQ(journal_close(j), 0);
    return 0;
}

static void test_write_errors(void)
{
    char dir[512];
    path_of(dir, sizeof dir, "fsize");
    pid_t child = fork();
    CHECK(child >= 0);
    if (child == 0) _exit(write_errors_child(dir));
    int status;
    CHECK_EQ(waitpid(child, &status, 0), child);
    CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* The executor appends a start and an end per task: measure both, 100k tasks, then the
 * reopen (recovery and compaction) of that journal. */
static void test_cost(void)
{
    char dir[512];
    path_of(dir, sizeof dir, "cost");
    journal *j = open_ok(dir, NULL);
    enum { N = 100000 };
    const char *in[] = {"/work/data/input-file.csv"}, *out[] = {"/work/out/result-file.txt"};
    jr_fp fi = fp_make(1), fo = fp_make(2);
    double t0 = now_s();
    for (int i = 0; i < N; i++) {
        char name[32];
        snprintf(name, sizeof name, "task-%d", i);
        CHECK_EQ(journal_start(j, name, (uint64_t)i), 0);
        CHECK_EQ(journal_end(j, name, (uint64_t)i, 1, 0, 0.5, 1, in, &fi, 1, out, &fo), 0);
    }
    double t1 = now_s();
    CHECK_EQ(journal_sync(j), 0);
    CHECK_EQ(journal_close(j), 0);
    double t2 = now_s();
    j = open_ok(dir, NULL);
    double t3 = now_s();
    CHECK_EQ(journal_count(j), N);
    CHECK_EQ(journal_find(j, "task-4242")->status, JR_DONE);
    CHECK_EQ(journal_close(j), 0);
    printf("journal: %.2f us per record (write(2) included), sync+close %.3f s, "
           "reopen of %d tasks %.3f s\n",
           (t1 - t0) * 1e6 / (2.0 * N), t2 - t1, N, t3 - t2);
}

int main(void)
{
    test_tmpdir("pel-jr", root, sizeof root);
    test_round_trip();
    test_durations();
    test_compaction();
    test_lock();
    test_open_errors();
    test_readonly();
    test_write_errors();
    test_cost();
    test_rmtree(root);
    printf("test_journal: ok\n");
    return 0;
}
