/* journal_internal.h — the journal's parts, shared by journal_codec.c (the byte format),
 * journal_state.c (what the records add up to, in memory), journal_file.c (open, lock,
 * recover, compact) and journal_append.c (appends and the group-commit sync thread).
 * docs/journal.md describes the format these functions read and write.
 */
#ifndef PEL_RUN_JOURNAL_INTERNAL_H
#define PEL_RUN_JOURNAL_INTERNAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "journal.h"

/* ---- format (journal_codec.c) ---- */

#define JR_FILE_MAGIC "PELJOURN" /* the file's first 8 bytes */
#define JR_VERSION 1u            /* the format version this code reads and writes */
#define JR_HEADER_LEN 16u        /* magic, u32 version, u32 reserved (0) */
#define JR_REC_MAGIC 0x52434a50u /* "PJCR" little-endian: starts every record */
#define JR_REC_HEADER_LEN 16u    /* u32 magic, u32 payload length, u64 XXH3-64 */

/* Bounds a valid record respects; anything larger is corruption, never an allocation. */
#define JR_MAX_PAYLOAD (64u << 20) /* bytes of one payload */
#define JR_MAX_STR 65536u          /* bytes of one name or path */
#define JR_MAX_FILES (1u << 20)    /* inputs (or outputs) of one task */
#define JR_FP_LEN 33u              /* an encoded jr_fp */

#define JR_HIST 4 /* learned durations kept per task name: the latest command hashes */

_Static_assert(JR_MAX_PAYLOAD < UINT32_MAX / 2, "payload lengths fit in a u32");

typedef enum jr_rec_type {
    JR_REC_START = 1,    /* name, cmd_hash */
    JR_REC_END = 2,      /* name, cmd_hash, ok, exit, duration, ended_at, inputs, outputs */
    JR_REC_DURATION = 3, /* name, cmd_hash, duration: an older learned duration */
} jr_rec_type;

/* One decoded record. Strings point into the payload and are not NUL-terminated; `files`
 * is the validated encoding of the inputs then the outputs, walked by jr_files_next. */
typedef struct jr_rec {
    jr_rec_type type;
    const char *name;
    uint32_t name_len;
    uint64_t cmd_hash;
    uint8_t ok;
    int32_t exit_code;
    double duration;
    int64_t ended_at_ns;
    uint32_t n_in, n_out;
    const uint8_t *files;
} jr_rec;

/* A growable byte buffer records are encoded into. */
typedef struct jr_buf {
    uint8_t *p;
    size_t len, cap;
} jr_buf;

int jr_buf_reserve(jr_buf *b, size_t more); /* 0 or -1 (ENOMEM) */
void jr_buf_free(jr_buf *b);

/* Append one whole record (header + payload) to b. 0, or -1 with errno (ENOMEM, or E2BIG
 * when it would exceed the bounds above). */
int jr_encode_start(jr_buf *b, const char *name, uint64_t cmd_hash);
int jr_encode_end(jr_buf *b, const char *name, uint64_t cmd_hash, int ok, int exit_code,
                  double duration, int64_t ended_at_ns, uint32_t n_in,
                  const char *const *in_paths, const jr_fp *in, uint32_t n_out,
                  const char *const *out_paths, const jr_fp *out);
int jr_encode_duration(jr_buf *b, const char *name, uint64_t cmd_hash, double duration);
void jr_encode_header(uint8_t out[JR_HEADER_LEN]);

/* The record at data[0..avail): its total length (header + payload) with *rec filled,
 * or 0 when the bytes there are not one whole valid record. Never reads past avail. */
size_t jr_decode(const uint8_t *data, size_t avail, jr_rec *rec);

/* The next file of a validated `files` walk: its path (not NUL-terminated) and print. */
const uint8_t *jr_files_next(const uint8_t *p, const char **path, uint32_t *path_len,
                             jr_fp *fp);

/* ---- in-memory state (journal_state.c) ---- */

typedef struct jr_hist {
    uint64_t cmd_hash;
    double duration;
} jr_hist;

typedef struct jr_entry {
    jr_task t;
    uint64_t name_hash;
    uint32_t n_hist; /* hist[0] is the most recent */
    jr_hist hist[JR_HIST];
} jr_entry;

typedef struct jr_chunk jr_chunk;

typedef struct jr_state {
    jr_chunk *arena;    /* names, paths and print arrays; freed only by jr_state_free,
                           so a jr_task's pointers stay valid until journal_close */
    jr_entry **entries; /* in order of first appearance */
    uint32_t n, cap;
    uint32_t *slots; /* open addressing: entry index + 1, 0 = empty */
    uint32_t mask;   /* slots has mask + 1 entries, a power of two */
} jr_state;

/* Apply one decoded record. 0, or -1 (ENOMEM) with the state unchanged. */
int jr_state_apply(jr_state *s, const jr_rec *r);
jr_entry *jr_state_find(const jr_state *s, const char *name, size_t len);
void jr_state_free(jr_state *s);

/* ---- the open journal (journal_file.c, journal_append.c) ---- */

struct journal {
    char *dir, *path;
    int lock_fd, fd;
    jr_state st;
    jr_buf buf; /* scratch for the record being appended */

    /* mu guards everything below and the appends themselves (one at a time). */
    pthread_mutex_t mu;
    pthread_cond_t work; /* sync thread: bytes to sync, or stop */
    pthread_cond_t done; /* journal_sync waiters: synced moved, or an error */
    uint64_t end;        /* file length: where the next record goes */
    uint64_t written;    /* bytes appended since open (monotonic) */
    uint64_t synced;     /* of those, bytes known to be on disk */
    int sync_err;        /* errno of a failed fdatasync (sticky), or 0 */
    int broken;          /* errno that made the file unusable for appends, or 0 */
    int stop;
    int urgent;          /* journal_sync callers waiting: sync without the pause */
    int thread_started;
    pthread_t thread;
};

/* Start and stop the group-commit thread (journal_append.c). 0 or -1 (errno). */
int jr_sync_start(journal *j);
void jr_sync_stop(journal *j);

#endif
