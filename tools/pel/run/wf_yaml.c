/* wf_yaml.c — libyaml's events into a compact tree.
 *
 * libyaml's document API (yaml_parser_load) would do the same, but it keeps about 170
 * bytes per node in separate mallocs (a node, a copy of its tag, its value): 220 MB for
 * a 10 MB workflow of 100k tasks. This tree holds 24 bytes per node in an arena and puts
 * scalar text straight into the workflow's arena, where the tasks use it without a copy.
 * All YAML syntax is libyaml's; only the tree building is here.
 *
 * Aliases become pointers to their anchor's node, so the tree is a DAG: anything that
 * walks it counts the nodes it visits (wf_limits.max_work) to defeat alias bombs. An
 * anchor is registered when its node is complete, so a node cannot contain an alias to
 * itself and the DAG has no cycles. The nesting depth is capped (wf_limits.max_depth).
 */
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "wf_internal.h"
#include "wf_map.h"

typedef struct frame {
    wf_node *node;
    size_t base;  /* first of its items on the item stack */
    char *anchor; /* in the nodes arena, or NULL */
} frame;

typedef struct builder {
    const char *file;
    char *err;
    wf_arena *strings, *nodes;
    frame *frames;
    uint32_t depth;
    const wf_node **items; /* children of the open collections, innermost last */
    size_t n_items, cap_items;
    wf_map anchor_ids;             /* anchor name -> index in anchored */
    const wf_node **anchored;      /* the latest node of each anchor name */
    size_t n_anchored, cap_anchored;
    const wf_node *root;
    int documents;
} builder;

static int fail(builder *b, const yaml_mark_t *m, const char *msg)
{
    wf__errf(b->err, b->file, (uint32_t)m->line + 1, (uint32_t)m->column + 1, "%s", msg);
    return -1;
}

static int grow(void *pp, size_t *cap, size_t elem)
{
    size_t ncap = *cap ? *cap * 2 : 64;
    void *p = realloc(*(void **)pp, ncap * elem);
    if (!p) return -1;
    *(void **)pp = p;
    *cap = ncap;
    return 0;
}

static int add_child(builder *b, const wf_node *n, const yaml_mark_t *m)
{
    if (b->depth == 0) {
        b->root = n;
        return 0;
    }
    if (b->n_items == b->cap_items && grow(&b->items, &b->cap_items, sizeof *b->items) != 0)
        return fail(b, m, "out of memory while reading the workflow");
    b->items[b->n_items++] = n;
    return 0;
}

static int add_anchor(builder *b, const char *anchor, const wf_node *n, const yaml_mark_t *m)
{
    if (!anchor) return 0;
    if (b->n_anchored == b->cap_anchored &&
        grow(&b->anchored, &b->cap_anchored, sizeof *b->anchored) != 0)
        return fail(b, m, "out of memory while reading the workflow");
    uint32_t id = (uint32_t)b->n_anchored;
    b->anchored[b->n_anchored++] = n;
    /* A redefined anchor names its latest node from here on, as YAML says. */
    if (wf_map_put(&b->anchor_ids, anchor, strlen(anchor), id, 1, NULL) < 0)
        return fail(b, m, "out of memory while reading the workflow");
    return 0;
}

static wf_node *new_node(builder *b, int kind, const yaml_mark_t *m)
{
    wf_node *n = wf_arena_zalloc(b->nodes, sizeof *n);
    if (!n) return NULL;
    n->kind = (uint8_t)kind;
    n->line = (uint32_t)m->line + 1;
    n->col = (uint32_t)m->column + 1;
    return n;
}

static char *copy_anchor(builder *b, const yaml_char_t *anchor)
{
    return anchor ? wf_arena_strndup(b->nodes, (const char *)anchor, strlen((const char *)anchor))
                  : NULL;
}

static int on_scalar(builder *b, const yaml_event_t *e)
{
    const yaml_mark_t *m = &e->start_mark;
    const char *v = (const char *)e->data.scalar.value;
    size_t len = e->data.scalar.length;
    if (memchr(v, '\0', len))
        return fail(b, m, "a string holds a NUL character (\\0), which no command can take");
    if (len > UINT32_MAX) return fail(b, m, "a string is longer than 4 GiB");
    wf_node *n = new_node(b, WF_SCALAR, m);
    /* Mapping keys are only read while loading: they stay out of the workflow. */
    const frame *top = b->depth ? &b->frames[b->depth - 1] : NULL;
    int is_key = top && top->node->kind == WF_MAP && (b->n_items - top->base) % 2 == 0;
    char *s = n ? wf_arena_strndup(is_key ? b->nodes : b->strings, v, len) : NULL;
    char *anchor = copy_anchor(b, e->data.scalar.anchor);
    if (!s || (e->data.scalar.anchor && !anchor))
        return fail(b, m, "the workflow is too large (out of memory)");
    n->plain = e->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
    n->n = (uint32_t)len;
    n->u.str = s;
    if (add_anchor(b, anchor, n, m) != 0) return -1;
    return add_child(b, n, m);
}

