#include "wf_map.h"

#include <stdlib.h>
#include <string.h>

uint32_t wf_hash(const char *s, size_t len)
{
    /* Eight bytes per multiply, then a murmur-style finaliser: names like "sim-1-17" and
     * "sim-1-18" differ in one byte and must still spread over the whole table. */
    uint64_t h = 0x9e3779b97f4a7c15ull ^ len;
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, s + i, 8);
        h = (h ^ w) * 0xff51afd7ed558ccdull;
        h ^= h >> 32;
    }
    uint64_t tail = 0;
    memcpy(&tail, s + i, len - i);
    h = (h ^ tail) * 0xc4ceb9fe1a85ec53ull;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 29;
    return (uint32_t)h;
}

int wf_map_init(wf_map *m, size_t expected)
{
    size_t cap = 16;
    while (cap < expected * 2) cap *= 2;
    if (cap > ((size_t)1 << 31)) return -1;
    m->slots = calloc(cap, sizeof *m->slots);
    m->mask = (uint32_t)(cap - 1);
    m->n = 0;
    return m->slots ? 0 : -1;
}

void wf_map_free(wf_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->n = 0;
}

static wf_map_slot *find_slot(const wf_map *m, const char *key, size_t len, uint32_t h)
{
    for (uint32_t i = h & m->mask;; i = (i + 1) & m->mask) {
        wf_map_slot *s = &m->slots[i];
        if (!s->key) return s;
        if (s->hash == h && s->len == len && memcmp(s->key, key, len) == 0) return s;
    }
}

static int grow(wf_map *m)
{
    size_t cap = ((size_t)m->mask + 1) * 2;
    if (cap > ((size_t)1 << 31)) return -1;
    wf_map_slot *old = m->slots;
    size_t old_cap = (size_t)m->mask + 1;
    m->slots = calloc(cap, sizeof *m->slots);
    if (!m->slots) {
        m->slots = old;
        return -1;
    }
    m->mask = (uint32_t)(cap - 1);
    for (size_t i = 0; i < old_cap; i++)
        if (old[i].key) *find_slot(m, old[i].key, old[i].len, old[i].hash) = old[i];
    free(old);
    return 0;
}

uint32_t wf_map_get(const wf_map *m, const char *key, size_t len)
{
    const wf_map_slot *s = find_slot(m, key, len, wf_hash(key, len));
    return s->key ? s->value : WF_MAP_NONE;
}

int wf_map_put(wf_map *m, const char *key, size_t len, uint32_t value, int replace,
               uint32_t *old)
{
    uint32_t h = wf_hash(key, len);
    wf_map_slot *s = find_slot(m, key, len, h);
    if (s->key) {
        if (old) *old = s->value;
        if (replace) s->value = value;
        return 1;
    }
    if ((size_t)(m->n + 1) * 2 > (size_t)m->mask + 1) {
        if (grow(m) != 0) return -1;
        s = find_slot(m, key, len, h);
    }
    s->key = key;
    s->len = (uint32_t)len;
    s->hash = h;
    s->value = value;
    m->n++;
    return 0;
}
