/* map.c — the hash tables of map.h. */
#include "map.h"

#include <stdlib.h>
#include <string.h>

static uint64_t mix(uint64_t a, uint64_t b)
{
    /* splitmix64's finaliser over both halves: ids are sequential per thread
     * ((tid + 1) << 40 | serial), which linear probing alone would cluster. */
    uint64_t x = a * 0x9e3779b97f4a7c15ull ^ (b + 0x632be59bd9b4e019ull);
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ull;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

uint32_t u64map_get(const u64map *m, uint64_t a, uint64_t b)
{
    if (m->cap == 0)
        return UINT32_MAX;
    for (size_t i = mix(a, b) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
        const map_slot *s = &m->slots[i];
        if (s->value == UINT32_MAX)
            return UINT32_MAX;
        if (s->a == a && s->b == b)
            return s->value;
    }
}

static int u64map_grow(u64map *m)
{
    size_t cap = m->cap ? m->cap * 2 : 64;
    map_slot *slots = malloc(cap * sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t i = 0; i < cap; i++)
        slots[i].value = UINT32_MAX;
    for (size_t j = 0; j < m->cap; j++) {
        map_slot s = m->slots[j];
        if (s.value == UINT32_MAX)
            continue;
        size_t i = mix(s.a, s.b) & (cap - 1);
        while (slots[i].value != UINT32_MAX)
            i = (i + 1) & (cap - 1);
        slots[i] = s;
    }
    free(m->slots);
    m->slots = slots;
    m->cap = cap;
    return 0;
}

uint32_t u64map_put(u64map *m, uint64_t a, uint64_t b, uint32_t value)
{
    if ((m->n + 1) * 2 > m->cap && u64map_grow(m) != 0)
        return UINT32_MAX;
    size_t i = mix(a, b) & (m->cap - 1);
    for (;; i = (i + 1) & (m->cap - 1)) {
        map_slot *s = &m->slots[i];
        if (s->value == UINT32_MAX)
            break;
        if (s->a == a && s->b == b)
            return s->value;
    }
    m->slots[i] = (map_slot){a, b, value};
    m->n++;
    return value;
}

void u64map_free(u64map *m)
{
    free(m->slots);
    memset(m, 0, sizeof *m);
}

static uint64_t str_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static int strtab_grow(strtab *t)
{
    size_t cap = t->cap ? t->cap * 2 : 64;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (slots == NULL)
        return -1;
    for (size_t j = 0; j < t->n; j++) {
        size_t i = str_hash(t->strs[j]) & (cap - 1);
        while (slots[i] != 0)
            i = (i + 1) & (cap - 1);
        slots[i] = (uint32_t)j + 1;
    }
    free(t->slots);
    t->slots = slots;
    t->cap = cap;
    return 0;
}

uint32_t strtab_intern(strtab *t, const char *s)
{
    if ((t->n + 1) * 2 > t->cap && strtab_grow(t) != 0)
        return UINT32_MAX;
    size_t i = str_hash(s) & (t->cap - 1);
    for (; t->slots[i] != 0; i = (i + 1) & (t->cap - 1))
        if (strcmp(t->strs[t->slots[i] - 1], s) == 0)
            return t->slots[i] - 1;
    if (t->n >= UINT32_MAX - 1)
        return UINT32_MAX;
    if (t->n == t->cap_strs) {
        size_t cap = t->cap_strs ? t->cap_strs * 2 : 64;
        char **strs = realloc(t->strs, cap * sizeof *strs);
        if (strs == NULL)
            return UINT32_MAX;
        t->strs = strs;
        t->cap_strs = cap;
    }
    char *copy = strdup(s);
    if (copy == NULL)
        return UINT32_MAX;
    t->strs[t->n] = copy;
    t->slots[i] = (uint32_t)t->n + 1;
    return (uint32_t)t->n++;
}

void strtab_free(strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->strs[i]);
    free(t->strs);
    free(t->slots);
    memset(t, 0, sizeof *t);
}
