/* wf_arena.c — chunks of 256 KiB, filled front to back; a request larger than a quarter
 * of a chunk gets a chunk of its own, linked behind the current one, so the free tail of
 * the current chunk is not wasted. */
#include "wf_arena.h"

#include <stdlib.h>
#include <string.h>

#define CHUNK_SIZE ((size_t)256 * 1024)
#define ALIGN ((size_t)16) /* what malloc gives: any scalar type fits */

typedef struct chunk {
    struct chunk *next;
    max_align_t data[]; /* the flexible member carries the alignment */
} chunk;

struct wf_arena {
    chunk *head;
    char *cur, *end;
    char *last; /* start of the most recent allocation, for wf_arena_trim */
    uint64_t used, limit;
    int over_limit;
};

wf_arena *wf_arena_new(uint64_t limit)
{
    wf_arena *a = calloc(1, sizeof *a);
    if (a) a->limit = limit;
    return a;
}

void wf_arena_free(wf_arena *a)
{
    if (!a) return;
    for (chunk *c = a->head, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    free(a);
}

static chunk *chunk_new(wf_arena *a, size_t bytes)
{
    if (a->used + bytes > a->limit) {
        a->over_limit = 1;
        return NULL;
    }
    chunk *c = malloc(sizeof(chunk) + bytes);
    if (c) a->used += bytes;
    return c;
}

static void *alloc_aligned(wf_arena *a, size_t size, size_t align)
{
    uintptr_t cur = ((uintptr_t)a->cur + align - 1) & ~(uintptr_t)(align - 1);
    if (a->cur && size <= (size_t)((uintptr_t)a->end - cur) && cur <= (uintptr_t)a->end) {
        a->last = (char *)cur;
        a->cur = (char *)cur + size;
        return a->last;
    }
    if (size > CHUNK_SIZE / 4) {
        chunk *c = chunk_new(a, size);
        if (!c) return NULL;
        /* Behind the head, so the head's free tail stays usable. */
        if (a->head) {
            c->next = a->head->next;
            a->head->next = c;
        } else {
            c->next = NULL;
            a->head = c;
        }
        return c->data;
    }
    chunk *c = chunk_new(a, CHUNK_SIZE);
    if (!c) return NULL;
    c->next = a->head;
    a->head = c;
    a->cur = (char *)c->data + size;
    a->end = (char *)c->data + CHUNK_SIZE;
    a->last = (char *)c->data;
    return a->last;
}

void *wf_arena_alloc(wf_arena *a, size_t size) { return alloc_aligned(a, size, ALIGN); }

char *wf_arena_chars(wf_arena *a, size_t size) { return alloc_aligned(a, size, 1); }

void *wf_arena_zalloc(wf_arena *a, size_t size)
{
    void *p = wf_arena_alloc(a, size);
    if (p) memset(p, 0, size);
    return p;
}

char *wf_arena_strndup(wf_arena *a, const char *s, size_t n)
{
    char *p = wf_arena_chars(a, n + 1);
    if (!p) return NULL;
    if (n) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

void wf_arena_trim(wf_arena *a, void *p, size_t keep)
{
    if (p && p == a->last && a->last + keep <= a->cur) a->cur = a->last + keep;
}

int wf_arena_over_limit(const wf_arena *a) { return a->over_limit; }

uint64_t wf_arena_limit(const wf_arena *a) { return a->limit; }
