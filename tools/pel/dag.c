/* dag.c — `pel trace dag`: the task graph in Graphviz's DOT language, or as SVG drawn by
 * Graphviz's `dot` program.
 *
 * Nodes are task slices (labelled with name, id and duration) plus one "root" node for
 * the code outside tasks when some task was spawned from there. Edges: parent → child
 * for spawns and submissions (solid), predecessor → successor for dataflow deps
 * (dashed). The critical path's tasks are outlined in red, and the spawn and dep edges
 * it runs along are red too (the path also runs from a child back to the parent after a
 * wait; that join is no edge of this graph, so it has no colour).
 *
 * SVG: `dot` is run with posix_spawnp (PEL_DOT names another program), reading the DOT
 * from a temporary file and writing straight into the output file. Spawning the program
 * rather than linking libgvc keeps Graphviz's many libraries out of `pel` itself.
 */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cli.h"
#include "render.h"
#include "text.h"

#define CRIT_COLOUR "#d00000"
#define ROOT_KEY UINT64_MAX

extern char **environ;

/* A task's node name: t<id> when its id identifies it, else s<slice index>. */
static void node_name(FILE *f, const trace *t, uint32_t i)
{
    if (i == NO_INDEX)
        fputs("root", f);
    else if (t->slices[i].id != 0 && trace_task(t, t->slices[i].id) == i)
        fprintf(f, "t%" PRIu64, t->slices[i].id);
    else
        fprintf(f, "s%" PRIu32, i);
}

/* Spawn edges come from the parent's slice, or the root. */
static uint32_t parent_slice(const trace *t, const slice *s, int *unknown)
{
    *unknown = 0;
    if (s->parent == 0)
        return NO_INDEX;
    uint32_t p = trace_task(t, s->parent);
    if (p == NO_INDEX)
        *unknown = 1;
    return p;
}

static uint64_t key_of(uint32_t i)
{
    return i == NO_INDEX ? ROOT_KEY : i;
}

void dag_dot(FILE *f, const trace *t, const cp_result *cp)
{
    char d[32], s1[32];
    /* Consecutive tasks on the path: the edges to colour. */
    u64map crit;
    memset(&crit, 0, sizeof crit);
    for (size_t k = 0; k + 1 < cp->nseq; k++)
        u64map_put(&crit, key_of(cp->seq[k]), key_of(cp->seq[k + 1]), 1);

    fputs("digraph pel_tasks {\n  graph [rankdir=TB, fontname=\"Helvetica\", fontsize=10, "
          "labelloc=t, label=\"", f);
    dot_puts(f, t->path);
    fprintf(f, ": %zu tasks, work %s, span %s%s (critical path in red)\"];\n", t->ntasks,
            fmt_duration(d, cp->work, "\xc2\xb5"), cp->upper_bound ? "<= " : "",
            fmt_duration(s1, cp->span, "\xc2\xb5"));
    fputs("  node [shape=box, style=\"rounded,filled\", fontname=\"Helvetica\", fontsize=9, "
          "penwidth=0.6];\n  edge [arrowsize=0.6, color=\"#777777\"];\n", f);

    int need_root = 0;
    for (uint32_t i = 0; i < t->nslices; i++) {
        const slice *s = &t->slices[i];
        int unknown;
        if (s->kind == SLICE_TASK && parent_slice(t, s, &unknown) == NO_INDEX)
            need_root = 1;
    }
    if (need_root)
        fputs("  root [label=\"root\", shape=ellipse, fillcolor=\"#eeeeee\"];\n", f);

    for (uint32_t i = 0; i < t->nslices; i++) {
        const slice *s = &t->slices[i];
        if (s->kind != SLICE_TASK)
            continue;
        char colour[8];
        name_colour(slice_name(t, s), colour);
        fputs("  ", f);
        node_name(f, t, i);
        fputs(" [label=\"", f);
        dot_puts(f, slice_name(t, s));
        fprintf(f, "\\n#%" PRIu64 " %s\", fillcolor=\"%s\"", s->id,
                fmt_duration(d, s->end - s->ts, "\xc2\xb5"), colour);
        if (cp->on_path[i])
            fputs(", color=\"" CRIT_COLOUR "\", penwidth=2.5", f);
        fputs("];\n", f);
    }

    for (uint32_t i = 0; i < t->nslices; i++) {
        const slice *s = &t->slices[i];
        if (s->kind != SLICE_TASK)
            continue;
        int unknown;
        uint32_t p = parent_slice(t, s, &unknown);
        int on = u64map_get(&crit, key_of(p), i) != NO_INDEX;
        fputs("  ", f);
        node_name(f, t, p);
        fputs(" -> ", f);
        node_name(f, t, i);
        /* Dotted: the parent id names no slice (dropped events), drawn from the root. */
        if (unknown && on)
            fputs(" [style=dotted, color=\"" CRIT_COLOUR "\", penwidth=2]", f);
        else if (unknown)
            fputs(" [style=dotted]", f);
        else if (on)
            fputs(" [color=\"" CRIT_COLOUR "\", penwidth=2]", f);
        fputs(";\n", f);
        for (uint32_t k = 0; k < s->ndeps; k++) {
            uint32_t pr = trace_task(t, t->deps[s->deps_at + k]);
            if (pr == NO_INDEX || pr == i)
                continue;
            on = u64map_get(&crit, key_of(pr), i) != NO_INDEX;
            fputs("  ", f);
            node_name(f, t, pr);
            fputs(" -> ", f);
            node_name(f, t, i);
            fprintf(f, " [style=dashed%s];\n", on ? ", color=\"" CRIT_COLOUR "\", penwidth=2" : "");
        }
    }
    fputs("}\n", f);
    u64map_free(&crit);
}

