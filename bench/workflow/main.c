/* bench/workflow/main.c — bench-workflow, the workflow group (issue 5): `pel run` side by
 * side with xargs -P, GNU parallel, make -j and ninja -j, all on 2 slots.
 *
 *     bench-workflow --bindir DIR [--pel PATH] [--quick] [--table] [--markdown FILE]
 *                    [--markdown-append] [--systems a,b,...] [--reps N] [--wait-idle S]
 *                    [--keep] [--generate DIR] [NAME...]
 *
 * --pel: the pel program (default DIR/pel). NAME: workflow (every case) or one case:
 * workflow-dispatch, workflow-sleep, workflow-dag, workflow-learned, workflow-100k (the
 * cases and systems: README.md, "Workflow runner"). bench/run runs it after bench-driver
 * with the same options. Each case's inputs are generated into a temporary directory
 * ($TMPDIR or /tmp; --keep keeps it, --generate DIR only writes them); every system runs
 * once as a warm-up (not for workflow-learned), then once per round, the systems in turn
 * with the starting point rotated every round; medians over the rounds. JSON lines go to
 * stdout, progress, tables and the floors to stderr. Exit status 1 if a command failed or
 * pel cannot be measured, 2 on a usage error.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../driver.h"
#include "workflow.h"

/* pel-yaml-shm: pel-yaml with its state directory (journal, logs) in memory, /dev/shm:
 * what the journal's disk writes cost. */
#define DISPATCH_SYSTEMS "spawn_floor xargs parallel make ninja pel-lines pel-yaml pel-yaml-shm"

static const wf_case cases[] = {
    {"workflow-dispatch", DISPATCH_SYSTEMS, WF_DISPATCH, 2000, 1000, 0, 0},
    {"workflow-sleep", DISPATCH_SYSTEMS, WF_DISPATCH, 200, 100, 0.01, 0},
    {"workflow-dag", "make ninja pel-yaml pel-yaml-shm", WF_DAG, 20, 10, 0, 0},
    {"workflow-learned", "make ninja pel-first pel-force", WF_LEARNED, 0, 0, 0, 1},
    {"workflow-100k", "make ninja pel-array pel-explicit", WF_DRY_RUN, 100000, 20000, 0, 0},
};
#define NCASES (sizeof cases / sizeof cases[0])

static int busy_samples;

/* ---- rounds ------------------------------------------------------------------------ */

/* One sample of cmd: reset its state, run, keep the figures in r. A warm-up is not kept;
 * its output's lines are counted when it goes to a file (the 100k case). */
static void sample(wf_command *cmd, wf_result *r, const wf_options *o, int warm_up)
{
    if (cmd->state_dir[0] && cmd->clean_before)
        wf_remove_tree(cmd->state_dir);
    if (cmd->ninja_log[0])
        unlink(cmd->ninja_log);
    if (!warm_up && o->wait_idle > 0 && wait_for_quiet(o->wait_idle))
        r->busy_samples++;
    wf_sample s;
    wf_run(cmd, warm_up, &s);
    if (cmd->state_dir[0] && cmd->clean_after)
        wf_remove_tree(cmd->state_dir);
    if (s.status != 0) {
        r->failed = 1;
        return;
    }
    if (warm_up) {
        if (cmd->stdout_path[0]) {
            r->out_lines = wf_count_lines(cmd->stdout_path);
            unlink(cmd->stdout_path);
        }
        return;
    }
    if (r->n < (int)(sizeof r->wall / sizeof r->wall[0])) {
        r->wall[r->n] = s.wall_s;
        r->cpu[r->n] = s.cpu_s;
        r->rss[r->n] = s.max_rss_kb;
        r->n++;
    }
}

/* The order of one round: rotated by r; in the learned case pel-force right after
 * pel-first (it needs what the first run learned). */
static void round_order(const wf_result *rs, int n, int r, int *order)
{
    for (int j = 0; j < n; j++)
        order[j] = (j + r) % n;
    int first = -1, force = -1;
    for (int j = 0; j < n; j++) {
        if (strcmp(rs[order[j]].system, "pel-first") == 0)
            first = j;
        if (strcmp(rs[order[j]].system, "pel-force") == 0)
            force = j;
    }
    if (first < 0 || force < 0 || force == first + 1)
        return;
    int moved = order[force];
    if (force < first) {
        for (int j = force; j < first; j++)
            order[j] = order[j + 1];
        order[first] = moved; /* pel-first now sits at first - 1 */
    } else {
        for (int j = force; j > first + 1; j--)
            order[j] = order[j - 1];
        order[first + 1] = moved;
    }
}

static int wanted(const wf_options *o, const char *system)
{
    if (o->systems == NULL)
        return 1;
    size_t len = strlen(system);
    for (const char *p = o->systems; (p = strstr(p, system)) != NULL; p += len)
        if ((p == o->systems || p[-1] == ',') && (p[len] == ',' || p[len] == '\0'))
            return 1;
    return 0;
}

