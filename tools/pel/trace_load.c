/* trace_load.c — read a trace file with jansson and build the model of model.h.
 *
 * Strict where pel's analyses depend on a field (a task's times, ids, parent, deps): a
 * field of the wrong type is an error naming the event, because a silently skipped
 * field would give a wrong critical path. Lenient about what pel does not use: other
 * phases and categories (a merged trace from another tool) are counted and ignored, and
 * otherData fields of an unexpected type only lose their table.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"
#include "model.h"

/* Times are microseconds in the file; their nanoseconds must fit in a double's 53-bit
 * mantissa (exact conversion) and leave room for ts + dur in an int64. 9e12 µs is about
 * 104 days. */
#define MAX_ABS_US 9e12

typedef struct loader {
    trace *t;
    size_t index; /* of the event being read, for messages */
    size_t cap_slices, cap_instants, cap_deps, cap_lanes;
    u64map lane_by_thread; /* (pid, tid) → lane */
} loader;

static int bad(loader *L, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int bad(loader *L, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "pel: %s: traceEvents[%zu]: ", L->t->path, L->index);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    return -1;
}

static int oom(loader *L)
{
    pel_error("%s: out of memory", L->t->path);
    return -1;
}

/* Make room for one more element of `size` bytes in *p (holding n, room for *cap). */
static int grow(void **p, size_t *cap, size_t n, size_t size)
{
    if (n < *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 256;
    void *q = realloc(*p, c * size);
    if (q == NULL)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

/* A time field: 1 when absent, 0 and *ns when a number in range, -1 (printed) else. */
static int get_time(loader *L, json_t *obj, const char *key, int64_t *ns)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 1;
    if (!json_is_number(v))
        return bad(L, "\"%s\" is not a number", key);
    double us = json_number_value(v);
    if (!(us >= -MAX_ABS_US && us <= MAX_ABS_US))
        return bad(L, "\"%s\" %g is out of range", key, us);
    *ns = llround(us * 1000.0);
    return 0;
}

/* An integer field (an integral real such as 3.0 is accepted too, as some writers
 * produce them): 1 when absent, 0 and *out, -1 (printed) when not an integer. */
static int get_int(loader *L, json_t *obj, const char *key, const char *where, int64_t *out)
{
    json_t *v = json_object_get(obj, key);
    if (v == NULL)
        return 1;
    if (json_is_integer(v)) {
        *out = json_integer_value(v);
        return 0;
    }
    if (json_is_real(v)) {
        double d = json_real_value(v);
        if (d == floor(d) && fabs(d) <= 9007199254740992.0) {
            *out = (int64_t)d;
            return 0;
        }
    }
    return bad(L, "%s\"%s\" is not an integer", where, key);
}

/* An id (or count): a non-negative integer; absent means 0. 0 or -1 (printed). */
static int get_id(loader *L, json_t *obj, const char *key, uint64_t *out)
{
    int64_t v = 0;
    int r = get_int(L, obj, key, "args.", &v);
    if (r < 0)
        return -1;
    if (v < 0)
        return bad(L, "args.\"%s\" is negative", key);
    *out = (uint64_t)v;
    return 0;
}

static uint32_t get_lane(loader *L, int64_t pid, int64_t tid)
{
    trace *t = L->t;
    uint32_t l = u64map_get(&L->lane_by_thread, (uint64_t)pid, (uint64_t)tid);
    if (l != NO_INDEX)
        return l;
    if (t->nlanes >= NO_INDEX - 1 ||
        grow((void **)&t->lanes, &L->cap_lanes, t->nlanes, sizeof *t->lanes) != 0)
        return NO_INDEX;
    l = (uint32_t)t->nlanes;
    if (u64map_put(&L->lane_by_thread, (uint64_t)pid, (uint64_t)tid, l) == NO_INDEX)
        return NO_INDEX;
    /* Threads outside the runtime get tids from 1000 (docs/tracing.md). */
    t->lanes[t->nlanes++] = (lane){pid, tid, NULL, tid >= 0 && tid < 1000, 0};
    return l;
}

/* The lane of an event's pid and tid (tid required, pid 0 when absent). */
static int event_lane(loader *L, json_t *ev, uint32_t *lane_out)
{
    int64_t pid = 0, tid = 0;
    if (get_int(L, ev, "pid", "", &pid) < 0)
        return -1;
    int r = get_int(L, ev, "tid", "", &tid);
    if (r < 0)
        return -1;
    if (r > 0)
        return bad(L, "has no \"tid\"");
    *lane_out = get_lane(L, pid, tid);
    return *lane_out == NO_INDEX ? oom(L) : 0;
}

static int load_metadata(loader *L, json_t *ev)
{
    const char *what = json_string_value(json_object_get(ev, "name"));
    if (what == NULL || strcmp(what, "thread_name") != 0)
        return 0; /* process names and sort indices do not change the chart */
    const char *name = json_string_value(json_object_get(json_object_get(ev, "args"), "name"));
    if (name == NULL)
        return bad(L, "thread_name without a string args.name");
    uint32_t l;
    if (event_lane(L, ev, &l) < 0)
        return -1;
    char *copy = strdup(name);
    if (copy == NULL)
        return oom(L);
    free(L->t->lanes[l].name);
    L->t->lanes[l].name = copy;
    return 0;
}

static int task_args(loader *L, json_t *args, slice *s)
{
    trace *t = L->t;
    if (get_id(L, args, "id", &s->id) < 0 || get_id(L, args, "parent", &s->parent) < 0 ||
        get_id(L, args, "group", &s->group) < 0 || get_id(L, args, "flow", &s->flow) < 0 ||
        get_id(L, args, "inlined", &s->inlined) < 0)
        return -1;
    int r = get_time(L, args, "spawned", &s->spawned);
    if (r < 0)
        return -1;
    if (r > 0)
        s->spawned = NO_TIME;

    json_t *kind = json_object_get(args, "kind");
    const char *k = json_string_value(kind);
    if (kind != NULL && k == NULL)
        return bad(L, "args.\"kind\" is not a string");
    s->task_kind = k == NULL                ? TK_OTHER
                   : strcmp(k, "spawn") == 0 ? TK_SPAWN
                   : strcmp(k, "flow") == 0  ? TK_FLOW
                   : strcmp(k, "loop") == 0  ? TK_LOOP
                   : strcmp(k, "sync") == 0  ? TK_SYNC
                                             : TK_OTHER;
    const char *status = json_string_value(json_object_get(args, "status"));
    s->failed = status != NULL && strcmp(status, "ok") != 0;

    json_t *deps = json_object_get(args, "deps");
    if (deps == NULL)
        return 0;
    if (!json_is_array(deps))
        return bad(L, "args.\"deps\" is not an array");
    if (t->ndeps + json_array_size(deps) >= NO_INDEX)
        return bad(L, "too many dependencies in the trace");
    s->deps_at = (uint32_t)t->ndeps;
    size_t j;
    json_t *d;
    json_array_foreach(deps, j, d) {
        if (!json_is_integer(d) || json_integer_value(d) < 0)
            return bad(L, "args.deps[%zu] is not a task id", j);
        if (grow((void **)&t->deps, &L->cap_deps, t->ndeps, sizeof *t->deps) != 0)
            return oom(L);
        t->deps[t->ndeps++] = (uint64_t)json_integer_value(d);
    }
    s->ndeps = (uint32_t)(t->ndeps - s->deps_at);
    return 0;
}

static int load_slice(loader *L, json_t *ev, enum slice_kind kind)
{
    trace *t = L->t;
    slice s;
    memset(&s, 0, sizeof s);
    s.kind = (uint8_t)kind;
    s.up = NO_INDEX;
    s.spawned = NO_TIME;
    int64_t dur = 0; /* set by get_time when it returns 0 */
    int r = get_time(L, ev, "ts", &s.ts);
    if (r != 0)
        return r < 0 ? -1 : bad(L, "slice without \"ts\"");
    r = get_time(L, ev, "dur", &dur);
    if (r != 0)
        return r < 0 ? -1 : bad(L, "slice without \"dur\"");
    if (dur < 0)
        return bad(L, "negative \"dur\"");
    s.end = s.ts + dur;
    if (event_lane(L, ev, &s.lane) < 0)
        return -1;

    json_t *args = json_object_get(ev, "args");
    if (args != NULL && !json_is_object(args))
        return bad(L, "\"args\" is not an object");
    if (args == NULL)
        args = json_object(); /* an empty object: every look-up below finds nothing */
    else
        json_incref(args);
    int rc = 0;
    if (kind == SLICE_TASK) {
        json_t *name = json_object_get(ev, "name");
        if (name != NULL && !json_is_string(name))
            rc = bad(L, "\"name\" is not a string");
        else if ((s.name = strtab_intern(&t->names, name ? json_string_value(name) : "?")) ==
                 NO_INDEX)
            rc = oom(L);
        else
            rc = task_args(L, args, &s);
    } else if (kind == SLICE_WAIT) {
        /* The waiting task is args.task; a wait reuses `id` for it (see model.h). */
        if (get_id(L, args, "task", &s.id) < 0 || get_id(L, args, "group", &s.group) < 0 ||
            get_id(L, args, "flow", &s.flow) < 0)
            rc = -1;
    }
    json_decref(args);
    if (rc < 0)
        return -1;

    if (t->nslices >= NO_INDEX - 1)
        return bad(L, "too many slices");
    if (grow((void **)&t->slices, &L->cap_slices, t->nslices, sizeof *t->slices) != 0)
        return oom(L);
    uint32_t index = (uint32_t)t->nslices;
    if (kind == SLICE_TASK) {
        t->ntasks++;
        t->lanes[s.lane].ntasks++;
        if (s.id != 0) {
            uint32_t had = u64map_put(&t->task_by_id, s.id, 0, index);
            if (had == NO_INDEX)
                return oom(L);
            if (had != index)
                t->nduplicate++;
        }
    }
    t->slices[t->nslices++] = s;
    return 0;
}

static int load_instant(loader *L, json_t *ev, enum instant_kind kind)
{
    trace *t = L->t;
    instant in = {0, 0, (uint8_t)kind, -1, 0};
    int r = get_time(L, ev, "ts", &in.ts);
    if (r != 0)
        return r < 0 ? -1 : bad(L, "instant without \"ts\"");
    if (event_lane(L, ev, &in.lane) < 0)
        return -1;
    json_t *args = json_object_get(ev, "args");
    if (args != NULL && !json_is_object(args))
        return bad(L, "\"args\" is not an object");
    if (args != NULL) {
        if (get_int(L, args, kind == INSTANT_STEAL ? "victim" : "worker", "args.", &in.other) < 0)
            return -1;
        if (kind == INSTANT_STEAL && get_id(L, args, "task", &in.task) < 0)
            return -1;
    }
    if (grow((void **)&t->instants, &L->cap_instants, t->ninstants, sizeof *t->instants) != 0)
        return oom(L);
    t->instants[t->ninstants++] = in;
    return 0;
}

static int load_event(loader *L, json_t *ev)
{
    if (!json_is_object(ev))
        return bad(L, "is not an object");
    json_t *phv = json_object_get(ev, "ph");
    const char *ph = json_string_value(phv);
    if (ph == NULL)
        return bad(L, "has no \"ph\" string");
    json_t *catv = json_object_get(ev, "cat");
    const char *cat = json_string_value(catv);
    if (catv != NULL && cat == NULL)
        return bad(L, "\"cat\" is not a string");
    if (cat == NULL)
        cat = "";

    if (strcmp(ph, "M") == 0)
        return load_metadata(L, ev);
    if (strcmp(ph, "X") == 0) {
        if (strcmp(cat, "task") == 0)
            return load_slice(L, ev, SLICE_TASK);
        if (strcmp(cat, "wait") == 0)
            return load_slice(L, ev, SLICE_WAIT);
        if (strcmp(cat, "park") == 0)
            return load_slice(L, ev, SLICE_PARK);
    } else if (strcmp(ph, "i") == 0 || strcmp(ph, "I") == 0) {
        if (strcmp(cat, "steal") == 0)
            return load_instant(L, ev, INSTANT_STEAL);
        if (strcmp(cat, "wake") == 0)
            return load_instant(L, ev, INSTANT_WAKE);
    } else if ((strcmp(ph, "s") == 0 || strcmp(ph, "f") == 0) && strcmp(cat, "dep") == 0) {
        /* The same edges as the successors' args.deps, which the analyses use. */
        L->t->ndep_events++;
        return 0;
    }
    L->t->nignored++;
    return 0;
}

static char *dup_string(json_t *obj, const char *key)
{
    const char *s = json_string_value(json_object_get(obj, key));
    return s ? strdup(s) : NULL;
}

static void load_other_data(loader *L, json_t *other)
{
    trace *t = L->t;
    if (!json_is_object(other))
        return;
    json_t *v = json_object_get(other, "pel");
    if (json_is_string(v))
        t->pel_version = strdup(json_string_value(v));
    else if (json_is_number(v)) /* a bare number is still a pel trace */
        t->pel_version = strdup("?");
    t->detail = dup_string(other, "detail");
    v = json_object_get(other, "workers");
    if (json_is_integer(v))
        t->workers = json_integer_value(v);
    v = json_object_get(other, "dropped");
    if (json_is_integer(v))
        t->dropped = json_integer_value(v);
    v = json_object_get(other, "counters");
    if (json_is_array(v))
        t->counters = json_incref(v);
    else if (v != NULL)
        pel_warn("%s: otherData.counters is not an array; no counters table", t->path);
}

static const lane *sort_lanes_base;
static int lane_cmp(const void *a, const void *b)
{
    const lane *x = &sort_lanes_base[*(const uint32_t *)a];
    const lane *y = &sort_lanes_base[*(const uint32_t *)b];
    if (x->worker != y->worker)
        return x->worker ? -1 : 1;
    if (x->tid != y->tid)
        return x->tid < y->tid ? -1 : 1;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    return 0;
}

/* Workers first, each group by tid: the order of the Gantt chart's lanes. */
static int order_lanes(trace *t)
{
    if (t->nlanes == 0)
        return 0;
    uint32_t *perm = malloc(t->nlanes * sizeof *perm);
    uint32_t *where = malloc(t->nlanes * sizeof *where);
    lane *sorted = malloc(t->nlanes * sizeof *sorted);
    if (perm == NULL || where == NULL || sorted == NULL) {
        free(perm), free(where), free(sorted);
        return -1;
    }
    for (size_t i = 0; i < t->nlanes; i++)
        perm[i] = (uint32_t)i;
    sort_lanes_base = t->lanes;
    qsort(perm, t->nlanes, sizeof *perm, lane_cmp);
    for (size_t i = 0; i < t->nlanes; i++) {
        sorted[i] = t->lanes[perm[i]];
        where[perm[i]] = (uint32_t)i;
    }
    for (size_t i = 0; i < t->nslices; i++)
        t->slices[i].lane = where[t->slices[i].lane];
    for (size_t i = 0; i < t->ninstants; i++)
        t->instants[i].lane = where[t->instants[i].lane];
    free(t->lanes);
    t->lanes = sorted;
    free(perm);
    free(where);
    return 0;
}

static json_t *read_json(const char *path)
{
    FILE *f = stdin;
    if (strcmp(path, "-") != 0) {
        struct stat st;
        if (stat(path, &st) != 0) {
            pel_error("%s: %s", path, strerror(errno));
            return NULL;
        }
        if (S_ISDIR(st.st_mode)) {
            pel_error("%s: is a directory", path);
            return NULL;
        }
        f = fopen(path, "rb");
        if (f == NULL) {
            pel_error("%s: %s", path, strerror(errno));
            return NULL;
        }
    }
    json_error_t err;
    /* DECODE_ANY: a file holding a bare number is then "not a trace", not a syntax error. */
    json_t *root = json_loadf(f, JSON_DECODE_ANY, &err);
    if (root == NULL) {
        if (ferror(f))
            pel_error("%s: read error: %s", path, strerror(errno));
        else
            pel_error("%s:%d:%d: malformed JSON: %s", path, err.line, err.column, err.text);
    }
    if (f != stdin)
        fclose(f);
    return root;
}

int trace_load(const char *path, trace *t)
{
    memset(t, 0, sizeof *t);
    t->path = path;
    t->workers = -1;
    loader L = {.t = t};

    json_t *root = read_json(path);
    if (root == NULL)
        return -1;
    json_t *events = NULL, *other = NULL;
    if (json_is_object(root)) {
        events = json_object_get(root, "traceEvents");
        other = json_object_get(root, "otherData");
    } else if (json_is_array(root)) {
        events = root; /* the Chrome "JSON array" form */
    }
    if (!json_is_array(events)) {
        pel_error("%s: not a Chrome trace: expected an object with a \"traceEvents\" array",
                  path);
        json_decref(root);
        return -1;
    }
    load_other_data(&L, other);

    int rc = 0;
    for (L.index = 0; L.index < json_array_size(events); L.index++) {
        if (load_event(&L, json_array_get(events, L.index)) != 0) {
            rc = -1;
            break;
        }
        /* Free each event once read: the model grows while the JSON tree shrinks. */
        json_array_set_new(events, L.index, json_null());
    }
    json_decref(root);
    u64map_free(&L.lane_by_thread);
    if (rc != 0)
        return -1;

    if (t->pel_version == NULL && t->nslices == 0) {
        pel_error("%s: not a pel trace: no task, wait or park slices and no otherData.pel", path);
        return -1;
    }
    if (order_lanes(t) != 0)
        return oom(&L);

    t->t0 = t->nslices || t->ninstants ? INT64_MAX : 0;
    t->t1 = t->nslices || t->ninstants ? INT64_MIN : 0;
    for (size_t i = 0; i < t->nslices; i++) {
        if (t->slices[i].ts < t->t0) t->t0 = t->slices[i].ts;
        if (t->slices[i].end > t->t1) t->t1 = t->slices[i].end;
    }
    for (size_t i = 0; i < t->ninstants; i++) {
        if (t->instants[i].ts < t->t0) t->t0 = t->instants[i].ts;
        if (t->instants[i].ts > t->t1) t->t1 = t->instants[i].ts;
    }
    if (t->nduplicate)
        pel_warn("%s: %zu task slices reuse an id seen before; they are drawn but not linked",
                 path, t->nduplicate);
    if (t->dropped > 0)
        pel_warn("%s: %lld events were dropped while recording (PEL_TRACE_MAX_MB): the "
                 "figures miss them", path, t->dropped);
    return 0;
}

void trace_free(trace *t)
{
    free(t->slices);
    free(t->deps);
    free(t->instants);
    for (size_t i = 0; i < t->nlanes; i++)
        free(t->lanes[i].name);
    free(t->lanes);
    strtab_free(&t->names);
    u64map_free(&t->task_by_id);
    free(t->pel_version);
    free(t->detail);
    json_decref(t->counters);
    free(t->order);
    free(t->lane_first);
    free(t->kids);
    free(t->kid_first);
    memset(t, 0, sizeof *t);
}