int dag_svg(const char *out_path, const trace *t, const cp_result *cp)
{
    const char *dot = getenv("PEL_DOT");
    if (dot == NULL || *dot == '\0')
        dot = "dot";
    const char *tmpdir = getenv("TMPDIR");
    if (tmpdir == NULL || *tmpdir == '\0')
        tmpdir = "/tmp";
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s/pel-dag-XXXXXX", tmpdir);
    int fd = mkstemp(tmp);
    if (fd < 0) {
        pel_error("cannot create a temporary file in %s: %s", tmpdir, strerror(errno));
        return -1;
    }
    FILE *df = fdopen(fd, "w");
    if (df == NULL) {
        pel_error("%s: %s", tmp, strerror(errno));
        close(fd);
        unlink(tmp);
        return -1;
    }
    dag_dot(df, t, cp);
    if (out_close(df, tmp) != 0) /* removes it */
        return -1;

    FILE *out = out_open(out_path);
    if (out == NULL) {
        unlink(tmp);
        return -1;
    }
    fflush(out);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, tmp, O_RDONLY, 0);
    if (fileno(out) != 1)
        posix_spawn_file_actions_adddup2(&fa, fileno(out), 1);
    char *argv[] = {(char *)dot, (char *)"-Tsvg", NULL};
    pid_t pid;
    int err = posix_spawnp(&pid, dot, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    int rc = -1;
    if (err != 0) {
        pel_error("cannot run %s (Graphviz, Debian package graphviz): %s; write .dot instead",
                  dot, strerror(err));
    } else {
        int status = 0;
        pid_t w;
        while ((w = waitpid(pid, &status, 0)) < 0 && errno == EINTR)
            ;
        if (w < 0)
            pel_error("waiting for %s: %s", dot, strerror(errno));
        else if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
            rc = 0;
        else if (WIFEXITED(status))
            pel_error("%s -Tsvg failed (exit status %d)", dot, WEXITSTATUS(status));
        else
            pel_error("%s -Tsvg was killed (signal %d)", dot, WTERMSIG(status));
    }
    unlink(tmp);
    if (rc != 0) {
        out_abandon(out, out_path);
        return -1;
    }
    return out_close(out, out_path);
}
