/* test_journal_corrupt — damage at any byte of a journal is survived.
 *
 * A journal of many records is written while the state after each record is summed up
 * (a digest). Then, for every byte offset: the file cut there opens, and its state is
 * exactly that of the records wholly before the cut. And for a sample of offsets (every
 * one with PEL_TEST_LONG=1): the byte flipped there, the file opens with the state of the
 * records before the damaged one (or, in the header's magic or version, fails with its
 * message and leaves the file alone); a record appended afterwards survives a reopen.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "check.h"
#include "test_tmp.h"
#include "journal.h"

enum { N_RECORDS = 48, MAX_HASH = 6 };

static char root[256], src_dir[300], dir[300], jf[320];
static uint64_t digest[N_RECORDS + 1]; /* the state after k records */
static uint32_t count[N_RECORDS + 1];
static size_t off[N_RECORDS + 1]; /* the file's length after k records */

static void mix(XXH3_state_t *st, uint64_t v)
{
    XXH3_64bits_update(st, &v, sizeof v);
}

static void mix_str(XXH3_state_t *st, const char *s)
{
    mix(st, strlen(s));
    XXH3_64bits_update(st, s, strlen(s));
}

static void mix_fp(XXH3_state_t *st, const jr_fp *f)
{
    mix(st, f->exists);
    mix(st, f->size);
    mix(st, (uint64_t)f->mtime_ns);
    mix(st, f->ino);
    mix(st, f->hash);
}

/* Everything the journal knows, independent of the order tasks are listed in. */
static uint64_t state_digest(const journal *j)
{
    uint64_t sum = journal_count(j);
    for (uint32_t i = 0; i < journal_count(j); i++) {
        const jr_task *t = journal_at(j, i);
        XXH3_state_t *st = XXH3_createState();
        XXH3_64bits_reset(st);
        mix_str(st, t->name);
        mix(st, t->status);
        mix(st, t->cmd_hash);
        mix(st, (uint64_t)t->exit_code);
        double d = t->duration;
        uint64_t bits;
        memcpy(&bits, &d, sizeof bits);
        mix(st, bits);
        mix(st, (uint64_t)t->ended_at_ns);
        mix(st, t->n_inputs);
        for (uint32_t k = 0; k < t->n_inputs; k++) {
            mix_str(st, t->input_paths[k]);
            mix_fp(st, &t->inputs[k]);
        }
        mix(st, t->n_outputs);
        for (uint32_t k = 0; k < t->n_outputs; k++) {
            mix_str(st, t->output_paths[k]);
            mix_fp(st, &t->outputs[k]);
        }
        for (uint64_t h = 0; h <= MAX_HASH; h++) {
            d = journal_duration(j, t->name, h);
            memcpy(&bits, &d, sizeof bits);
            mix(st, bits);
        }
        sum += XXH3_64bits_digest(st);
        XXH3_freeState(st);
    }
    return sum;
}

static off_t file_size(const char *path)
{
    struct stat st;
    CHECK_EQ(stat(path, &st), 0);
    return st.st_size;
}

/* Record k: starts, successful and failed ends of 6 tasks, with 0-3 files each. */
static void append_record(journal *j, int k, uint64_t *rng)
{
    char name[16];
    snprintf(name, sizeof name, "task-%d", (int)(test_rand(rng) % 6));
    uint64_t h = test_rand(rng) % MAX_HASH + 1;
    const char *paths[] = {"/data/a.csv", "/data/sub/b.bin", "/out/c.txt"};
    jr_fp fps[3];
    for (int i = 0; i < 3; i++)
        fps[i] = (jr_fp){.exists = (uint8_t)(test_rand(rng) % 4 != 0),
                         .size = test_rand(rng) % 100000,
                         .mtime_ns = (int64_t)(test_rand(rng) >> 2),
                         .ino = test_rand(rng) % 1000,
                         .hash = test_rand(rng)};
    uint32_t n_in = (uint32_t)(test_rand(rng) % 3), n_out = (uint32_t)(test_rand(rng) % 2);
    int kind = (int)(test_rand(rng) % 3);
    if (kind == 0) CHECK_EQ(journal_start(j, name, h), 0);
    else
        CHECK_EQ(journal_end(j, name, h, kind == 1, kind == 1 ? 0 : k, k * 0.125, n_in, paths,
                             fps, n_out, paths + 2, fps + 2),
                 0);
}

