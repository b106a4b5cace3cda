/* fingerprint.h — what identifies a task's command and the content of its files, so a
 * later run can tell what changed.
 *
 * A file's fingerprint is its size, mtime, inode and an XXH3-64 hash of its content
 * (libxxhash). Hashing is skipped when a known fingerprint's size, mtime and inode still
 * match (the file was not touched), as git's index does. Many files are fingerprinted in
 * parallel on pel's runtime (pel_parallel_for).
 */
#ifndef PEL_RUN_FINGERPRINT_H
#define PEL_RUN_FINGERPRINT_H

#include <stdint.h>

#include "journal.h"
#include "wf.h"

/* Fingerprint one file. `known` (may be NULL) is an earlier fingerprint of the same path:
 * when size, mtime_ns and ino match it, its hash is reused without reading the file.
 * 0 (out->exists says whether the file is there), or -1 with errno when it exists but
 * cannot be read (a directory, EACCES, EIO). */
int fp_file(const char *path, const jr_fp *known, jr_fp *out);

/* Fingerprint n files in parallel (pel's default runtime). known[i] may be NULL entries
 * or known itself NULL. Returns 0, or -1 with *bad set to the first path that could not
 * be read (errno set). */
int fp_files(uint32_t n, const char *const *paths, const jr_fp *const *known, jr_fp *out,
             uint32_t *bad);

/* Do two fingerprints describe the same content? (both missing, or both present with
 * equal size and hash) */
int fp_same(const jr_fp *a, const jr_fp *b);

/* The command hash of a task: everything that defines what it does (argv or shell string,
 * env, dir, the input and output lists), but not how it is scheduled (cores, memory,
 * retries, timeout, estimate). */
uint64_t fp_task_hash(const wf_task *t);

#endif
