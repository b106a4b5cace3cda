/* cmd_trace.c — `pel trace view|report|dag`: the command lines, and the common pipeline
 * load → nest → critical path → write. Parsing is by hand (no getopt_long) so each
 * subcommand's options stay in one readable place. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis.h"
#include "cli.h"
#include "commands.h"
#include "render.h"

#define DEFAULT_WIDTH 1200
#define DEFAULT_LIMIT 50
#define DEFAULT_MAX_NODES 5000

static const char TRACE_HELP[] =
    "usage: pel trace SUBCOMMAND TRACE.json [OPTIONS]\n"
    "\n"
    "subcommands:\n"
    "  view    the Gantt chart as SVG, or a one-page HTML report (--html)\n"
    "  report  work, span, parallelism and the critical path (text, or --json)\n"
    "  dag     the task graph as DOT, or SVG through Graphviz\n"
    "\n"
    "TRACE.json is a Chrome trace written by pel (PEL_TRACE=FILE; docs/tracing.md);\n"
    "\"-\" reads it from standard input. pel trace SUBCOMMAND --help: its options.\n";

static const char VIEW_HELP[] =
    "usage: pel trace view TRACE.json -o OUT.svg [--width PX]\n"
    "       pel trace view TRACE.json --html -o OUT.html [--width PX] [--limit N]\n"
    "\n"
    "The Gantt chart: one lane per thread (workers first), time across; tasks coloured\n"
    "by name, waits light, parks hatched, gaps empty, the critical path outlined in red,\n"
    "steals and wakes as small marks. Slices narrower than a pixel are merged.\n"
    "\n"
    "  -o, --output FILE  where to write (\"-\": standard output); required\n"
    "      --html         one self-contained HTML page instead: the chart, the per-worker\n"
    "                     counters, the critical path and task statistics per name\n"
    "      --width PX     the picture's width in pixels (default 1200; 400 to 100000)\n"
    "      --limit N      critical-path tasks listed in the HTML page (default 50; 0: all)\n"
    "  -h, --help         this help\n";

static const char REPORT_HELP[] =
    "usage: pel trace report TRACE.json [--json] [--limit N]\n"
    "\n"
    "Work T1 (the tasks' own time), span Tinf (the longest path through the task graph),\n"
    "parallelism T1/Tinf, and the tasks on the critical path with what each contributes.\n"
    "In adaptive detail with inlined tasks the span is an upper bound (a note says so).\n"
    "\n"
    "      --json         print one JSON object instead of text\n"
    "      --limit N      critical-path tasks listed (default 50; 0: all)\n"
    "  -h, --help         this help\n";

static const char DAG_HELP[] =
    "usage: pel trace dag TRACE.json -o OUT.dot|OUT.svg [--format dot|svg] [--max-nodes N]\n"
    "\n"
    "The task graph: a node per task, edges for spawns (solid) and dataflow dependencies\n"
    "(dashed); the critical path in red.\n"
    "\n"
    "  -o, --output FILE  where to write: SVG when it ends in .svg, else DOT (\"-\": DOT on\n"
    "                     standard output); required\n"
    "      --format F     dot or svg, whatever the file name says\n"
    "      --max-nodes N  refuse SVG for more tasks than N (default 5000; 0: no limit):\n"
    "                     Graphviz takes very long on big graphs; DOT has no limit\n"
    "  -h, --help         this help\n"
    "\n"
    "SVG runs Graphviz's dot (Debian package graphviz); PEL_DOT=PROGRAM runs another.\n";

typedef struct args {
    const char *cmd;   /* "view", ... for messages */
    const char *trace; /* the positional TRACE.json */
    const char *output;
    const char *format;
    int html, json;
    unsigned long width, limit, max_nodes;
} args;

static int usage_error(const args *a, const char *what, const char *arg)
{
    pel_error("trace %s: %s%s%s (pel trace %s --help)", a->cmd, what, arg ? " " : "",
              arg ? arg : "", a->cmd);
    return PEL_EXIT_USAGE;
}

/* Parses argv (argv[0]: the subcommand). Returns -1 to go on, or an exit status. */
static int parse(int argc, char **argv, args *a, const char *help)
{
    int only_positional = 0;
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i], *v;
        int r;
        if (only_positional || arg[0] != '-' || strcmp(arg, "-") == 0) {
            if (a->trace != NULL)
                return usage_error(a, "more than one trace given:", arg);
            a->trace = arg;
            continue;
        }
        if (strcmp(arg, "--") == 0) {
            only_positional = 1;
        } else if (cli_is_help(arg)) {
            fputs(help, stdout);
            return PEL_EXIT_OK;
        } else if (strcmp(a->cmd, "report") != 0 &&
                   (r = cli_opt_value(argc, argv, &i, "-o", "--output", &v)) != 0) {
            if (r < 0)
                return PEL_EXIT_USAGE;
            a->output = v;
        } else if (strcmp(a->cmd, "view") == 0 && strcmp(arg, "--html") == 0) {
            a->html = 1;
        } else if (strcmp(a->cmd, "report") == 0 && strcmp(arg, "--json") == 0) {
            a->json = 1;
        } else if (strcmp(a->cmd, "view") == 0 &&
                   (r = cli_opt_value(argc, argv, &i, NULL, "--width", &v)) != 0) {
            if (r < 0 || cli_parse_ulong("--width", v, 400, 100000, &a->width) != 0)
                return PEL_EXIT_USAGE;
        } else if (strcmp(a->cmd, "dag") != 0 &&
                   (r = cli_opt_value(argc, argv, &i, NULL, "--limit", &v)) != 0) {
            if (r < 0 || cli_parse_ulong("--limit", v, 0, (unsigned long)-1 / 2, &a->limit) != 0)
                return PEL_EXIT_USAGE;
        } else if (strcmp(a->cmd, "dag") == 0 &&
                   (r = cli_opt_value(argc, argv, &i, NULL, "--max-nodes", &v)) != 0) {
            if (r < 0 ||
                cli_parse_ulong("--max-nodes", v, 0, (unsigned long)-1 / 2, &a->max_nodes) != 0)
                return PEL_EXIT_USAGE;
        } else if (strcmp(a->cmd, "dag") == 0 &&
                   (r = cli_opt_value(argc, argv, &i, NULL, "--format", &v)) != 0) {
            if (r < 0)
                return PEL_EXIT_USAGE;
            if (strcmp(v, "dot") != 0 && strcmp(v, "svg") != 0)
                return usage_error(a, "--format must be dot or svg, not", v);
            a->format = v;
        } else {
            return usage_error(a, "unknown option", arg);
        }
    }
    if (a->trace == NULL)
        return usage_error(a, "no trace file given", NULL);
    if (strcmp(a->cmd, "report") != 0 && a->output == NULL)
        return usage_error(a, "no output given: -o FILE", NULL);
    return -1;
}