static void build_source(void)
{
    journal *j;
    char err[512];
    CHECK_EQ(journal_open(src_dir, &j, NULL, err), 0);
    char path[400];
    snprintf(path, sizeof path, "%s/journal", src_dir);
    uint64_t rng = 42;
    off[0] = (size_t)file_size(path);
    digest[0] = state_digest(j);
    for (int k = 0; k < N_RECORDS; k++) {
        append_record(j, k, &rng);
        off[k + 1] = (size_t)file_size(path);
        digest[k + 1] = state_digest(j);
        count[k + 1] = journal_count(j);
    }
    CHECK_EQ(journal_close(j), 0);
}

static void put_file(const uint8_t *data, size_t len)
{
    int fd = open(jf, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    CHECK(fd >= 0);
    CHECK_EQ(write(fd, data, len), (ssize_t)len);
    close(fd);
}

/* The number of records wholly inside the first `len` bytes. */
static int records_before(size_t len)
{
    int k = 0;
    while (k < N_RECORDS && off[k + 1] <= len) k++;
    return k;
}

static void check_cut(const uint8_t *data, size_t cut)
{
    put_file(data, cut);
    journal *j;
    char err[512];
    uint64_t recovered;
    if (journal_open(dir, &j, &recovered, err) != 0) CHECK_FAIL_("cut %zu: %s", cut, err);
    int k = records_before(cut);
    size_t good = cut < off[0] ? 0 : off[k];
    if (digest[k] != state_digest(j) || recovered != cut - good)
        CHECK_FAIL_("cut at %zu: state is not that of the first %d records", cut, k);
    CHECK_EQ(journal_close(j), 0);
}

static void check_flip(const uint8_t *data, size_t len, size_t at, uint8_t mask)
{
    uint8_t *bad = malloc(len);
    memcpy(bad, data, len);
    bad[at] ^= mask;
    put_file(bad, len);
    journal *j;
    char err[512];
    int rc = journal_open(dir, &j, NULL, err);
    if (at < 12) { /* magic or version: refused, and the file is left alone */
        CHECK_EQ(rc, -1);
        CHECK(strstr(err, at < 8 ? "is not a pel journal" : "format version") != NULL);
        CHECK_EQ(file_size(jf), (off_t)len);
        free(bad);
        return;
    }
    if (rc != 0) CHECK_FAIL_("flip at %zu: %s", at, err);
    int k = at < off[0] ? N_RECORDS : records_before(at);
    if (digest[k] != state_digest(j))
        CHECK_FAIL_("flip at %zu: state is not that of the first %d records", at, k);
    CHECK_EQ(journal_start(j, "after-the-damage", 7), 0);
    CHECK_EQ(journal_close(j), 0);
    uint64_t recovered;
    CHECK_EQ(journal_open(dir, &j, &recovered, err), 0);
    CHECK_EQ(recovered, 0);
    const jr_task *t = journal_find(j, "after-the-damage");
    CHECK(t && t->status == JR_STARTED && t->cmd_hash == 7);
    CHECK_EQ(journal_count(j), count[k] + 1);
    CHECK_EQ(journal_close(j), 0);
    free(bad);
}

int main(void)
{
    test_tmpdir("pel-jrc", root, sizeof root);
    snprintf(src_dir, sizeof src_dir, "%s/src", root);
    snprintf(dir, sizeof dir, "%s/damaged", root);
    snprintf(jf, sizeof jf, "%s/journal", dir);
    CHECK_EQ(mkdir(dir, 0755), 0);
    build_source();

    char path[400];
    snprintf(path, sizeof path, "%s/journal", src_dir);
    size_t len = (size_t)file_size(path);
    CHECK_EQ(len, off[N_RECORDS]);
    uint8_t *data = malloc(len);
    int fd = open(path, O_RDONLY);
    CHECK_EQ(read(fd, data, len), (ssize_t)len);
    close(fd);

    for (size_t cut = 0; cut <= len; cut++) check_cut(data, cut);

    const char *lg = getenv("PEL_TEST_LONG");
    int all = lg && *lg && strcmp(lg, "0") != 0;
    uint64_t seed = (uint64_t)time(NULL);
    const char *s = getenv("PEL_TEST_SEED");
    if (s) seed = strtoull(s, NULL, 0);
    uint64_t rng = seed;
    size_t n_flips = all ? len : 400;
    printf("test_journal_corrupt: %zu bytes, %d records, every cut, %zu flips (seed %llu)\n", len,
           N_RECORDS, n_flips, (unsigned long long)seed);
    for (size_t i = 0; i < n_flips; i++) {
        size_t at = all ? i : (size_t)(test_rand(&rng) % len);
        uint8_t mask = (uint8_t)(test_rand(&rng) % 255 + 1);
        check_flip(data, len, at, all ? 0xff : mask);
    }
    free(data);
    test_rmtree(root);
    printf("test_journal_corrupt: ok\n");
    return 0;
}