static void run_case(const wf_case *c, const wf_options *o, const wf_tools *t,
                     const char tmp[1024])
{
    char dir[1200], state_root[1200], state[1400];
    snprintf(dir, sizeof dir, "%s/%s", tmp, c->name);
    snprintf(state_root, sizeof state_root, "%s/state", tmp);
    mkdir(state_root, 0755);
    if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
        fail("%s: cannot create %s: %s", c->name, dir, strerror(errno));
        return;
    }
    if (wf_generate(c, o->quick, dir) != 0) {
        fail("%s: cannot write its inputs into %s: %s", c->name, dir, strerror(errno));
        return;
    }
    static wf_command cmds[WF_MAX_SYSTEMS];
    wf_result rs[WF_MAX_SYSTEMS];
    int n = 0;
    char *names = strdup(c->systems), *save = NULL;
    for (char *s = strtok_r(names, " ", &save); s && n < WF_MAX_SYSTEMS;
         s = strtok_r(NULL, " ", &save)) {
        if (!wanted(o, s) || !wf_available(t, s, c->name))
            continue;
        /* pel-first and pel-force share one state directory: the learned durations */
        snprintf(state, sizeof state, "%s/%s-%s",
                 strcmp(s, "pel-yaml-shm") == 0 ? t->shm : state_root, c->name,
                 c->kind == WF_LEARNED ? "pel" : s);
        wf_make_command(c, s, dir, state, t, o, &cmds[n]);
        rs[n] = (wf_result){0};
        rs[n].system = s;
        rs[n].out_lines = -1;
        n++;
    }
    char p[256];
    wf_params(c, o, p, sizeof p);
    int rounds = c->kind == WF_LEARNED ? o->learned_reps : o->reps;
    fprintf(stderr, "bench: %s (%s): %d systems x %d rounds, load average %s\n", c->name, p, n,
            rounds, load_average());
    if (c->kind != WF_LEARNED) /* the learned case's runs take 12 s each: no warm-up */
        for (int i = 0; i < n; i++)
            sample(&cmds[i], &rs[i], o, 1);
    for (int r = 0; r < rounds; r++) {
        int order[WF_MAX_SYSTEMS];
        round_order(rs, n, r, order);
        for (int j = 0; j < n; j++) {
            wf_result *r = &rs[order[j]];
            /* pel-force without the first run's history would measure something else */
            if (j > 0 && strcmp(r->system, "pel-force") == 0 && rs[order[j - 1]].failed)
                r->failed = 1;
            if (!r->failed)
                sample(&cmds[order[j]], r, o, 0);
        }
    }
    for (int i = 0; i < n; i++) {
        busy_samples += rs[i].busy_samples;
        wf_summarise(&rs[i]);
    }
    wf_report_case(c, o, rs, n, p);
    free(names);
}

/* ---- command line ------------------------------------------------------------------ */

static void usage(void)
{
    fprintf(stderr,
            "usage: bench-workflow --bindir DIR --pel PATH [--quick] [--table] [--markdown FILE] "
            "[--markdown-append] [--systems a,b,...] [--reps N] [--wait-idle S] [--keep] "
            "[--generate DIR] [NAME...]\nNAME: workflow (all of these) or one of:\n");
    for (size_t i = 0; i < NCASES; i++)
        fprintf(stderr, "  %-18s systems: %s\n", cases[i].name, cases[i].systems);
}

static int selected(const wf_options *o, const wf_case *c)
{
    if (o->nnames == 0)
        return !(o->quick && c->full_only);
    for (int i = 0; i < o->nnames; i++)
        if (strcmp(o->names[i], "workflow") == 0 ? !(o->quick && c->full_only)
                                                 : strcmp(o->names[i], c->name) == 0)
            return 1;
    return 0;
}

static int parse(int argc, char **argv, wf_options *o, const char **generate)
{
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        int more = i + 1 < argc;
        if (strcmp(a, "--bindir") == 0 && more)
            o->bindir = argv[++i];
        else if (strcmp(a, "--pel") == 0 && more)
            o->pel = argv[++i];
        else if (strcmp(a, "--quick") == 0)
            o->quick = 1;
        else if (strcmp(a, "--table") == 0)
            o->table = 1;
        else if (strcmp(a, "--markdown") == 0 && more)
            o->markdown = argv[++i];
        else if (strcmp(a, "--markdown-append") == 0)
            o->markdown_append = 1;
        else if (strcmp(a, "--systems") == 0 && more)
            o->systems = argv[++i];
        else if (strcmp(a, "--reps") == 0 && more)
            o->reps = atoi(argv[++i]);
        else if (strcmp(a, "--wait-idle") == 0 && more)
            o->wait_idle = atof(argv[++i]);
        else if (strcmp(a, "--workers") == 0 && more)
            i++; /* bench-driver's: this group always uses 2 slots */
        else if (strncmp(a, "--workers=", 10) == 0)
            continue;
        else if (strcmp(a, "--keep") == 0)
            o->keep = 1;
        else if (strcmp(a, "--generate") == 0 && more)
            *generate = argv[++i];
        else if (a[0] == '-')
            return -1;
        else if (o->nnames < 32)
            o->names[o->nnames++] = a;
    }
    for (int i = 0; i < o->nnames; i++) {
        int known = strcmp(o->names[i], "workflow") == 0;
        for (size_t j = 0; j < NCASES; j++)
            known |= strcmp(o->names[i], cases[j].name) == 0;
        if (!known) {
            fprintf(stderr, "bench: unknown workflow case '%s'\n", o->names[i]);
            return -1;
        }
    }
    if (o->reps == 0)
        o->reps = 5;
    const char *lr = getenv("PEL_BENCH_LEARNED_REPS");
    o->learned_reps = lr && atoi(lr) > 0 ? atoi(lr) : o->reps < 3 ? o->reps : 3;
    return o->reps >= 1 && (o->bindir || *generate) ? 0 : -1;
}

