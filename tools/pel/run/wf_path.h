/* wf_path.h — lexical path normalisation: the same file must be the same string in every
 * task, so that an input is matched to the output that makes it by plain comparison. */
#ifndef PEL_RUN_WF_PATH_H
#define PEL_RUN_WF_PATH_H

#include <stddef.h>

#include "wf_arena.h"

/* `p` (p[0..len)) taken relative to `dir` (absolute, normalised) unless it is absolute,
 * then normalised without touching the file system: no "//", "." or ".." components,
 * no trailing '/', ".." at the root stays at the root. NULL when out of memory. */
const char *wf_path_resolve(wf_arena *a, const char *dir, const char *p, size_t len);

/* Normalise the absolute path src (NUL-terminated) into dst, which has room for
 * strlen(src) + 2 bytes; returns the length written. */
size_t wf_path_normalise(const char *src, size_t len, char *dst);

#endif
