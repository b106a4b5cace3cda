/* text.h — writing names and numbers into SVG, HTML, JSON and DOT, and a stable colour per
 * task name. Everything the tool prints passes through these, so a task named
 * `a<b & "c"` cannot break any of the formats. */
#ifndef PEL_TOOL_TEXT_H
#define PEL_TOOL_TEXT_H

#include <stdint.h>
#include <stdio.h>

/* XML/HTML text or attribute value (both quote styles escaped). Control characters,
 * which XML 1.0 forbids even escaped, become '?'. */
void xml_puts(FILE *f, const char *s);
/* A JSON string, quotes included. */
void json_puts(FILE *f, const char *s);
/* The inside of a DOT "..." string. */
void dot_puts(FILE *f, const char *s);

/* Nanoseconds as microseconds with exactly three decimals ("12.345", "-0.500"): the
 * trace's own resolution, so values read back compare exactly. buf: 32 bytes. */
const char *fmt_us(char *buf, int64_t ns);
/* A duration for people: "850 ns", "12.3 us", "1.25 ms", "3.20 s". `micro` is the micro
 * sign to use ("µ" in SVG and HTML, "u" in terminal text). buf: 32 bytes. */
const char *fmt_duration(char *buf, int64_t ns, const char *micro);

/* "#rrggbb" for a task name: the same name gets the same colour in every chart. */
void name_colour(const char *name, char out[8]);
/* The colour mixed with white: f = 0 keeps it, 1 gives white. */
void colour_mix_white(const char *hex, double f, char out[8]);

/* Saturating addition of non-negative durations: a crafted trace cannot overflow. */
static inline int64_t add_sat(int64_t a, int64_t b)
{
    return a > INT64_MAX - b ? INT64_MAX : a + b;
}

#endif