static int generate_only(const wf_options *o, const char *dir)
{
    mkdir(dir, 0755);
    for (size_t i = 0; i < NCASES; i++) {
        if (!selected(o, &cases[i]))
            continue;
        char sub[4096];
        snprintf(sub, sizeof sub, "%s/%s", dir, cases[i].name);
        if ((mkdir(sub, 0755) != 0 && errno != EEXIST) || wf_generate(&cases[i], o->quick, sub)) {
            fprintf(stderr, "bench: cannot write %s: %s\n", sub, strerror(errno));
            return 1;
        }
        fprintf(stderr, "bench: wrote %s\n", sub);
    }
    return 0;
}

static void markdown_header(const wf_options *o)
{
    char model[256], date[64];
    cpu_model(model, sizeof model);
    time_t now = time(NULL);
    strftime(date, sizeof date, "%Y-%m-%d %H:%M UTC", gmtime(&now));
    const char *revision = getenv("PEL_BENCH_REVISION");
    if (!o->markdown_append)
        fprintf(wf_md, "Measured %s on %d usable CPUs (%s), load average at the start %s; "
                       "pel source %s.\n", date, usable_cpus(), model, load_average(),
                revision ? revision : "unknown");
    fprintf(wf_md, "\n## Workflow runner (issue 5), %d slots, %d rounds (learned order: %d)%s\n\n",
            WF_SLOTS, o->reps, o->learned_reps, o->quick ? ", quick sizes" : "");
}

int main(int argc, char **argv)
{
    wf_options o = {0};
    const char *generate = NULL;
    if (parse(argc, argv, &o, &generate) != 0) {
        usage();
        return 2;
    }
    if (generate)
        return generate_only(&o, generate);
    /* Commands run in the inputs' directory: absolute paths for the programs. */
    char bindir[1024], pel[1024], default_pel[1100];
    if (o.pel == NULL) { /* bench/run builds it into the same directory */
        snprintf(default_pel, sizeof default_pel, "%s/pel", o.bindir);
        o.pel = default_pel;
    }
    if (realpath(o.bindir, bindir) != NULL)
        o.bindir = bindir;
    if (o.pel && realpath(o.pel, pel) != NULL)
        o.pel = pel;
    if (o.markdown) {
        wf_md = fopen(o.markdown, o.markdown_append ? "a" : "w");
        if (wf_md == NULL) {
            perror(o.markdown);
            return 2;
        }
        markdown_header(&o);
    }
    wf_tools t;
    wf_find_tools(&t, &o);
    snprintf(t.shm, sizeof t.shm, "/dev/shm/pel-bench-workflow.XXXXXX");
    if (access("/dev/shm", W_OK) != 0 || mkdtemp(t.shm) == NULL)
        t.shm[0] = '\0';
    if (!t.pel)
        fail("workflow: pel cannot be measured: %s", t.pel_why);

    const char *base = getenv("TMPDIR");
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s/pel-bench-workflow.XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(tmp) == NULL) {
        fprintf(stderr, "bench: cannot create %s: %s\n", tmp, strerror(errno));
        return 2;
    }
    fprintf(stderr, "bench: workflow: %d slots, %d rounds (learned order: %d)%s, inputs in %s\n",
            WF_SLOTS, o.reps, o.learned_reps, o.quick ? " (quick)" : "", tmp);
    for (size_t i = 0; i < NCASES; i++)
        if (selected(&o, &cases[i]))
            run_case(&cases[i], &o, &t, tmp);
    if (busy_samples)
        fprintf(stderr, "bench: warning: %d workflow samples started while other processes "
                        "were busy\n", busy_samples);
    wf_print_floors(&o);
    if (o.keep)
        fprintf(stderr, "bench: workflow: kept %s\n", tmp);
    else
        wf_remove_tree(tmp);
    if (t.shm[0])
        wf_remove_tree(t.shm);
    if (wf_md) {
        if (busy_samples)
            fprintf(wf_md, "\n%d samples started while other processes kept the CPUs busy "
                           "(--wait-idle %.0f gave up waiting).\n", busy_samples, o.wait_idle);
        fprintf(wf_md, "\nLoad average at the end: %s.\n", load_average());
        fclose(wf_md);
    }
    return exit_status;
}
