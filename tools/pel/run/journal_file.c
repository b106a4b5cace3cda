/* journal_file.c — opening a journal: the directory, the lock, recovery and compaction.
 *
 * Recovery rule: the file is the header followed by records; the state is what the
 * longest prefix of whole valid records adds up to, and everything after the first
 * invalid byte is dropped (docs/journal.md). A damaged tail is what a crash mid-write
 * leaves, and a record can only be trusted if everything before it was, so nothing after
 * the damage is salvaged. Compaction then writes that state to journal.tmp, syncs it and
 * renames it over the journal (then syncs the directory), so the file on disk is at every
 * moment either the old one or the complete new one.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "journal_internal.h"

#define LOCK_WAIT_MS 2000

/* One line into the caller's 512-byte buffer, cut if a path is that long. */
__attribute__((format(printf, 2, 3))) static void set_err(char *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, 512, fmt, ap);
    va_end(ap);
}

/* mkdir -p: each missing component in turn. 0 or -1 with errno. */
static int make_dirs(const char *dir)
{
    char *p = strdup(dir);
    if (!p) return -1;
    int rc = 0;
    for (char *s = p + 1;; s++) {
        if (*s != '/' && *s) continue;
        char c = *s;
        *s = 0;
        struct stat st;
        if (mkdir(p, 0777) < 0 && errno != EEXIST) rc = -1;
        else if (stat(p, &st) < 0) rc = -1;
        else if (!S_ISDIR(st.st_mode)) {
            errno = ENOTDIR;
            rc = -1;
        }
        *s = c;
        if (rc < 0 || !c) break;
    }
    int e = errno;
    free(p);
    errno = e;
    return rc;
}

