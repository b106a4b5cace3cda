/* wf_internal.h — what the loader's files share: the limits that keep a hostile workflow
 * from taking unbounded time or memory, the loading context, error formatting, and the
 * YAML tree the format is read from. */
#ifndef PEL_RUN_WF_INTERNAL_H
#define PEL_RUN_WF_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "wf.h"
#include "wf_arena.h"

/* Every limit is reported as an error naming it; none is ever hit by a sane workflow.
 * The fuzzer lowers them (wf__limits is a plain global, read at the start of a load). */
typedef struct wf_limits {
    uint64_t max_tasks;   /* tasks after arrays are expanded */
    uint64_t max_work;    /* YAML nodes visited (an alias counts each time it is
                             followed) plus key comparisons while merging env maps */
    uint64_t max_bytes;   /* arena bytes of one workflow */
    uint64_t max_edges;   /* dependency edges after patterns are resolved */
    uint64_t max_matches; /* fnmatch calls to resolve `after` patterns */
    uint32_t max_depth;   /* nesting of YAML collections */
} wf_limits;

#define WF_MAX_PARAMS 64 /* parameters of one task array */

extern wf_limits wf__limits;

/* Fill err with "FILE:LINE:COL: message", or "FILE: message" when line is 0. */
void wf__errf(char *err, const char *file, uint32_t line, uint32_t col, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* How a file is named in messages: its path, or "<stdin>" for "-". */
const char *wf__display_name(const char *path);

/* An empty workflow whose strings live in a fresh arena; NULL when out of memory. */
wf *wf__new(const char *path, const char *base_dir);

/* The bytes of a workflow file ("-": stdin), malloc'd, and the directory its relative
 * paths start from (base_dir has PATH_MAX bytes). NULL with err filled. */
char *wf__read_input(const char *path, size_t *len, char *base_dir, char err[WF_ERR_LEN]);

/* Fill w->topo from the deps (Kahn's algorithm, ties in file order); a cycle is an
 * error that prints it. */
int wf__topo_sort(wf *w, const char *file, char err[WF_ERR_LEN]);

/* ---- The YAML tree (wf_yaml.c) ---------------------------------------------------- */

enum { WF_SCALAR, WF_SEQ, WF_MAP };

typedef struct wf_node {
    uint8_t kind;
    uint8_t plain;     /* scalar written without quotes (only plain scalars can be null) */
    uint32_t line, col; /* 1-based */
    uint32_t n;        /* scalar: bytes; sequence: items; mapping: pairs */
    union {
        const char *str;                   /* NUL-terminated, in the workflow's arena */
        const struct wf_node *const *items; /* mapping: key, value, key, value, ... */
    } u;
} wf_node;

/* Parse data with libyaml into a tree: scalars into `strings` (they become the task
 * strings), nodes into `nodes`. Aliases point at their anchor's node. *root is NULL for
 * an empty stream. 0, or -1 with err filled. */
int wf__yaml_parse(const char *data, size_t len, const char *file, wf_arena *strings,
                   wf_arena *nodes, const wf_node **root, char err[WF_ERR_LEN]);

/* A plain scalar reading "", "~", "null", "Null" or "NULL". */
int wf__is_null(const wf_node *n);

#endif
