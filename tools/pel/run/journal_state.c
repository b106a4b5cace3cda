/* journal_state.c — what the records add up to: the latest state of each task and its
 * learned durations, found by name through an open-addressing hash table.
 *
 * Replaying a file and appending a record go through the same jr_state_apply, so the
 * state after an append is by construction the state a later open rebuilds. Memory
 * comes from an arena that is only freed at close: a record replacing a task's file
 * lists leaves the old arrays in place, so pointers handed out stay valid.
 */
#include <errno.h>
#include <stdalign.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "journal_internal.h"

struct jr_chunk {
    jr_chunk *next;
    size_t used, cap;
    alignas(max_align_t) unsigned char data[];
};

#define JR_CHUNK 65536u

static void *arena_alloc(jr_state *s, size_t n)
{
    n = (n + alignof(max_align_t) - 1) & ~(alignof(max_align_t) - 1);
    jr_chunk *c = s->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > JR_CHUNK / 4 ? n : JR_CHUNK;
        jr_chunk *nc = malloc(sizeof *nc + cap);
        if (!nc) return NULL;
        nc->used = 0;
        nc->cap = cap;
        if (c && cap != JR_CHUNK) {
            /* A big one-off block goes behind the current chunk, which keeps filling. */
            nc->next = c->next;
            c->next = nc;
        } else {
            nc->next = c;
            s->arena = nc;
        }
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += n;
    return p;
}

static char *arena_str(jr_state *s, const char *str, size_t len)
{
    char *p = arena_alloc(s, len + 1);
    if (p) {
        memcpy(p, str, len);
        p[len] = 0;
    }
    return p;
}

jr_entry *jr_state_find(const jr_state *s, const char *name, size_t len)
{
    if (!s->slots) return NULL;
    uint64_t h = XXH3_64bits(name, len);
    for (uint32_t i = (uint32_t)h & s->mask;; i = (i + 1) & s->mask) {
        uint32_t v = s->slots[i];
        if (!v) return NULL;
        jr_entry *e = s->entries[v - 1];
        if (e->name_hash == h && strncmp(e->t.name, name, len) == 0 && !e->t.name[len])
            return e;
    }
}

/* Keep the table at most half full, so probes stay short. */
static int reserve_one(jr_state *s)
{
    if (s->n == s->cap) {
        uint32_t cap = s->cap ? s->cap * 2 : 64;
        jr_entry **e = realloc(s->entries, cap * sizeof *e);
        if (!e) return -1;
        s->entries = e;
        s->cap = cap;
    }
    if (s->slots && (s->n + 1) * 2 <= s->mask + 1) return 0;
    uint32_t size = s->slots ? (s->mask + 1) * 2 : 128;
    uint32_t *slots = calloc(size, sizeof *slots);
    if (!slots) return -1;
    for (uint32_t k = 0; k < s->n; k++) {
        uint32_t i = (uint32_t)s->entries[k]->name_hash & (size - 1);
        while (slots[i]) i = (i + 1) & (size - 1);
        slots[i] = k + 1;
    }
    free(s->slots);
    s->slots = slots;
    s->mask = size - 1;
    return 0;
}

static jr_entry *entry_add(jr_state *s, const char *name, uint32_t len)
{
    if (reserve_one(s) < 0) return NULL;
    jr_entry *e = arena_alloc(s, sizeof *e);
    char *copy = arena_str(s, name, len);
    if (!e || !copy) return NULL;
    memset(e, 0, sizeof *e);
    e->t.name = copy;
    e->name_hash = XXH3_64bits(name, len);
    uint32_t i = (uint32_t)e->name_hash & s->mask;
    while (s->slots[i]) i = (i + 1) & s->mask;
    s->entries[s->n] = e;
    s->slots[i] = ++s->n;
    return e;
}

/* A successful run: (cmd_hash, duration) becomes the most recent learned duration. */
static void hist_front(jr_entry *e, uint64_t cmd_hash, double duration)
{
    uint32_t k = 0;
    while (k < e->n_hist && e->hist[k].cmd_hash != cmd_hash) k++;
    if (k == e->n_hist && e->n_hist < JR_HIST) e->n_hist++;
    if (k == JR_HIST) k = JR_HIST - 1; /* the oldest falls off */
    memmove(&e->hist[1], &e->hist[0], k * sizeof e->hist[0]);
    e->hist[0] = (jr_hist){cmd_hash, duration};
}

/* An older learned duration (compaction writes them after the state): goes behind the
 * ones known, unless that hash is known already (with a more recent duration). */
static void hist_back(jr_entry *e, uint64_t cmd_hash, double duration)
{
    for (uint32_t k = 0; k < e->n_hist; k++)
        if (e->hist[k].cmd_hash == cmd_hash) return;
    if (e->n_hist < JR_HIST) e->hist[e->n_hist++] = (jr_hist){cmd_hash, duration};
}

/* Copy one file list out of the record: paths into *paths, prints into *fps. */
static const uint8_t *copy_files(jr_state *s, const uint8_t *p, uint32_t n,
                                 const char *const **paths, const jr_fp **fps, int *oom)
{
    const char **pv = n ? arena_alloc(s, n * sizeof *pv) : NULL;
    jr_fp *fv = n ? arena_alloc(s, n * sizeof *fv) : NULL;
    if (n && (!pv || !fv)) *oom = 1;
    for (uint32_t i = 0; i < n; i++) {
        const char *path;
        uint32_t len;
        jr_fp fp;
        p = jr_files_next(p, &path, &len, &fp);
        if (*oom) continue;
        pv[i] = arena_str(s, path, len);
        fv[i] = fp;
        if (!pv[i]) *oom = 1;
    }
    *paths = pv;
    *fps = fv;
    return p;
}

int jr_state_apply(jr_state *s, const jr_rec *r)
{
    jr_entry *e = jr_state_find(s, r->name, r->name_len);
    if (!e && !(e = entry_add(s, r->name, r->name_len))) goto oom;
    if (r->type == JR_REC_DURATION) {
        hist_back(e, r->cmd_hash, r->duration);
        return 0;
    }
    jr_task t = {.name = e->t.name, .cmd_hash = r->cmd_hash};
    if (r->type == JR_REC_END) {
        t.status = r->ok ? JR_DONE : JR_FAILED;
        t.exit_code = r->exit_code;
        t.duration = r->duration;
        t.ended_at_ns = r->ended_at_ns;
    } else {
        t.status = JR_STARTED;
    }
    if (r->type == JR_REC_END && r->ok) {
        int oom = 0;
        const uint8_t *p = copy_files(s, r->files, r->n_in, &t.input_paths, &t.inputs, &oom);
        copy_files(s, p + 4, r->n_out, &t.output_paths, &t.outputs, &oom);
        if (oom) goto oom;
        t.n_inputs = r->n_in;
        t.n_outputs = r->n_out;
        hist_front(e, r->cmd_hash, r->duration);
    }
    e->t = t;
    return 0;
oom:
    errno = ENOMEM;
    return -1;
}

void jr_state_free(jr_state *s)
{
    for (jr_chunk *c = s->arena, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(s->entries);
    free(s->slots);
    memset(s, 0, sizeof *s);
}
