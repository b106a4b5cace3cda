/* run_options.c — `pel run`'s command line (run_options.h). */
#include "run_options.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static uint32_t usable_cores(void)
{
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0 && CPU_COUNT(&set) > 0)
        return (uint32_t)CPU_COUNT(&set);
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (uint32_t)n : 1;
}

static uint64_t machine_memory(void)
{
    long pages = sysconf(_SC_PHYS_PAGES), size = sysconf(_SC_PAGESIZE);
    return pages > 0 && size > 0 ? (uint64_t)pages * (uint64_t)size : 0;
}

int parse_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    if (*s < '0' || *s > '9')
        return -1;
    double v = strtod(s, &end);
    if (errno != 0 || end == s)
        return -1;
    double mult = 1;
    switch (*end) {
    case 'K': case 'k': mult = 1024.0; end++; break;
    case 'M': case 'm': mult = 1024.0 * 1024; end++; break;
    case 'G': case 'g': mult = 1024.0 * 1024 * 1024; end++; break;
    case 'T': case 't': mult = 1024.0 * 1024 * 1024 * 1024; end++; break;
    default: break;
    }
    if (mult > 1 && (strcmp(end, "iB") == 0 || strcmp(end, "B") == 0))
        end += strlen(end);
    else if (mult == 1 && strcmp(end, "B") == 0)
        end++;
    if (*end != '\0' || !isfinite(v * mult) || v * mult >= 1.8e19)
        return -1;
    *out = (uint64_t)(v * mult);
    return 0;
}

static int parse_seconds(const char *opt, const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno != 0 || end == s || *end != '\0' || !(v >= 0) || v > 86400) {
        pel_error("%s: '%s' is not a number of seconds from 0 to 86400", opt, s);
        return -1;
    }
    *out = v;
    return 0;
}

static int is_flag(const char *a, const char *s, const char *l)
{
    return (s && strcmp(a, s) == 0) || strcmp(a, l) == 0;
}

int run_options_parse(int argc, char **argv, const char *help, run_options *o)
{
    memset(o, 0, sizeof *o);
    o->jobs = usable_cores();
    o->mem_budget = machine_memory();
    o->kill_grace = 2.0;
    o->progress = isatty(STDERR_FILENO) ? 1 : 0;
    int quiet = 0, progress_set = -2;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v;
        int r;
        if (cli_is_help(a)) {
            fputs(help, stdout);
            return RUN_OPTIONS_HELP;
        } else if ((r = cli_opt_value(argc, argv, &i, "-j", "--jobs", &v)) != 0) {
            unsigned long n;
            if (r < 0 || cli_parse_ulong("--jobs", v, 1, 4096, &n) != 0)
                return RUN_OPTIONS_BAD;
            o->jobs = (uint32_t)n;
        } else if (strncmp(a, "-j", 2) == 0 && a[2] >= '0' && a[2] <= '9') {
            unsigned long n;
            if (cli_parse_ulong("-j", a + 2, 1, 4096, &n) != 0)
                return RUN_OPTIONS_BAD;
            o->jobs = (uint32_t)n;
        } else if ((r = cli_opt_value(argc, argv, &i, NULL, "--mem", &v)) != 0) {
            if (r < 0)
                return RUN_OPTIONS_BAD;
            if (parse_size(v, &o->mem_budget) != 0) {
                pel_error("--mem: '%s' is not a size (bytes, or a number with K, M, G or T)", v);
                return RUN_OPTIONS_BAD;
            }
        } else if ((r = cli_opt_value(argc, argv, &i, NULL, "--dot", &v)) != 0) {
            if (r < 0)
                return RUN_OPTIONS_BAD;
            o->dot_path = v;
        } else if ((r = cli_opt_value(argc, argv, &i, NULL, "--trace", &v)) != 0) {
            if (r < 0)
                return RUN_OPTIONS_BAD;
            o->trace_path = v;
        } else if ((r = cli_opt_value(argc, argv, &i, NULL, "--state-dir", &v)) != 0) {
            if (r < 0)
                return RUN_OPTIONS_BAD;
            o->state_dir_opt = v;
        } else if ((r = cli_opt_value(argc, argv, &i, NULL, "--kill-grace", &v)) != 0) {
            if (r < 0 || parse_seconds("--kill-grace", v, &o->kill_grace) != 0)
                return RUN_OPTIONS_BAD;
        } else if ((r = cli_opt_value(argc, argv, &i, NULL, "--lines", &v)) != 0) {
            if (r < 0 || o->workflow) {
                if (r > 0)
                    pel_error("give one workflow: --lines FILE or a workflow file, not both");
                return RUN_OPTIONS_BAD;
            }
            o->lines = 1;
            o->workflow = v;
        } else if (is_flag(a, "-k", "--keep-going")) {
            o->keep_going = 1;
        } else if (is_flag(a, "-n", "--dry-run")) {
            o->dry_run = 1;
        } else if (is_flag(a, "-f", "--force")) {
            o->force = 1;
        } else if (is_flag(a, "-q", "--quiet")) {
            quiet = 1;
        } else if (is_flag(a, NULL, "--progress")) {
            progress_set = 1;
        } else if (is_flag(a, NULL, "--no-progress")) {
            progress_set = 0;
        } else if (a[0] == '-' && a[1] != '\0') {
            pel_error("run: unknown option '%s' (pel run --help lists them)", a);
            return RUN_OPTIONS_BAD;
        } else if (o->workflow) {
            pel_error("run: one workflow at a time ('%s' and '%s')", o->workflow, a);
            return RUN_OPTIONS_BAD;
        } else {
            o->workflow = a;
        }
    }
    if (o->workflow == NULL) {
        pel_error("run: which workflow? (pel run WORKFLOW.yaml, or pel run --lines FILE)");
        return RUN_OPTIONS_BAD;
    }
    if (progress_set != -2)
        o->progress = progress_set;
    if (quiet)
        o->progress = -1;
    return RUN_OPTIONS_GO;
}

