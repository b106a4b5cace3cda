/* wf_units.h — the numbers of a workflow file: integers, durations and sizes, parsed
 * from scalar text (the YAML loader gives every scalar as text). Each returns 0, or -1
 * when the text is not of the form (nothing is written then). */
#ifndef PEL_RUN_WF_UNITS_H
#define PEL_RUN_WF_UNITS_H

#include <stddef.h>
#include <stdint.h>

/* [+-]digits, within int64_t. */
int wf_parse_int(const char *s, size_t len, int64_t *out);

/* A number of seconds ("90", "1.5", "2e3"), or numbers each followed by a unit among
 * ms, s, m, h, d ("500ms", "1h30m", "1m 30s"). Never negative; finite. */
int wf_parse_duration(const char *s, size_t len, double *out);

/* A number of bytes, optionally followed by a binary unit: B, K, M, G, T, with an
 * optional "B" or "iB" after the letter, any case ("512M", "1.5GiB", "64 kb"). */
int wf_parse_size(const char *s, size_t len, uint64_t *out);

#endif
