/* journal_append.c — appending records, and the thread that syncs them (group commit).
 *
 * An append is one write(2) of one whole record to a file opened O_APPEND, done under the
 * journal's mutex, so records never interleave and a kill -9 after journal_start returns
 * loses nothing: the bytes are in the page cache, which outlives the process. Durability
 * against a power cut comes from the sync thread: it sleeps on `work` until bytes were
 * written, fdatasyncs them outside the lock (so appends go on meanwhile, and everything
 * written while one fdatasync runs is covered by the next: group commit), then announces
 * the new `synced` on `done`. There is one such thread, hence at most one fdatasync in
 * flight. Between two fdatasyncs it pauses SYNC_PAUSE_NS (unless journal_sync is waiting):
 * an fdatasync per record would make every append wait behind the disk, while one every
 * 20 ms costs appends nothing and still bounds what a power cut can lose.
 *
 * A failed or short write is cut off again (ftruncate back to the last good end): the
 * checksum would already keep a partial record from being read as valid, but a record
 * appended after it would then sit behind garbage and be dropped by recovery. If even the
 * truncation fails, the journal refuses further appends (`broken`).
 */
#include <errno.h>
#include <math.h>
#include <time.h>
#include <unistd.h>

#include "journal_internal.h"

#define SYNC_PAUSE_NS 20000000L

static void *sync_main(void *arg)
{
    journal *j = arg;
    pthread_mutex_lock(&j->mu);
    for (;;) {
        while (!j->stop && j->synced == j->written) pthread_cond_wait(&j->work, &j->mu);
        if (j->synced == j->written) break; /* stop, and nothing left to sync */
        /* Let more records gather (the condition variable uses CLOCK_REALTIME). */
        struct timespec until;
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += SYNC_PAUSE_NS;
        if (until.tv_nsec >= 1000000000L) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000L;
        }
        while (!j->stop && !j->urgent &&
               pthread_cond_timedwait(&j->work, &j->mu, &until) != ETIMEDOUT) {
        }
        uint64_t target = j->written;
        pthread_mutex_unlock(&j->mu);
        int rc = fdatasync(j->fd);
        int e = errno;
        pthread_mutex_lock(&j->mu);
        /* After a failed fdatasync the kernel may have dropped the dirty pages: nothing
         * written so far can be promised durable, so the error stays. */
        if (rc < 0 && !j->sync_err) j->sync_err = e;
        j->synced = target;
        pthread_cond_broadcast(&j->done);
    }
    pthread_mutex_unlock(&j->mu);
    return NULL;
}

int jr_sync_start(journal *j)
{
    int rc = pthread_create(&j->thread, NULL, sync_main, j);
    if (rc) {
        errno = rc;
        return -1;
    }
    j->thread_started = 1;
    return 0;
}

void jr_sync_stop(journal *j)
{
    if (!j->thread_started) return;
    pthread_mutex_lock(&j->mu);
    j->stop = 1;
    pthread_cond_signal(&j->work);
    pthread_mutex_unlock(&j->mu);
    pthread_join(j->thread, NULL);
    j->thread_started = 0;
}

int journal_sync(journal *j)
{
    pthread_mutex_lock(&j->mu);
    uint64_t target = j->written;
    j->urgent++;
    pthread_cond_signal(&j->work);
    while (j->synced < target && !j->sync_err) pthread_cond_wait(&j->done, &j->mu);
    j->urgent--;
    int e = j->sync_err;
    pthread_mutex_unlock(&j->mu);
    if (e) {
        errno = e;
        return -1;
    }
    return 0;
}

/* Write the record in j->buf whole, or put the file back as it was. Under j->mu. */
static int write_record(journal *j)
{
    const uint8_t *p = j->buf.p;
    size_t n = j->buf.len;
    while (n) {
        ssize_t w = write(j->fd, p, n);
        if (w < 0 && errno == EINTR) continue;
        if (w <= 0) {
            int e = w < 0 ? errno : EIO;
            if (ftruncate(j->fd, (off_t)j->end) < 0) j->broken = e;
            errno = e;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Append the record encoded in j->buf and apply it. Under j->mu. */
static int append_locked(journal *j)
{
    if (j->broken) {
        errno = j->broken;
        return -1;
    }
    jr_rec r;
    size_t n = jr_decode(j->buf.p, j->buf.len, &r);
    if (n != j->buf.len) { /* cannot happen: the encoder and decoder disagree */
        errno = EINVAL;
        return -1;
    }
    if (write_record(j) < 0) return -1;
    if (jr_state_apply(&j->st, &r) < 0) {
        /* Keep disk and memory alike: the record goes again. */
        if (ftruncate(j->fd, (off_t)j->end) < 0) j->broken = EIO;
        errno = ENOMEM;
        return -1;
    }
    j->end += n;
    /* Wake the sync thread only if it sleeps for want of work: during its pause it needs
     * no wake-up per record (that would be a futex call per append). */
    if (j->synced == j->written) pthread_cond_signal(&j->work);
    j->written += n;
    return 0;
}

int journal_start(journal *j, const char *name, uint64_t cmd_hash)
{
    pthread_mutex_lock(&j->mu);
    j->buf.len = 0;
    int rc = jr_encode_start(&j->buf, name, cmd_hash);
    if (rc == 0) rc = append_locked(j);
    int e = errno;
    pthread_mutex_unlock(&j->mu);
    errno = e;
    return rc;
}

int journal_end(journal *j, const char *name, uint64_t cmd_hash, int ok, int exit_code,
                double duration, uint32_t n_inputs, const char *const *input_paths,
                const jr_fp *inputs, uint32_t n_outputs, const char *const *output_paths,
                const jr_fp *outputs)
{
    if (!isfinite(duration) || duration < 0) {
        errno = EINVAL;
        return -1;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    int64_t at = (int64_t)now.tv_sec * 1000000000 + now.tv_nsec;
    if (!ok) n_inputs = n_outputs = 0; /* a failed run's files say nothing */
    pthread_mutex_lock(&j->mu);
    j->buf.len = 0;
    int rc = jr_encode_end(&j->buf, name, cmd_hash, ok, exit_code, duration, at, n_inputs,
                           input_paths, inputs, n_outputs, output_paths, outputs);
    if (rc == 0) rc = append_locked(j);
    int e = errno;
    pthread_mutex_unlock(&j->mu);
    errno = e;
    return rc;
}