static int take_lock(journal *j, char err[512])
{
    char *path = NULL;
    int rc = -1;
    if (asprintf(&path, "%s/lock", j->dir) < 0) {
        set_err(err, "cannot lock %s: %s", j->dir, strerror(ENOMEM));
        return -1;
    }
    j->lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666);
    if (j->lock_fd < 0) {
        set_err(err, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    /* A pel killed a moment ago may still be stopping its tasks with the lock held
     * (its guardian died first): wait up to LOCK_WAIT_MS for it before giving up. */
    int locked = flock(j->lock_fd, LOCK_EX | LOCK_NB);
    for (int waited = 0; locked < 0 && errno == EWOULDBLOCK && waited < LOCK_WAIT_MS; waited += 10) {
        struct timespec ten_ms = {0, 10 * 1000 * 1000};
        nanosleep(&ten_ms, NULL);
        locked = flock(j->lock_fd, LOCK_EX | LOCK_NB);
    }
    if (locked < 0) {
        int e = errno;
        char pid[32] = "";
        ssize_t n = pread(j->lock_fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = 0;
        pid[strcspn(pid, "\n")] = 0;
        if (e == EWOULDBLOCK)
            set_err(err, "%s is in use by another pel (pid %s)", j->dir,
                     *pid ? pid : "unknown");
        else
            set_err(err, "cannot lock %s: %s", path, strerror(e));
        goto out;
    }
    /* Ours now: say who holds it, for the message another pel prints. */
    char pid[32];
    int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
    if (ftruncate(j->lock_fd, 0) < 0 || pwrite(j->lock_fd, pid, (size_t)n, 0) != n) {
        set_err(err, "cannot write %s: %s", path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    free(path);
    return rc;
}

/* The whole file in memory (NULL with *len 0 when it does not exist). 0 or -1. */
static int read_all(const char *path, uint8_t **data, size_t *len, char err[512])
{
    *data = NULL;
    *len = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return 0;
        set_err(err, "cannot open %s: %s", path, strerror(errno));
        return -1;
    }
    struct stat st;
    errno = 0;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        set_err(err, "cannot read %s: %s", path,
                 errno ? strerror(errno) : "not a regular file");
        close(fd);
        return -1;
    }
    size_t cap = (size_t)st.st_size, n = 0;
    uint8_t *buf = malloc(cap ? cap : 1);
    while (buf && n < cap) { /* up to the size now: a reader without the lock (read-only)
                              * leaves what a running pel appends meanwhile */
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) {
            if (r < 0) set_err(err, "cannot read %s: %s", path, strerror(errno));
            break;
        }
        n += (size_t)r;
    }
    int e = errno;
    close(fd);
    if (!buf || (n < cap && *err)) {
        if (!buf) set_err(err, "cannot read %s: %s", path, strerror(ENOMEM));
        free(buf);
        errno = e;
        return -1;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* Check the header and replay the records. 0 with *good = bytes of the valid prefix, or
 * -1 (a file that is not a journal, or a version this code does not know). */
static int replay(journal *j, const uint8_t *d, size_t len, size_t *good, char err[512])
{
    *good = 0;
    size_t m = len < 8 ? len : 8;
    if (memcmp(d, JR_FILE_MAGIC, m) != 0) {
        set_err(err, "%s is not a pel journal", j->path);
        return -1;
    }
    if (len < JR_HEADER_LEN) return 0; /* a header cut short: nothing valid yet */
    uint32_t v = (uint32_t)d[8] | (uint32_t)d[9] << 8 | (uint32_t)d[10] << 16 |
                 (uint32_t)d[11] << 24;
    if (v != JR_VERSION) {
        set_err(err, "%s has format version %u; this pel reads version %u%s", j->path,
                 v, JR_VERSION, v > JR_VERSION ? " (it was written by a newer pel)" : "");
        return -1;
    }
    size_t off = JR_HEADER_LEN;
    jr_rec r;
    for (size_t n; (n = jr_decode(d + off, len - off, &r)) != 0; off += n) {
        if (jr_state_apply(&j->st, &r) < 0) {
            set_err(err, "cannot read %s: %s", j->path, strerror(errno));
            return -1;
        }
    }
    *good = off;
    return 0;
}

/* Encode the state: per task its learned durations, then its latest record. */
static int encode_state(journal *j, jr_buf *b)
{
    uint8_t h[JR_HEADER_LEN];
    jr_encode_header(h);
    if (jr_buf_reserve(b, sizeof h) < 0) return -1;
    memcpy(b->p, h, sizeof h);
    b->len = sizeof h;
    for (uint32_t i = 0; i < j->st.n; i++) {
        const jr_entry *e = j->st.entries[i];
        const jr_task *t = &e->t;
        int rc = 0;
        if (t->status == JR_STARTED) rc = jr_encode_start(b, t->name, t->cmd_hash);
        else if (t->status != JR_NONE)
            rc = jr_encode_end(b, t->name, t->cmd_hash, t->status == JR_DONE, t->exit_code,
                               t->duration, t->ended_at_ns, t->n_inputs, t->input_paths,
                               t->inputs, t->n_outputs, t->output_paths, t->outputs);
        /* hist[0] of a DONE task is its END record's own; the rest go behind it. */
        for (uint32_t k = 0; k < e->n_hist && rc == 0; k++)
            if (!(k == 0 && t->status == JR_DONE))
                rc = jr_encode_duration(b, t->name, e->hist[k].cmd_hash, e->hist[k].duration);
        if (rc < 0) return -1;
    }
    return 0;
}

static int write_all(int fd, const uint8_t *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Write the compacted journal and keep it open for appends. */
static int compact(journal *j, char err[512])
{
    char *tmp = NULL;
    jr_buf b = {0};
    int fd = -1, dfd = -1, rc = -1;
    const char *what = "write";
    if (asprintf(&tmp, "%s/journal.tmp", j->dir) < 0) {
        tmp = NULL;
        errno = ENOMEM;
        goto out;
    }
    if (encode_state(j, &b) < 0) goto out;
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0666);
    if (fd < 0 || write_all(fd, b.p, b.len) < 0 || fdatasync(fd) < 0) goto out;
    what = "replace";
    if (rename(tmp, j->path) < 0) goto out;
    what = "sync the directory of";
    dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || fsync(dfd) < 0) goto out;
    j->fd = fd;
    j->end = b.len;
    fd = -1;
    rc = 0;
out:
    if (rc < 0) {
        set_err(err, "cannot %s %s: %s", what, j->path, strerror(errno));
        if (fd >= 0) unlink(tmp);
    }
    if (fd >= 0) close(fd);
    if (dfd >= 0) close(dfd);
    free(tmp);
    jr_buf_free(&b);
    return rc;
}

static journal *journal_new(const char *state_dir)
{
    journal *j = calloc(1, sizeof *j);
    if (!j) return NULL;
    j->lock_fd = j->fd = -1;
    j->dir = strdup(state_dir);
    j->path = malloc(strlen(state_dir) + sizeof "/journal");
    if (!j->dir || !j->path) {
        free(j->dir);
        free(j->path);
        free(j);
        return NULL;
    }
    sprintf(j->path, "%s/journal", state_dir);
    pthread_mutex_init(&j->mu, NULL);
    pthread_cond_init(&j->work, NULL);
    pthread_cond_init(&j->done, NULL);
    return j;
}

static void journal_delete(journal *j)
{
    if (j->fd >= 0) close(j->fd);
    if (j->lock_fd >= 0) close(j->lock_fd); /* closing the last descriptor unlocks */
    jr_state_free(&j->st);
    jr_buf_free(&j->buf);
    pthread_mutex_destroy(&j->mu);
    pthread_cond_destroy(&j->work);
    pthread_cond_destroy(&j->done);
    free(j->dir);
    free(j->path);
    free(j);
}

/* Read and replay j's file (a missing one is empty). *recovered (when not NULL): the
 * bytes of a damaged tail that were dropped. 0 or -1. */
static int load(journal *j, uint64_t *recovered, char err[512])
{
    uint8_t *data = NULL;
    size_t len = 0, good = 0;
    int rc = read_all(j->path, &data, &len, err);
    if (rc == 0 && len) rc = replay(j, data, len, &good, err);
    free(data);
    if (rc == 0 && recovered) *recovered = len - good;
    return rc;
}

int journal_open(const char *state_dir, journal **out, uint64_t *recovered, char err[512])
{
    *out = NULL;
    if (recovered) *recovered = 0;
    err[0] = 0;
    if (!state_dir || !*state_dir) {
        set_err(err, "no journal directory given");
        return -1;
    }
    if (make_dirs(state_dir) < 0) {
        set_err(err, "cannot create journal directory %s: %s", state_dir,
                 strerror(errno));
        return -1;
    }
    journal *j = journal_new(state_dir);
    if (!j) {
        set_err(err, "cannot open the journal in %s: %s", state_dir, strerror(ENOMEM));
        return -1;
    }
    if (take_lock(j, err) < 0 || load(j, recovered, err) < 0 || compact(j, err) < 0 ||
        jr_sync_start(j) < 0) {
        if (!*err) set_err(err, "cannot start the journal's sync thread: %s",
                            strerror(errno));
        journal_delete(j);
        return -1;
    }
    *out = j;
    return 0;
}

/* Who holds STATE_DIR's lock, without taking it: 0 when nobody (or no lock file), the
 * pid written in the file, or -1 when it is held and the pid cannot be read. */
static long lock_holder(const char *state_dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s/lock", state_dir) >= (int)sizeof path) return 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return 0;
    long holder = 0;
    if (flock(fd, LOCK_SH | LOCK_NB) == 0) {
        flock(fd, LOCK_UN); /* free: a starting pel run retries while we look (take_lock) */
    } else if (errno == EWOULDBLOCK) {
        char pid[32];
        ssize_t n = pread(fd, pid, sizeof pid - 1, 0);
        pid[n > 0 ? n : 0] = 0;
        char *end;
        long v = strtol(pid, &end, 10);
        holder = end != pid && v > 0 ? v : -1;
    }
    close(fd);
    return holder;
}

int journal_open_readonly(const char *state_dir, journal **out, uint64_t *recovered,
                          long *run_pid, char err[512])
{
    *out = NULL;
    if (recovered) *recovered = 0;
    if (run_pid) *run_pid = 0;
    err[0] = 0;
    if (!state_dir || !*state_dir) {
        set_err(err, "no journal directory given");
        return -1;
    }
    journal *j = journal_new(state_dir);
    if (!j) {
        set_err(err, "cannot open the journal in %s: %s", state_dir, strerror(ENOMEM));
        return -1;
    }
    j->broken = EROFS; /* appends fail */
    /* Look for a run before reading, not after: a run that ends meanwhile is then called
     * in progress although the file read has its last records, which errs on the safe
     * side (the other order could read a running pel's file and call it finished). */
    if (run_pid) *run_pid = lock_holder(state_dir);
    if (load(j, recovered, err) < 0) {
        journal_delete(j);
        return -1;
    }
    *out = j;
    return 0;
}

int journal_close(journal *j)
{
    if (!j) return 0;
    int rc = journal_sync(j);
    int e = errno;
    jr_sync_stop(j);
    journal_delete(j);
    errno = e;
    return rc;
}

const jr_task *journal_find(const journal *j, const char *name)
{
    const jr_entry *e = jr_state_find(&j->st, name, strlen(name));
    return e ? &e->t : NULL;
}

double journal_duration(const journal *j, const char *name, uint64_t cmd_hash)
{
    const jr_entry *e = jr_state_find(&j->st, name, strlen(name));
    for (uint32_t k = 0; e && k < e->n_hist; k++)
        if (e->hist[k].cmd_hash == cmd_hash) return e->hist[k].duration;
    return -1;
}

uint32_t journal_count(const journal *j)
{
    return j->st.n;
}

const jr_task *journal_at(const journal *j, uint32_t i)
{
    return i < j->st.n ? &j->st.entries[i]->t : NULL;
}
