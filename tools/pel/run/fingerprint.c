/* fingerprint.c — file fingerprints and task command hashes.
 *
 * A file is hashed through its open descriptor, and its size and mtime are read (fstat)
 * before and after: if they moved, the file was written while we read it and we hash
 * again, so a print never pairs one version's stat with another's content. Reusing a
 * known hash when size, mtime and inode match trusts the filesystem's timestamps, as git
 * and make do: a rewrite that keeps the size and lands within the same timestamp tick (or
 * that restores the mtime on purpose, in place, same inode) is not seen. docs/journal.md
 * says so.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#define XXH_STATIC_LINKING_ONLY /* XXH3_state_t on the stack */
#include <xxhash.h>

#include <pel/loop.h>

#include "fingerprint.h"

#define FP_BLOCK (256u << 10) /* bytes per read */
#define FP_TRIES 3            /* hash again when the file changed while being read */

static int64_t mtime_ns(const struct stat *st)
{
    return (int64_t)st->st_mtim.tv_sec * 1000000000 + st->st_mtim.tv_nsec;
}

static int stat_same(const struct stat *a, const struct stat *b)
{
    return a->st_size == b->st_size && mtime_ns(a) == mtime_ns(b) && a->st_ino == b->st_ino;
}

/* Hash the content of fd from its start. 0 or -1 (errno). */
static int hash_fd(int fd, size_t size_hint, uint64_t *out)
{
    size_t cap = size_hint < FP_BLOCK ? size_hint + 1 : FP_BLOCK;
    uint8_t *buf = malloc(cap);
    XXH3_state_t st;
    int rc = -1;
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    XXH3_64bits_reset(&st);
    off_t off = 0;
    for (;;) {
        ssize_t r = pread(fd, buf, cap, off);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) goto out;
        if (r == 0) break;
        XXH3_64bits_update(&st, buf, (size_t)r);
        off += r;
    }
    *out = XXH3_64bits_digest(&st);
    rc = 0;
out:
    free(buf);
    return rc;
}

static void fill(jr_fp *out, const struct stat *st, uint64_t hash)
{
    out->exists = 1;
    out->size = (uint64_t)st->st_size;
    out->mtime_ns = mtime_ns(st);
    out->ino = (uint64_t)st->st_ino;
    out->hash = hash;
}

int fp_file(const char *path, const jr_fp *known, jr_fp *out)
{
    memset(out, 0, sizeof *out);
    struct stat st;
    if (stat(path, &st) < 0) return errno == ENOENT || errno == ENOTDIR ? 0 : -1;
    if (S_ISDIR(st.st_mode) || !S_ISREG(st.st_mode)) {
        errno = S_ISDIR(st.st_mode) ? EISDIR : EINVAL; /* only regular files have content */
        return -1;
    }
    if (known && known->exists && known->size == (uint64_t)st.st_size &&
        known->mtime_ns == mtime_ns(&st) && known->ino == (uint64_t)st.st_ino) {
        fill(out, &st, known->hash);
        return 0;
    }
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT ? 0 : -1; /* removed since the stat: missing */
    int rc = -1;
    for (int tries = 0; tries < FP_TRIES; tries++) {
        struct stat before, after;
        uint64_t h;
        if (fstat(fd, &before) < 0 || hash_fd(fd, (size_t)before.st_size, &h) < 0 ||
            fstat(fd, &after) < 0)
            break;
        fill(out, &before, h);
        rc = 0;
        if (stat_same(&before, &after)) break;
        /* Still changing after FP_TRIES: keep the last print; its stat is older than
         * the content, so the next run sees a different mtime and hashes again. */
    }
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

typedef struct fp_batch {
    const char *const *paths;
    const jr_fp *const *known;
    jr_fp *out;
    int *err; /* errno per file, 0 when it went well */
} fp_batch;

static int fp_range(size_t lo, size_t hi, void *ctx)
{
    fp_batch *b = ctx;
    for (size_t i = lo; i < hi; i++) {
        const jr_fp *k = b->known ? b->known[i] : NULL;
        b->err[i] = fp_file(b->paths[i], k, &b->out[i]) < 0 ? (errno ? errno : EIO) : 0;
    }
    return 0; /* keep going: the error reported is the first by index, not by time */
}

int fp_files(uint32_t n, const char *const *paths, const jr_fp *const *known, jr_fp *out,
             uint32_t *bad)
{
    fp_batch b = {paths, known, out, calloc(n ? n : 1, sizeof(int))};
    if (!b.err) {
        errno = ENOMEM;
        if (bad) *bad = 0;
        return -1;
    }
    /* Grain 1: one file can take long (a big one), so any split is worth having. If the
     * runtime cannot run the loop, the files are done here, one after the other. */
    if (n < 2 || pel_parallel_for(NULL, 0, n, 1, fp_range, &b) != 0) fp_range(0, n, &b);
    int rc = 0;
    for (uint32_t i = 0; i < n; i++) {
        if (b.err[i]) {
            if (bad) *bad = i;
            errno = b.err[i];
            rc = -1;
            break;
        }
    }
    free(b.err);
    return rc;
}

int fp_same(const jr_fp *a, const jr_fp *b)
{
    if (!a->exists || !b->exists) return !a->exists && !b->exists;
    return a->size == b->size && a->hash == b->hash;
}

/* ---- the command hash: a length-prefixed encoding, so no two task definitions feed
 * XXH3 the same bytes (["a b"] and ["a", "b"] differ, an argv never equals a shell). ---- */

static void hash_u64(XXH3_state_t *st, uint64_t v)
{
    uint8_t b[8];
    for (int i = 0; i < 8; i++) b[i] = (uint8_t)(v >> (8 * i));
    XXH3_64bits_update(st, b, sizeof b);
}

static void hash_str(XXH3_state_t *st, const char *s)
{
    size_t len = s ? strlen(s) : 0;
    hash_u64(st, len);
    if (len) XXH3_64bits_update(st, s, len);
}

/* A list: its count, then each string. NULL-terminated when n is UINT32_MAX. */
static void hash_list(XXH3_state_t *st, const char *const *v, uint32_t n)
{
    if (n == UINT32_MAX)
        for (n = 0; v && v[n]; n++) {
        }
    hash_u64(st, n);
    for (uint32_t i = 0; i < n; i++) hash_str(st, v[i]);
}

uint64_t fp_task_hash(const wf_task *t)
{
    XXH3_state_t state, *st = &state;
    XXH3_64bits_reset(st);
    hash_str(st, "pel-task-1"); /* the encoding's version */
    if (t->argv) {
        hash_u64(st, 'A');
        hash_list(st, t->argv, UINT32_MAX);
    } else {
        hash_u64(st, 'S');
        hash_str(st, t->shell);
    }
    hash_list(st, t->env, UINT32_MAX);
    hash_str(st, t->dir);
    hash_list(st, t->inputs, t->n_inputs);
    hash_list(st, t->outputs, t->n_outputs);
    return XXH3_64bits_digest(st);
}
