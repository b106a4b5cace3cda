/* plan.c — deciding what runs, and why.
 *
 * Four passes:
 *  1. From the journal alone: forced, never ran, interrupted, failed, command changed
 *     ("sure" to run), or a candidate for skipping (DONE with the same command hash).
 *  2. In topological order, a candidate downstream of a sure task is sure too: it will
 *     re-run whatever its files say, so its files are not fingerprinted (they are about
 *     to be rewritten). Planning thousands of tasks that never ran reads no file content.
 *  3. The files still needed, each path once, in parallel on pel's runtime: fingerprints
 *     for the remaining candidates' inputs and outputs (reusing the journal's hash when
 *     size, mtime and inode match), and a stat of every input no task makes, for all
 *     tasks, since such an input being absent is an error the caller reports up front.
 *  4. The decision, in topological order, so that a task re-runs exactly when it or
 *     something upstream of it changed.
 * Errors are lazy: a file that cannot be read is an error only if a decision needs it.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <xxhash.h>

#include <pel/loop.h>

#include "fingerprint.h"
#include "plan.h"

/* A set of path strings (owned by the workflow) mapped to a number; sized once. */
typedef struct path_map {
    const char **keys;
    uint32_t *vals;
    uint32_t mask;
} path_map;

static int map_init(path_map *m, uint64_t count)
{
    uint64_t size = 16;
    while (size < count * 2) size *= 2;
    m->mask = (uint32_t)(size - 1);
    m->keys = calloc(size, sizeof *m->keys);
    m->vals = calloc(size, sizeof *m->vals);
    return m->keys && m->vals ? 0 : -1;
}

static void map_free(path_map *m)
{
    free(m->keys);
    free(m->vals);
}

/* The slot of `key`: keys[slot] is NULL when it is not there yet. */
static uint32_t map_slot(const path_map *m, const char *key)
{
    uint32_t i = (uint32_t)XXH3_64bits(key, strlen(key)) & m->mask;
    while (m->keys[i] && strcmp(m->keys[i], key) != 0) i = (i + 1) & m->mask;
    return i;
}

/* The value of key, or UINT32_MAX. */
static uint32_t map_get(const path_map *m, const char *key)
{
    uint32_t s = map_slot(m, key);
    return m->keys[s] ? m->vals[s] : UINT32_MAX;
}

/* A file the plan looks at, once per path. */
typedef struct plan_file {
    const char *path;
    const jr_fp *known; /* the journal's print of it, or NULL */
    uint8_t need_fp;    /* 1: fingerprint it; 0: only whether it exists */
    int err;            /* errno when it could not be read */
    jr_fp fp;
} plan_file;

typedef struct planner {
    const wf *w;
    const journal *j;
    path_map made_by; /* output path -> index of the task that writes it */
    path_map file_ix; /* path -> index into files */
    plan_file *files;
    uint32_t n_files;
    const jr_task **rec; /* per task: its journal record when it is a candidate */
    uint8_t *sure;       /* per task: runs whatever its files say */
} planner;

static void add_file(planner *p, const char *path, const jr_fp *known, int need_fp)
{
    uint32_t s = map_slot(&p->file_ix, path);
    if (!p->file_ix.keys[s]) {
        p->file_ix.keys[s] = path;
        p->file_ix.vals[s] = p->n_files;
        p->files[p->n_files++] = (plan_file){.path = path, .known = known};
    }
    plan_file *f = &p->files[p->file_ix.vals[s]];
    if (need_fp) {
        f->need_fp = 1;
        if (!f->known) f->known = known;
    }
}

static int look_range(size_t lo, size_t hi, void *ctx)
{
    planner *p = ctx;
    for (size_t i = lo; i < hi; i++) {
        plan_file *f = &p->files[i];
        struct stat st;
        if (f->need_fp) f->err = fp_file(f->path, f->known, &f->fp) < 0 ? errno : 0;
        else if (stat(f->path, &st) == 0) f->fp.exists = 1;
        else f->fp.exists = !(errno == ENOENT || errno == ENOTDIR); /* unreadable: there */
    }
    return 0;
}

/* Does the journal's DONE record describe this very task (same command, same lists)? */
static int same_command(const wf_task *t, const jr_task *r, uint64_t h)
{
    if (r->cmd_hash != h || r->n_inputs != t->n_inputs || r->n_outputs != t->n_outputs)
        return 0;
    for (uint32_t k = 0; k < t->n_inputs; k++)
        if (strcmp(r->input_paths[k], t->inputs[k]) != 0) return 0;
    for (uint32_t k = 0; k < t->n_outputs; k++)
        if (strcmp(r->output_paths[k], t->outputs[k]) != 0) return 0;
    return 1;
}

