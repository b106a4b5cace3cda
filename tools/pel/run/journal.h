/* journal.h — what `pel run` remembers between runs of one workflow, kept crash-safe.
 *
 * One append-only file, STATE_DIR/journal, of checksummed records: a task started, a task
 * ended (exit status, duration, the command hash and the fingerprints of its inputs and
 * outputs). Each record is handed to write(2) as soon as it is made, so a kill -9 of pel
 * loses none of them; a background thread fdatasyncs the file shortly after each write
 * (group commit), so a power cut loses at most the last few milliseconds.
 *
 * Opening reads the whole file and keeps the longest prefix of valid records: a file
 * truncated or corrupted at any byte is never an error, and never a crash. It then
 * rewrites the file compacted (the latest state of each task; temporary file, fsync,
 * rename, fsync of the directory) and appends to that. STATE_DIR/lock (flock) keeps a
 * second pel from using the same state at the same time.
 */
#ifndef PEL_RUN_JOURNAL_H
#define PEL_RUN_JOURNAL_H

#include <stdint.h>

/* A file's fingerprint. A missing file has exists == 0 and the rest zero. */
typedef struct jr_fp {
    uint8_t exists;
    uint64_t size;
    int64_t mtime_ns;
    uint64_t ino;
    uint64_t hash; /* XXH3-64 of the content */
} jr_fp;

typedef enum jr_status {
    JR_NONE = 0,    /* no record: never ran */
    JR_STARTED = 1, /* started, no end: interrupted (pel was killed or the machine died) */
    JR_DONE = 2,    /* ended successfully */
    JR_FAILED = 3,  /* ended with a failure (after its last retry) */
} jr_status;

/* The latest state of one task, as the journal knows it. Pointers stay valid until
 * journal_close. */
typedef struct jr_task {
    const char *name;
    jr_status status;
    uint64_t cmd_hash;     /* of the latest record */
    int exit_code;         /* FAILED: the exit status (>= 0) or -signal number */
    double duration;       /* DONE/FAILED: seconds of the last attempt */
    int64_t ended_at_ns;   /* DONE/FAILED: CLOCK_REALTIME of the end */
    uint32_t n_inputs;     /* DONE: the inputs' paths and fingerprints when it ran */
    const char *const *input_paths;
    const jr_fp *inputs;
    uint32_t n_outputs;    /* DONE: the outputs' paths and fingerprints when it ended */
    const char *const *output_paths;
    const jr_fp *outputs;
} jr_task;

typedef struct journal journal;

/* Open (creating STATE_DIR and the file as needed) and recover. Fails (-1, err filled:
 * "cannot create journal directory D: Permission denied", "STATE_DIR is in use by another
 * pel (pid N)") only when the directory or the file cannot be used. *recovered is set to
 * the number of bytes dropped from a damaged tail (0 normally). */
int journal_open(const char *state_dir, journal **out, uint64_t *recovered, char err[512]);

/* Open for reading only: no directory or file is created, the lock is not taken and the
 * file is not compacted (pel run --dry-run, pel status). A missing directory or journal
 * gives an empty state. A pel run may be appending meanwhile: what it wrote up to the
 * moment of the read is used, a record it is in the middle of writing is dropped like a
 * damaged tail (*recovered). *run_pid (when not NULL) is set to the pid of the pel
 * holding the directory's lock, -1 if that pid is unknown, 0 when none does. Appends to
 * the journal fail (errno EROFS). */
int journal_open_readonly(const char *state_dir, journal **out, uint64_t *recovered,
                          long *run_pid, char err[512]);

/* The latest state of the task named `name`, or NULL if it has no record. */
const jr_task *journal_find(const journal *j, const char *name);

/* The learned duration of (name, cmd_hash): the duration of its latest successful run
 * with that command hash (kept even after the command changed and changed back), or -1
 * when there is none. */
double journal_duration(const journal *j, const char *name, uint64_t cmd_hash);

/* Every task known, in no particular order; for `pel status`. */
uint32_t journal_count(const journal *j);
const jr_task *journal_at(const journal *j, uint32_t i);

/* Append records. 0, or -1 (errno set: ENOSPC, EIO, ...) when the write failed; the
 * journal stays consistent (a failed record is not half-kept in memory). Paths and
 * fingerprints are copied. */
int journal_start(journal *j, const char *name, uint64_t cmd_hash);
int journal_end(journal *j, const char *name, uint64_t cmd_hash, int ok, int exit_code,
                double duration, uint32_t n_inputs, const char *const *input_paths,
                const jr_fp *inputs, uint32_t n_outputs, const char *const *output_paths,
                const jr_fp *outputs);

/* Wait until everything appended is on disk (fdatasync). 0 or -1 (errno). */
int journal_sync(journal *j);

/* Sync, stop the sync thread, unlock and free. 0 or -1 if the last sync failed. */
int journal_close(journal *j);

#endif
