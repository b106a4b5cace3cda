/* render.h — the outputs: the text and JSON report (report.c), the Gantt chart as SVG
 * (svg_gantt.c), the one-page HTML (html_page.c) and the task graph (dag.c). Each writes
 * to an open stream; the caller opens and checks the file (cli.h). */
#ifndef PEL_TOOL_RENDER_H
#define PEL_TOOL_RENDER_H

#include <stdio.h>

#include "analysis.h"
#include "model.h"

/* Notes that qualify the figures (upper bound, dropped events, ...): each call of
 * `note` gets one sentence. Shared by the text, JSON and HTML reports. */
void report_notes(const trace *t, const cp_result *cp,
                  void (*note)(void *ctx, const char *text), void *ctx);

/* `limit`: at most that many critical-path tasks listed (0: all). */
void report_text(FILE *f, const trace *t, const cp_result *cp, size_t limit);
void report_json(FILE *f, const trace *t, const cp_result *cp, size_t limit);

typedef struct svg_options {
    unsigned width;  /* of the whole picture, px */
    int standalone;  /* an .svg file (XML declaration, namespace) rather than inline HTML */
} svg_options;

void svg_gantt(FILE *f, const trace *t, const cp_result *cp, const name_stats *st,
               size_t nst, const svg_options *opt);

void html_page(FILE *f, const trace *t, const cp_result *cp, const name_stats *st,
               size_t nst, const svg_options *opt, size_t limit);

/* The task graph in DOT. */
void dag_dot(FILE *f, const trace *t, const cp_result *cp);
/* Run Graphviz's dot (PEL_DOT, else `dot` on PATH) on dag_dot's output, writing SVG to
 * out_path ("-": stdout). 0, or -1 after printing why. */
int dag_svg(const char *out_path, const trace *t, const cp_result *cp);

#endif
