/* wf_arena.h — the bump allocator that owns every string and array of a workflow.
 *
 * Allocations are never freed one by one: wf_arena_free releases them all. A byte limit
 * turns a workflow that would expand to gigabytes into a clear error instead of an OOM
 * kill (the loader reports it; the fuzzer lowers the limit).
 */
#ifndef PEL_RUN_WF_ARENA_H
#define PEL_RUN_WF_ARENA_H

#include <stddef.h>
#include <stdint.h>

typedef struct wf_arena wf_arena;

/* A new arena that refuses to hold more than `limit` bytes; NULL when out of memory. */
wf_arena *wf_arena_new(uint64_t limit);
void wf_arena_free(wf_arena *a);

/* `size` bytes aligned for any scalar type; NULL when out of memory or over the limit
 * (then wf_arena_over_limit tells which). */
void *wf_arena_alloc(wf_arena *a, size_t size);
void *wf_arena_zalloc(wf_arena *a, size_t size);
/* `size` bytes for characters, without alignment: strings pack tightly. */
char *wf_arena_chars(wf_arena *a, size_t size);
/* A copy of s[0..n) with a NUL after it. */
char *wf_arena_strndup(wf_arena *a, const char *s, size_t n);
/* Give back the tail of the most recent allocation `p`, keeping `keep` bytes of it. */
void wf_arena_trim(wf_arena *a, void *p, size_t keep);

int wf_arena_over_limit(const wf_arena *a);
uint64_t wf_arena_limit(const wf_arena *a);

#endif
