/* wf_map.h — an open-addressing hash map from byte strings to uint32_t, for task names,
 * output paths, anchors and patterns. Keys are not copied: they must outlive the map.
 * Linear probing at most half full, so a lookup touches one or two slots on average. */
#ifndef PEL_RUN_WF_MAP_H
#define PEL_RUN_WF_MAP_H

#include <stddef.h>
#include <stdint.h>

#define WF_MAP_NONE UINT32_MAX

typedef struct wf_map_slot {
    const char *key; /* NULL: empty */
    uint32_t len, hash;
    uint32_t value;
} wf_map_slot;

typedef struct wf_map {
    wf_map_slot *slots;
    uint32_t mask; /* capacity - 1, a power of two */
    uint32_t n;
} wf_map;

/* Room for `expected` keys before the first growth. 0, or -1 when out of memory. */
int wf_map_init(wf_map *m, size_t expected);
void wf_map_free(wf_map *m);

uint32_t wf_map_get(const wf_map *m, const char *key, size_t len);
/* Insert key -> value. If the key is there already: with `replace` its value becomes
 * `value`; either way *old (if not NULL) gets the previous value and 1 is returned.
 * 0 when inserted, -1 when out of memory. */
int wf_map_put(wf_map *m, const char *key, size_t len, uint32_t value, int replace,
               uint32_t *old);

uint32_t wf_hash(const char *s, size_t len);

#endif