/* Pass 1: what the journal alone says about task i. */
static void judge_record(planner *p, uint32_t i, int force, plan_item *it)
{
    const wf_task *t = &p->w->tasks[i];
    const jr_task *r = p->j ? journal_find(p->j, t->name) : NULL;
    it->cmd_hash = fp_task_hash(t);
    double learned = p->j ? journal_duration(p->j, t->name, it->cmd_hash) : -1;
    it->cost = learned >= 0 ? learned : t->estimate >= 0 ? t->estimate : 0;
    it->run = 1;
    if (force) it->reason = PLAN_FORCED;
    else if (!r || r->status == JR_NONE) it->reason = PLAN_NEVER_RAN;
    else if (r->status == JR_STARTED) it->reason = PLAN_INTERRUPTED;
    else if (r->status == JR_FAILED) it->reason = PLAN_FAILED_BEFORE;
    else if (!same_command(t, r, it->cmd_hash)) it->reason = PLAN_COMMAND_CHANGED;
    else {
        it->run = 0;
        it->reason = PLAN_UP_TO_DATE;
        p->rec[i] = r;
    }
    p->sure[i] = it->run;
}

static int setup(planner *p, const wf *w, const journal *j)
{
    uint64_t n_paths = 0;
    for (uint32_t i = 0; i < w->n_tasks; i++)
        n_paths += (uint64_t)w->tasks[i].n_inputs + w->tasks[i].n_outputs;
    p->w = w;
    p->j = j;
    p->files = malloc((n_paths ? n_paths : 1) * sizeof *p->files);
    p->rec = calloc(w->n_tasks ? w->n_tasks : 1, sizeof *p->rec);
    p->sure = calloc(w->n_tasks ? w->n_tasks : 1, 1);
    if (map_init(&p->made_by, n_paths) < 0 || map_init(&p->file_ix, n_paths) < 0 ||
        !p->files || !p->rec || !p->sure)
        return -1;
    for (uint32_t i = 0; i < w->n_tasks; i++)
        for (uint32_t k = 0; k < w->tasks[i].n_outputs; k++) {
            uint32_t s = map_slot(&p->made_by, w->tasks[i].outputs[k]);
            if (!p->made_by.keys[s]) {
                p->made_by.keys[s] = w->tasks[i].outputs[k];
                p->made_by.vals[s] = i;
            }
        }
    return 0;
}

static void planner_free(planner *p)
{
    map_free(&p->made_by);
    map_free(&p->file_ix);
    free(p->files);
    free(p->rec);
    free(p->sure);
}

static uint32_t topo_at(const wf *w, uint32_t k)
{
    return w->topo ? w->topo[k] : k;
}

/* Pass 2 and the list of files pass 3 looks at. */
static void gather_files(planner *p)
{
    const wf *w = p->w;
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        uint32_t i = topo_at(w, k);
        const wf_task *t = &w->tasks[i];
        for (uint32_t d = 0; d < t->n_deps && !p->sure[i]; d++)
            if (p->sure[t->deps[d]]) p->sure[i] = 1;
        int fp = !p->sure[i] && p->rec[i];
        for (uint32_t m = 0; m < t->n_inputs; m++)
            if (fp || map_get(&p->made_by, t->inputs[m]) == UINT32_MAX)
                add_file(p, t->inputs[m], fp ? &p->rec[i]->inputs[m] : NULL, fp);
        for (uint32_t m = 0; fp && m < t->n_outputs; m++)
            add_file(p, t->outputs[m], &p->rec[i]->outputs[m], 1);
    }
}

static const plan_file *file_of(const planner *p, const char *path)
{
    return &p->files[map_get(&p->file_ix, path)];
}

/* Pass 4 for a candidate none of whose dependencies runs: compare its files. */
static int judge_files(planner *p, uint32_t i, plan_item *it, char err[512])
{
    const wf_task *t = &p->w->tasks[i];
    const jr_task *r = p->rec[i];
    for (uint32_t m = 0; m < t->n_inputs + t->n_outputs; m++) {
        int in = m < t->n_inputs;
        const char *path = in ? t->inputs[m] : t->outputs[m - t->n_inputs];
        const plan_file *f = file_of(p, path);
        if (f->err) {
            snprintf(err, 512, "cannot read %s (%s of task %s): %s", path,
                     in ? "an input" : "an output", t->name, strerror(f->err));
            return -1;
        }
        const jr_fp *was = in ? &r->inputs[m] : &r->outputs[m - t->n_inputs];
        if (fp_same(&f->fp, was)) continue;
        it->run = 1;
        it->detail = path;
        it->reason = in ? PLAN_INPUT_CHANGED
                        : f->fp.exists ? PLAN_OUTPUT_CHANGED : PLAN_OUTPUT_MISSING;
        return 0;
    }
    return 0;
}