int run_options_state_dir(run_options *o, const wf *w)
{
    char buf[PATH_MAX];
    int n;
    if (o->state_dir_opt) {
        n = snprintf(buf, sizeof buf, "%s", o->state_dir_opt);
    } else if (strcmp(o->workflow, "-") == 0) {
        n = snprintf(buf, sizeof buf, "%s/.pel/stdin", w->base_dir);
    } else {
        const char *base = strrchr(o->workflow, '/');
        base = base ? base + 1 : o->workflow;
        size_t len = strlen(base);
        static const char *const exts[] = {".yaml", ".yml", ".txt"};
        for (size_t e = 0; e < sizeof exts / sizeof exts[0]; e++) {
            size_t el = strlen(exts[e]);
            if (len > el && strcmp(base + len - el, exts[e]) == 0) {
                len -= el;
                break;
            }
        }
        /* --lines FILE: the lines' directory, as for a workflow (base_dir is the
         * current directory there, where the commands run). */
        char dir[PATH_MAX];
        const char *slash = strrchr(o->workflow, '/');
        if (slash)
            snprintf(dir, sizeof dir, "%.*s", (int)(slash - o->workflow), o->workflow);
        else
            snprintf(dir, sizeof dir, ".");
        n = snprintf(buf, sizeof buf, "%s/.pel/%.*s", slash == o->workflow ? "" : dir, (int)len,
                     base);
    }
    if (n < 0 || n >= (int)sizeof buf) {
        pel_error("state directory name too long");
        return -1;
    }
    o->state_dir = strdup(buf);
    if (o->state_dir == NULL) {
        pel_error("out of memory");
        return -1;
    }
    return 0;
}

void run_options_free(run_options *o)
{
    free(o->state_dir);
    o->state_dir = NULL;
}

wf *run_options_load(const run_options *o)
{
    char err[WF_ERR_LEN];
    wf *w = NULL;
    int rc = o->lines ? wf_load_lines(o->workflow, &w, err) : wf_load_file(o->workflow, &w, err);
    if (rc == 0)
        rc = wf_graph_build(w, err);
    if (rc == 0)
        return w;
    pel_error("%s", err);
    if (w)
        wf_free(w);
    return NULL;
}
