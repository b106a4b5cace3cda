/* map.h — two small hash tables the loader needs: (u64, u64) → u32 (task ids, lanes by
 * pid and tid) and string interning (task names). Open addressing, linear probing,
 * doubled at half full: O(1) per look-up for the millions of events of a big trace. */
#ifndef PEL_TOOL_MAP_H
#define PEL_TOOL_MAP_H

#include <stddef.h>
#include <stdint.h>

typedef struct map_slot {
    uint64_t a, b;
    uint32_t value; /* UINT32_MAX: empty */
} map_slot;

typedef struct u64map {
    map_slot *slots;
    size_t cap, n;
} u64map;

/* The value for (a, b), or UINT32_MAX when absent. */
uint32_t u64map_get(const u64map *m, uint64_t a, uint64_t b);
/* Insert (a, b) → value unless present; returns the value now stored, or UINT32_MAX
 * when out of memory. value must not be UINT32_MAX. */
uint32_t u64map_put(u64map *m, uint64_t a, uint64_t b, uint32_t value);
void u64map_free(u64map *m);

typedef struct strtab {
    char **strs;   /* strs[i]: the i-th distinct string (owned) */
    size_t n, cap_strs;
    uint32_t *slots; /* indices + 1; 0: empty */
    size_t cap;
} strtab;

/* The index of s, added if new; UINT32_MAX when out of memory. */
uint32_t strtab_intern(strtab *t, const char *s);
void strtab_free(strtab *t);

#endif