static int decide(planner *p, plan *out, char failed[][24], char err[512])
{
    const wf *w = p->w;
    for (uint32_t k = 0; k < w->n_tasks; k++) {
        uint32_t i = topo_at(w, k);
        const wf_task *t = &w->tasks[i];
        plan_item *it = &out->items[i];
        for (uint32_t m = 0; m < t->n_inputs; m++) {
            if (map_get(&p->made_by, t->inputs[m]) != UINT32_MAX) continue;
            const plan_file *f = file_of(p, t->inputs[m]);
            if (f->fp.exists || f->err) continue; /* unreadable is not missing */
            it->run = 1;
            it->reason = PLAN_INPUT_MISSING;
            it->detail = t->inputs[m];
            break;
        }
        if (it->reason == PLAN_FAILED_BEFORE) {
            const jr_task *r = journal_find(p->j, t->name);
            if (r->exit_code < 0) snprintf(failed[i], 24, "signal %d", -r->exit_code);
            else snprintf(failed[i], 24, "exit %d", r->exit_code);
            it->detail = failed[i];
        }
        if (it->run) continue;
        for (uint32_t d = 0; d < t->n_deps && !it->run; d++)
            if (out->items[t->deps[d]].run) {
                it->run = 1;
                it->reason = PLAN_UPSTREAM;
                it->detail = w->tasks[t->deps[d]].name;
            }
        if (!it->run && judge_files(p, i, it, err) < 0) return -1;
    }
    return 0;
}

/* Critical-path priorities over the work that remains: a skipped task costs nothing. */
static void priorities(const wf *w, const plan *pl)
{
    for (uint32_t k = w->n_tasks; k-- > 0;) {
        uint32_t i = topo_at(w, k);
        double best = 0;
        for (uint32_t s = 0; s < w->tasks[i].n_succ; s++) {
            double q = pl->prio[w->tasks[i].succ[s]];
            if (q > best) best = q;
        }
        pl->prio[i] = (pl->items[i].run ? pl->items[i].cost : 0) + best;
    }
}

/* Move the details into the plan's own block (after the items), so it owns them. */
static int own_details(plan *pl)
{
    size_t total = 0;
    for (uint32_t i = 0; i < pl->n; i++)
        if (pl->items[i].detail) total += strlen(pl->items[i].detail) + 1;
    size_t items = (pl->n ? pl->n : 1) * sizeof *pl->items;
    plan_item *block = realloc(pl->items, items + total);
    if (!block) return -1;
    pl->items = block;
    char *s = (char *)block + items;
    for (uint32_t i = 0; i < pl->n; i++) {
        if (!block[i].detail) continue;
        size_t l = strlen(block[i].detail) + 1;
        memcpy(s, block[i].detail, l);
        block[i].detail = s;
        s += l;
    }
    return 0;
}

int plan_make(const wf *w, const journal *j, int force, plan *out, char err[512])
{
    memset(out, 0, sizeof *out);
    err[0] = 0;
    planner p = {0};
    uint32_t n = w->n_tasks;
    out->n = n;
    out->items = calloc(n ? n : 1, sizeof *out->items);
    out->prio = calloc(n ? n : 1, sizeof *out->prio);
    char(*failed)[24] = calloc(n ? n : 1, sizeof *failed);
    int rc = -1;
    if (!out->items || !out->prio || !failed || setup(&p, w, j) < 0) {
        snprintf(err, 512, "cannot plan: %s", strerror(ENOMEM));
        goto out;
    }
    for (uint32_t i = 0; i < n; i++) judge_record(&p, i, force, &out->items[i]);
    gather_files(&p);
    if (p.n_files < 2 || pel_parallel_for(NULL, 0, p.n_files, 1, look_range, &p) != 0)
        look_range(0, p.n_files, &p);
    if (decide(&p, out, failed, err) < 0) goto out;
    priorities(w, out);
    for (uint32_t i = 0; i < n; i++) out->n_run += out->items[i].run;
    if (own_details(out) < 0) {
        snprintf(err, 512, "cannot plan: %s", strerror(ENOMEM));
        goto out;
    }
    rc = 0;
out:
    free(failed);
    planner_free(&p);
    if (rc < 0) plan_free(out);
    return rc;
}

const char *plan_reason_text(const plan_item *it, char *buf, unsigned len)
{
    const char *d = it->detail ? it->detail : "?";
    if (!buf || !len) return "";
    switch (it->reason) {
    case PLAN_UP_TO_DATE: snprintf(buf, len, "up to date"); break;
    case PLAN_FORCED: snprintf(buf, len, "forced (--force)"); break;
    case PLAN_NEVER_RAN: snprintf(buf, len, "never ran"); break;
    case PLAN_INTERRUPTED: snprintf(buf, len, "interrupted"); break;
    case PLAN_FAILED_BEFORE:
        snprintf(buf, len, it->detail ? "failed last time (%s)" : "failed last time", d);
        break;
    case PLAN_COMMAND_CHANGED: snprintf(buf, len, "command changed"); break;
    case PLAN_UPSTREAM: snprintf(buf, len, "upstream task %s re-runs", d); break;
    case PLAN_INPUT_CHANGED: snprintf(buf, len, "input %s changed", d); break;
    case PLAN_INPUT_MISSING:
        snprintf(buf, len, "input %s is missing and no task makes it", d);
        break;
    case PLAN_OUTPUT_MISSING: snprintf(buf, len, "output %s is missing", d); break;
    case PLAN_OUTPUT_CHANGED: snprintf(buf, len, "output %s changed since it was made", d); break;
    default: snprintf(buf, len, "unknown reason %d", (int)it->reason); break;
    }
    return buf;
}

void plan_free(plan *p)
{
    free(p->items);
    free(p->prio);
    memset(p, 0, sizeof *p);
}
