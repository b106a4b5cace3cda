/* wf_dot.c — the task graph as Graphviz DOT, left to right as data flows. */
#include <errno.h>
#include <stdio.h>

#include "wf.h"

static int put_label(FILE *f, const char *s)
{
    if (fputc('"', f) == EOF) return -1;
    for (; *s; s++) {
        int r;
        if (*s == '"' || *s == '\\') r = fprintf(f, "\\%c", *s);
        else if (*s == '\n') r = fputs("\\n", f);
        else r = fputc(*s, f);
        if (r < 0) return -1;
    }
    return fputc('"', f) == EOF ? -1 : 0;
}

int wf_write_dot(const wf *w, const uint8_t *will_run, FILE *f)
{
    if (fputs("digraph workflow {\n"
              "  rankdir=LR;\n"
              "  node [shape=box, style=\"rounded,filled\", fillcolor=\"#e8f0fe\", "
              "fontname=\"Helvetica\"];\n"
              "  edge [color=\"#555555\"];\n",
              f) < 0)
        return -1;
    for (uint32_t i = 0; i < w->n_tasks; i++) {
        if (fprintf(f, "  t%u [label=", i) < 0 || put_label(f, w->tasks[i].name) != 0) return -1;
        if (will_run && !will_run[i] &&
            fputs(", fillcolor=\"#f2f2f2\", color=\"#aaaaaa\", fontcolor=\"#888888\"", f) < 0)
            return -1;
        if (fputs("];\n", f) < 0) return -1;
    }
    for (uint32_t i = 0; i < w->n_tasks; i++)
        for (uint32_t k = 0; k < w->tasks[i].n_deps; k++)
            if (fprintf(f, "  t%u -> t%u;\n", w->tasks[i].deps[k], i) < 0) return -1;
    if (fputs("}\n", f) < 0 || fflush(f) != 0) return -1;
    if (ferror(f)) {
        if (!errno) errno = EIO;
        return -1;
    }
    return 0;
}