/* Everything the outputs need, computed once. */
typedef struct analysed {
    trace t;
    cp_result cp;
    name_stats *st;
    size_t nst;
} analysed;

static int analyse(const char *path, analysed *an, int want_stats)
{
    memset(an, 0, sizeof *an);
    if (trace_load(path, &an->t) != 0)
        return -1;
    if (trace_nest(&an->t) != 0) {
        pel_error("%s: out of memory", path);
        return -1;
    }
    if (critical_path(&an->t, &an->cp) != 0)
        return -1;
    if (want_stats && task_stats(&an->t, &an->st, &an->nst) != 0) {
        pel_error("%s: out of memory", path);
        return -1;
    }
    return 0;
}

static void release(analysed *an)
{
    free(an->st);
    cp_free(&an->cp);
    trace_free(&an->t);
}

static int run_view(int argc, char **argv)
{
    args a = {.cmd = "view", .width = DEFAULT_WIDTH, .limit = DEFAULT_LIMIT};
    int rc = parse(argc, argv, &a, VIEW_HELP);
    if (rc >= 0)
        return rc;
    analysed an;
    rc = PEL_EXIT_FAIL;
    if (analyse(a.trace, &an, 1) == 0) {
        FILE *f = out_open(a.output);
        if (f != NULL) {
            svg_options opt = {(unsigned)a.width, 1};
            if (a.html)
                html_page(f, &an.t, &an.cp, an.st, an.nst, &opt, a.limit);
            else
                svg_gantt(f, &an.t, &an.cp, an.st, an.nst, &opt);
            if (out_close(f, a.output) == 0)
                rc = PEL_EXIT_OK;
        }
    }
    release(&an);
    return rc;
}

static int run_report(int argc, char **argv)
{
    args a = {.cmd = "report", .limit = DEFAULT_LIMIT};
    int rc = parse(argc, argv, &a, REPORT_HELP);
    if (rc >= 0)
        return rc;
    analysed an;
    rc = PEL_EXIT_FAIL;
    if (analyse(a.trace, &an, 0) == 0) {
        if (a.json)
            report_json(stdout, &an.t, &an.cp, a.limit);
        else
            report_text(stdout, &an.t, &an.cp, a.limit);
        if (out_close(stdout, "-") == 0)
            rc = PEL_EXIT_OK;
    }
    release(&an);
    return rc;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

static int run_dag(int argc, char **argv)
{
    args a = {.cmd = "dag", .max_nodes = DEFAULT_MAX_NODES};
    int rc = parse(argc, argv, &a, DAG_HELP);
    if (rc >= 0)
        return rc;
    int svg = a.format ? strcmp(a.format, "svg") == 0 : ends_with(a.output, ".svg");
    analysed an;
    rc = PEL_EXIT_FAIL;
    if (analyse(a.trace, &an, 0) == 0) {
        if (svg && a.max_nodes != 0 && an.t.ntasks > a.max_nodes) {
            pel_error("%s: %zu tasks are too many for Graphviz to draw in reasonable time "
                      "(--max-nodes %lu); write .dot, or raise --max-nodes", a.trace,
                      an.t.ntasks, a.max_nodes);
        } else if (svg) {
            if (dag_svg(a.output, &an.t, &an.cp) == 0)
                rc = PEL_EXIT_OK;
        } else {
            FILE *f = out_open(a.output);
            if (f != NULL) {
                dag_dot(f, &an.t, &an.cp);
                if (out_close(f, a.output) == 0)
                    rc = PEL_EXIT_OK;
            }
        }
    }
    release(&an);
    return rc;
}

int cmd_trace(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*run)(int, char **);
    } subs[] = {{"view", run_view}, {"report", run_report}, {"dag", run_dag}};
    if (argc < 2) {
        fputs(TRACE_HELP, stderr);
        return PEL_EXIT_USAGE;
    }
    if (cli_is_help(argv[1]) || strcmp(argv[1], "help") == 0) {
        fputs(TRACE_HELP, stdout);
        return PEL_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof subs / sizeof subs[0]; i++)
        if (strcmp(argv[1], subs[i].name) == 0)
            return subs[i].run(argc - 1, argv + 1);
    pel_error("trace: unknown subcommand '%s' (pel trace --help lists them)", argv[1]);
    return PEL_EXIT_USAGE;
}