static int on_start(builder *b, const yaml_event_t *e, int kind, const yaml_char_t *anchor)
{
    const yaml_mark_t *m = &e->start_mark;
    if (b->depth >= wf__limits.max_depth) {
        char msg[96];
        snprintf(msg, sizeof msg, "nesting deeper than %u levels", wf__limits.max_depth);
        return fail(b, m, msg);
    }
    wf_node *n = new_node(b, kind, m);
    char *a = copy_anchor(b, anchor);
    if (!n || (anchor && !a)) return fail(b, m, "the workflow is too large (out of memory)");
    frame *f = &b->frames[b->depth++];
    f->node = n;
    f->base = b->n_items;
    f->anchor = a;
    return 0;
}

static int on_end(builder *b, const yaml_event_t *e)
{
    const yaml_mark_t *m = &e->start_mark;
    frame *f = &b->frames[--b->depth];
    size_t count = b->n_items - f->base;
    wf_node *n = f->node;
    if (n->kind == WF_MAP) count /= 2; /* libyaml always gives a value for each key */
    if (count > UINT32_MAX / 2) return fail(b, m, "a collection has too many entries");
    size_t k = n->kind == WF_MAP ? count * 2 : count;
    const wf_node **items = wf_arena_alloc(b->nodes, (k ? k : 1) * sizeof *items);
    if (!items) return fail(b, m, "the workflow is too large (out of memory)");
    if (k) memcpy(items, b->items + f->base, k * sizeof *items);
    n->u.items = items;
    n->n = (uint32_t)count;
    b->n_items = f->base;
    if (add_anchor(b, f->anchor, n, m) != 0) return -1;
    return add_child(b, n, m);
}

static int on_alias(builder *b, const yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    uint32_t id = wf_map_get(&b->anchor_ids, name, strlen(name));
    if (id == WF_MAP_NONE) {
        char msg[160];
        snprintf(msg, sizeof msg, "alias *%.100s names no earlier complete anchor", name);
        return fail(b, &e->start_mark, msg);
    }
    return add_child(b, b->anchored[id], &e->start_mark);
}

static int syntax_error(builder *b, const yaml_parser_t *p)
{
    const char *problem = p->problem ? p->problem : "cannot parse the file";
    if (p->error == YAML_READER_ERROR) {
        wf__errf(b->err, b->file, 0, 0, "%s at byte %zu", problem, p->problem_offset);
    } else if (p->context) {
        wf__errf(b->err, b->file, (uint32_t)p->problem_mark.line + 1,
                 (uint32_t)p->problem_mark.column + 1, "%s %s (line %zu column %zu)",
                 problem, p->context, p->context_mark.line + 1, p->context_mark.column + 1);
    } else {
        wf__errf(b->err, b->file, (uint32_t)p->problem_mark.line + 1,
                 (uint32_t)p->problem_mark.column + 1, "%s", problem);
    }
    return -1;
}

static int on_event(builder *b, const yaml_event_t *e, int *done)
{
    switch (e->type) {
    case YAML_DOCUMENT_START_EVENT:
        if (++b->documents > 1)
            return fail(b, &e->start_mark,
                        "a second YAML document: a workflow file holds one document");
        return 0;
    case YAML_SCALAR_EVENT: return on_scalar(b, e);
    case YAML_SEQUENCE_START_EVENT:
        return on_start(b, e, WF_SEQ, e->data.sequence_start.anchor);
    case YAML_MAPPING_START_EVENT:
        return on_start(b, e, WF_MAP, e->data.mapping_start.anchor);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT: return on_end(b, e);
    case YAML_ALIAS_EVENT: return on_alias(b, e);
    case YAML_STREAM_END_EVENT: *done = 1; return 0;
    default: return 0;
    }
}

int wf__yaml_parse(const char *data, size_t len, const char *file, wf_arena *strings,
                   wf_arena *nodes, const wf_node **root, char err[WF_ERR_LEN])
{
    builder b = {.file = file, .err = err, .strings = strings, .nodes = nodes};
    yaml_parser_t p;
    int rc = -1, done = 0;
    b.frames = malloc((wf__limits.max_depth + 1) * sizeof *b.frames);
    if (!b.frames || wf_map_init(&b.anchor_ids, 16) != 0 || !yaml_parser_initialize(&p)) {
        wf__errf(err, file, 0, 0, "out of memory");
        free(b.frames);
        wf_map_free(&b.anchor_ids);
        return -1;
    }
    yaml_parser_set_input_string(&p, (const unsigned char *)data, len);
    while (!done) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            syntax_error(&b, &p);
            goto out;
        }
        int r = on_event(&b, &e, &done);
        yaml_event_delete(&e);
        if (r != 0) goto out;
    }
    *root = b.root;
    rc = 0;
out:
    yaml_parser_delete(&p);
    free(b.frames);
    free(b.items);
    free(b.anchored);
    wf_map_free(&b.anchor_ids);
    return rc;
}

int wf__is_null(const wf_node *n)
{
    if (n->kind != WF_SCALAR || !n->plain) return 0;
    const char *s = n->u.str;
    return n->n == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}
