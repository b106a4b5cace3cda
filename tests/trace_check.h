/* trace_check.h — reading pel's trace files back in the tests: parse the Chrome trace JSON
 * (docs/tracing.md) with jansson, load every event into a flat array, and check what must
 * hold of any trace: the top-level keys, each event's fields, unique task ids, a
 * thread_name for every tid, time order and proper nesting per tid, steals and parents
 * that refer to recorded tasks, dependencies that name recorded dataflow tasks, and
 * dataflow edge pairs (ph s/f) that match the tasks' deps.
 *
 * jansson is used through dlopen (libjansson.so.4), its header for the types only: the
 * tests are built by tests/CMakeLists.txt with pel alone, and this keeps that file as it
 * is. A missing library fails the test with a message saying so.
 */
#ifndef PEL_TEST_TRACE_CHECK_H
#define PEL_TEST_TRACE_CHECK_H

#include <dirent.h>
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#if !__has_include(<jansson.h>)
#error "the trace tests need jansson's header (Debian: libjansson-dev)"
#endif
#include <jansson.h>

#include <pel.h>

#include "check.h"
#include "test_tmp.h"

/* Built with a sanitizer (GCC's macros; clang's __has_feature): tasks are many times
 * slower there, which changes what adaptive detail records. */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define TR_SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define TR_SANITIZED 1
#endif
#endif
#ifndef TR_SANITIZED
#define TR_SANITIZED 0
#endif

/* ---- jansson through dlopen ------------------------------------------------------- */

typedef struct tj_api {
    json_t *(*loadb)(const char *buffer, size_t buflen, size_t flags, json_error_t *error);
    void (*del)(json_t *json);
    json_t *(*object_get)(const json_t *object, const char *key);
    size_t (*object_size)(const json_t *object);
    size_t (*array_size)(const json_t *array);
    json_t *(*array_get)(const json_t *array, size_t index);
    const char *(*string_value)(const json_t *string);
    json_int_t (*integer_value)(const json_t *integer);
    double (*number_value)(const json_t *json);
} tj_api;

static inline const tj_api *tj(void)
{
    static tj_api api;
    static int loaded;
    if (loaded) return &api;
    void *h = dlopen("libjansson.so.4", RTLD_NOW | RTLD_LOCAL);
    if (!h) h = dlopen("libjansson.so", RTLD_NOW | RTLD_LOCAL);
    if (!h) CHECK_FAIL_("cannot load jansson (Debian: libjansson4): %s", dlerror());
#define TJ_SYM_(field, sym)                                                                \
    do {                                                                                   \
        *(void **)(&api.field) = dlsym(h, sym);                                            \
        if (!api.field) CHECK_FAIL_("jansson has no %s", sym);                             \
    } while (0)
    TJ_SYM_(loadb, "json_loadb");
    TJ_SYM_(del, "json_delete");
    TJ_SYM_(object_get, "json_object_get");
    TJ_SYM_(object_size, "json_object_size");
    TJ_SYM_(array_size, "json_array_size");
    TJ_SYM_(array_get, "json_array_get");
    TJ_SYM_(string_value, "json_string_value");
    TJ_SYM_(integer_value, "json_integer_value");
    TJ_SYM_(number_value, "json_number_value");
#undef TJ_SYM_
    loaded = 1;
    return &api;
}

/* Members of an object, typed; absent or mistyped ones fail the test (the _opt forms
 * return 0/NULL when absent, and still fail when present with the wrong type). */
static inline json_t *tj_get(const json_t *obj, const char *key)
{
    return json_is_object(obj) ? tj()->object_get(obj, key) : NULL;
}

static inline const char *tj_str_opt(const json_t *obj, const char *key)
{
    json_t *v = tj_get(obj, key);
    if (!v) return NULL;
    if (!json_is_string(v)) CHECK_FAIL_("\"%s\" is not a string", key);
    return tj()->string_value(v);
}

static inline const char *tj_str(const json_t *obj, const char *key)
{
    const char *s = tj_str_opt(obj, key);
    if (!s) CHECK_FAIL_("missing string \"%s\"", key);
    return s;
}

static inline double tj_num(const json_t *obj, const char *key)
{
    json_t *v = tj_get(obj, key);
    if (!json_is_number(v)) CHECK_FAIL_("missing or non-numeric \"%s\"", key);
    return tj()->number_value(v);
}

/* A non-negative integer (ids, counts). */
static inline uint64_t tj_uint(const json_t *obj, const char *key)
{
    json_t *v = tj_get(obj, key);
    if (!json_is_integer(v)) CHECK_FAIL_("missing or non-integer \"%s\"", key);
    json_int_t x = tj()->integer_value(v);
    if (x < 0) CHECK_FAIL_("\"%s\" is negative (%lld)", key, (long long)x);
    return (uint64_t)x;
}

static inline int tj_has(const json_t *obj, const char *key)
{
    return tj_get(obj, key) != NULL;
}

/* ---- the trace as a flat array of events ------------------------------------------ */

#define TR_MAX_DEPS 64
/* Largest id a trace may contain (docs: ids are below 2^53). */
#define TR_ID_LIMIT (1ull << 53)
/* Slack for comparing times printed with three decimals (µs): a slice's end is ts + dur,
 * both rounded, and flow events print the end rounded once. */
#define TR_EPS 0.0025

typedef struct tr_ev {
    size_t index; /* position in traceEvents */
    char ph;      /* 'M', 'X', 'i', 's', 'f' */
    const char *cat, *name;
    int tid;
    double ts, dur, end;   /* X: ts + dur; i, s, f: ts */
    const json_t *args;    /* NULL if none */
    /* task slices (cat "task") */
    uint64_t id, parent, group, flow, lo, hi;
    const char *kind, *status;
    int has_spawned, unfinished, has_group, has_flow, has_deps;
    double spawned;
    uint64_t inlined;
    uint64_t deps[TR_MAX_DEPS];
    int ndeps;
    /* wait slices: task, group/flow in `group`/`flow`; steal: task, victim; wake: worker */
    uint64_t task;
    long victim, worker;
    /* flow events */
    uint64_t fid;
} tr_ev;

typedef struct trace {
    char *text;
    size_t len;
    json_t *root;
    tr_ev *ev;
    size_t n;
    const char *detail, *pel;
    uint64_t pid, workers, dropped;
    const json_t *counters;
    size_t ncounters;
    const tr_ev **by_id; /* task slices sorted by id */
    size_t ntasks;
    int ntids;
    int tids[256];
    char tid_names[256][64];
} trace;

static inline int tr_is_task(const tr_ev *e)
{
    return e->ph == 'X' && strcmp(e->cat, "task") == 0;
}

static inline const char *tr_tid_name(const trace *t, int tid)
{
    for (int i = 0; i < t->ntids; i++)
        if (t->tids[i] == tid) return t->tid_names[i];
    return NULL;
}

/* Parse one event of traceEvents; fails on a missing or mistyped field. */
static inline void tr_parse_event(trace *t, const json_t *j, tr_ev *e)
{
    if (!json_is_object(j)) CHECK_FAIL_("traceEvents[%zu] is not an object", e->index);
    const char *ph = tj_str(j, "ph");
    CHECK_EQ(strlen(ph), 1);
    e->ph = ph[0];
    e->name = tj_str(j, "name");
    uint64_t pid = tj_uint(j, "pid");
    if (e->index == 0) t->pid = pid;
    CHECK_EQ(pid, t->pid); /* one process */
    e->tid = (int)tj_uint(j, "tid");
    e->args = tj_get(j, "args");
    if (e->args && !json_is_object(e->args)) CHECK_FAIL_("args is not an object");
    e->cat = "";
    if (e->ph == 'M') {
        const char *arg = NULL;
        if (strcmp(e->name, "process_name") == 0 || strcmp(e->name, "thread_name") == 0)
            arg = tj_str(e->args, "name");
        else if (strcmp(e->name, "thread_sort_index") == 0)
            (void)tj_uint(e->args, "sort_index");
        else
            CHECK_FAIL_("unknown metadata event \"%s\"", e->name);
        if (strcmp(e->name, "thread_name") == 0) {
            CHECK(tr_tid_name(t, e->tid) == NULL); /* one name per tid */
            CHECK_LT(t->ntids, 256);
            t->tids[t->ntids] = e->tid;
            snprintf(t->tid_names[t->ntids], sizeof t->tid_names[0], "%s", arg);
            t->ntids++;
        }
        return;
    }
    e->cat = tj_str(j, "cat");
    e->ts = tj_num(j, "ts");
    CHECK(e->ts >= 0 && isfinite(e->ts));
    e->end = e->ts;
    switch (e->ph) {
    case 'X':
        e->dur = tj_num(j, "dur");
        if (!(e->dur >= 0 && isfinite(e->dur)))
            CHECK_FAIL_("event %zu (%s): dur %.3f", e->index, e->name, e->dur);
        e->end = e->ts + e->dur;
        if (strcmp(e->cat, "task") == 0) {
            CHECK(e->args != NULL);
            e->id = tj_uint(e->args, "id");
            CHECK(e->id > 0 && e->id < TR_ID_LIMIT);
            e->parent = tj_uint(e->args, "parent");
            CHECK_LT(e->parent, TR_ID_LIMIT);
            e->kind = tj_str(e->args, "kind");
            int spawn = strcmp(e->kind, "spawn") == 0, flow = strcmp(e->kind, "flow") == 0,
                loop = strcmp(e->kind, "loop") == 0, sync = strcmp(e->kind, "sync") == 0;
            if (!(spawn || flow || loop || sync)) CHECK_FAIL_("unknown kind \"%s\"", e->kind);
            e->has_group = tj_has(e->args, "group");
            if (e->has_group) {
                CHECK(spawn);
                e->group = tj_uint(e->args, "group");
            }
            e->has_flow = tj_has(e->args, "flow");
            if (e->has_flow) {
                CHECK(flow || sync);
                e->flow = tj_uint(e->args, "flow");
            }
            e->has_spawned = tj_has(e->args, "spawned");
            if (e->has_spawned) {
                e->spawned = tj_num(e->args, "spawned");
                CHECK(e->spawned >= 0);
                /* spawned before it started */
                if (!(e->spawned <= e->ts + TR_EPS))
                    CHECK_FAIL_("task %" PRIu64 " spawned at %.3f, started at %.3f", e->id,
                                e->spawned, e->ts);
            }
            if (loop) {
                e->lo = tj_uint(e->args, "lo");
                e->hi = tj_uint(e->args, "hi");
            } else {
                CHECK(!tj_has(e->args, "lo") && !tj_has(e->args, "hi"));
            }
            e->has_deps = tj_has(e->args, "deps");
            CHECK_EQ(e->has_deps, flow || sync);
            if (e->has_deps) {
                json_t *d = tj_get(e->args, "deps");
                CHECK(json_is_array(d));
                size_t nd = tj()->array_size(d);
                CHECK_LE(nd, TR_MAX_DEPS);
                for (size_t i = 0; i < nd; i++) {
                    json_t *x = tj()->array_get(d, i);
                    CHECK(json_is_integer(x));
                    CHECK_GT(tj()->integer_value(x), 0);
                    e->deps[i] = (uint64_t)tj()->integer_value(x);
                }
                e->ndeps = (int)nd;
                e->status = tj_str(e->args, "status");
                CHECK(strcmp(e->status, "ok") == 0 || strcmp(e->status, "failed") == 0 ||
                      strcmp(e->status, "skipped") == 0);
            } else {
                CHECK(!tj_has(e->args, "status"));
            }
            e->inlined = tj_has(e->args, "inlined") ? tj_uint(e->args, "inlined") : 0;
            if (tj_has(e->args, "inlined")) CHECK_GT(e->inlined, 0);
            json_t *u = tj_get(e->args, "unfinished");
            if (u) CHECK(json_is_true(u));
            e->unfinished = u != NULL;
        } else if (strcmp(e->cat, "wait") == 0) {
            CHECK_STREQ(e->name, "wait");
            e->task = tj_uint(e->args, "task");
            CHECK_EQ(tj_has(e->args, "group") + tj_has(e->args, "flow"), 1);
            e->has_group = tj_has(e->args, "group");
            e->has_flow = tj_has(e->args, "flow");
            if (e->has_group) e->group = tj_uint(e->args, "group");
            if (e->has_flow) e->flow = tj_uint(e->args, "flow");
        } else if (strcmp(e->cat, "park") == 0) {
            CHECK_STREQ(e->name, "parked");
        } else {
            CHECK_FAIL_("unknown slice category \"%s\"", e->cat);
        }
        break;
    case 'i':
        CHECK_STREQ(tj_str(j, "s"), "t");
        if (strcmp(e->cat, "steal") == 0) {
            CHECK_STREQ(e->name, "steal");
            /* No task: a priority token was stolen (docs/tracing.md). */
            e->task = tj_has(e->args, "task") ? tj_uint(e->args, "task") : 0;
            /* victim -1: the deque of a dataflow submitter outside the runtime. */
            json_t *victim = tj_get(e->args, "victim");
            if (!json_is_integer(victim)) CHECK_FAIL_("missing or non-integer \"victim\"");
            e->victim = (long)tj()->integer_value(victim);
            if (e->victim < -1) CHECK_FAIL_("\"victim\" is %ld", e->victim);
        } else if (strcmp(e->cat, "wake") == 0) {
            CHECK_STREQ(e->name, "wake");
            e->worker = (long)tj_uint(e->args, "worker");
        } else {
            CHECK_FAIL_("unknown instant category \"%s\"", e->cat);
        }
        break;
    case 's':
    case 'f':
        CHECK_STREQ(e->cat, "dep");
        CHECK_STREQ(e->name, "dep");
        e->fid = tj_uint(j, "id");
        if (e->ph == 'f') CHECK_STREQ(tj_str(j, "bp"), "e");
        break;
    default: CHECK_FAIL_("unknown ph '%c'", e->ph);
    }
}

static inline int tr_by_id_(const void *a, const void *b)
{
    const tr_ev *x = *(const tr_ev *const *)a, *y = *(const tr_ev *const *)b;
    return x->id < y->id ? -1 : x->id > y->id;
}

/* Parse `len` bytes of trace JSON into *t (which owns `text` afterwards). */
static inline void trace_parse(char *text, size_t len, trace *t)
{
    memset(t, 0, sizeof(*t));
    t->text = text;
    t->len = len;
    json_error_t err;
    t->root = tj()->loadb(text, len, JSON_REJECT_DUPLICATES, &err);
    if (!t->root)
        CHECK_FAIL_("trace is not valid JSON: line %d column %d: %s", err.line, err.column,
                    err.text);
    CHECK(json_is_object(t->root));
    CHECK_EQ(tj()->object_size(t->root), 3);
    CHECK_STREQ(tj_str(t->root, "displayTimeUnit"), "ns");
    json_t *events = tj_get(t->root, "traceEvents");
    CHECK(json_is_array(events));
    json_t *other = tj_get(t->root, "otherData");
    CHECK(json_is_object(other));
    t->pel = tj_str(other, "pel");
    CHECK_STREQ(t->pel, PEL_VERSION_STRING);
    t->detail = tj_str(other, "detail");
    CHECK(strcmp(t->detail, "adaptive") == 0 || strcmp(t->detail, "full") == 0);
    t->workers = tj_uint(other, "workers");
    t->dropped = tj_uint(other, "dropped");
    t->counters = tj_get(other, "counters");
    CHECK(json_is_array(t->counters));
    t->ncounters = tj()->array_size(t->counters);
    for (size_t i = 0; i < t->ncounters; i++) {
        json_t *c = tj()->array_get(t->counters, i);
        CHECK(json_is_object(c));
        (void)tj_uint(c, "worker");
        (void)tj_uint(c, "tasks");
        CHECK_LE(tj_uint(c, "steals_won"), tj_uint(c, "steals_tried"));
        (void)tj_uint(c, "parks");
        (void)tj_uint(c, "idle_ns");
    }
    t->n = tj()->array_size(events);
    t->ev = calloc(t->n ? t->n : 1, sizeof(*t->ev));
    CHECK(t->ev != NULL);
    for (size_t i = 0; i < t->n; i++) {
        t->ev[i].index = i;
        tr_parse_event(t, tj()->array_get(events, i), &t->ev[i]);
    }
    /* the index of task slices by id; ids are unique */
    for (size_t i = 0; i < t->n; i++) t->ntasks += tr_is_task(&t->ev[i]);
    t->by_id = calloc(t->ntasks ? t->ntasks : 1, sizeof(*t->by_id));
    CHECK(t->by_id != NULL);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (tr_is_task(&t->ev[i])) t->by_id[k++] = &t->ev[i];
    qsort(t->by_id, t->ntasks, sizeof(*t->by_id), tr_by_id_);
    for (size_t i = 1; i < t->ntasks; i++)
        if (t->by_id[i]->id == t->by_id[i - 1]->id)
            CHECK_FAIL_("task id %" PRIu64 " appears twice (%s, %s)", t->by_id[i]->id,
                        t->by_id[i - 1]->name, t->by_id[i]->name);
}

static inline void trace_free(trace *t)
{
    if (t->root) tj()->del(t->root);
    free(t->by_id);
    free(t->ev);
    free(t->text);
    memset(t, 0, sizeof(*t));
}

/* The whole of a file (NUL-terminated); *len its size. */
static inline char *tr_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) CHECK_FAIL_("cannot open %s: %s", path, strerror(errno));
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    CHECK(buf != NULL);
    size_t got;
    while ((got = fread(buf + n, 1, cap - n - 1, f)) > 0) {
        n += got;
        if (cap - n - 1 == 0) {
            cap *= 2;
            buf = realloc(buf, cap);
            CHECK(buf != NULL);
        }
    }
    CHECK(!ferror(f));
    fclose(f);
    buf[n] = 0;
    if (len) *len = n;
    return buf;
}

static inline void trace_load_file(const char *path, trace *t)
{
    size_t len;
    char *text = tr_read_file(path, &len);
    trace_parse(text, len, t);
}

/* pel_trace_write_file into memory, then parse. */
static inline void trace_capture(trace *t)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CHECK(mem != NULL);
    CHECK_OK(pel_trace_write_file(mem));
    CHECK_EQ(fclose(mem), 0);
    trace_parse(buf, len, t);
    CHECK_EQ(t->pid, (uint64_t)getpid());
}

static inline size_t trace_unfinished(const trace *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) n += tr_is_task(&t->ev[i]) && t->ev[i].unfinished;
    return n;
}

/* ---- queries ---------------------------------------------------------------------- */

static inline const tr_ev *trace_task(const trace *t, uint64_t id)
{
    size_t lo = 0, hi = t->ntasks;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (t->by_id[mid]->id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < t->ntasks && t->by_id[lo]->id == id ? t->by_id[lo] : NULL;
}

/* Task slices named `name` (NULL: all). */
static inline size_t trace_count(const trace *t, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++)
        n += tr_is_task(&t->ev[i]) && (!name || strcmp(t->ev[i].name, name) == 0);
    return n;
}

static inline int tr_by_start_(const void *a, const void *b)
{
    const tr_ev *x = *(const tr_ev *const *)a, *y = *(const tr_ev *const *)b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

/* The task slices named `name`, in order of start time (caller frees). */
static inline const tr_ev **trace_tasks_named(const trace *t, const char *name, size_t *count)
{
    size_t n = trace_count(t, name), k = 0;
    const tr_ev **v = calloc(n ? n : 1, sizeof(*v));
    CHECK(v != NULL);
    for (size_t i = 0; i < t->n; i++)
        if (tr_is_task(&t->ev[i]) && strcmp(t->ev[i].name, name) == 0) v[k++] = &t->ev[i];
    qsort(v, n, sizeof(*v), tr_by_start_);
    *count = n;
    return v;
}

static inline int tr_has_dep(const tr_ev *e, uint64_t id)
{
    for (int i = 0; i < e->ndeps; i++)
        if (e->deps[i] == id) return 1;
    return 0;
}

/* Threads outside the runtime have tids from 1000 up (docs/tracing.md). */
static inline int tr_is_external_tid(int tid)
{
    return tid >= 1000;
}

/* ---- what holds of every trace ---------------------------------------------------- */

/* Slices of one tid sorted by start, the enclosing one first on equal starts. */
static inline int tr_nest_order_(const void *a, const void *b)
{
    const tr_ev *x = *(const tr_ev *const *)a, *y = *(const tr_ev *const *)b;
    if (x->ts != y->ts) return x->ts < y->ts ? -1 : 1;
    if (x->dur != y->dur) return x->dur > y->dur ? -1 : 1;
    return x->index < y->index ? -1 : x->index > y->index;
}

static inline int tr_by_fid_(const void *a, const void *b)
{
    const tr_ev *x = *(const tr_ev *const *)a, *y = *(const tr_ev *const *)b;
    return x->fid < y->fid ? -1 : x->fid > y->fid;
}

static inline void tr_check_nesting_(const trace *t, int tid)
{
    size_t n = 0;
    for (size_t i = 0; i < t->n; i++) n += t->ev[i].ph == 'X' && t->ev[i].tid == tid;
    const tr_ev **v = calloc(n ? n : 1, sizeof(*v));
    const tr_ev **stack = calloc(n ? n : 1, sizeof(*stack));
    CHECK(v && stack);
    size_t k = 0;
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].ph == 'X' && t->ev[i].tid == tid) v[k++] = &t->ev[i];
    qsort(v, n, sizeof(*v), tr_nest_order_);
    size_t depth = 0;
    for (size_t i = 0; i < n; i++) {
        const tr_ev *e = v[i];
        while (depth > 0 && e->ts >= stack[depth - 1]->end - TR_EPS) depth--;
        if (depth > 0) {
            const tr_ev *o = stack[depth - 1];
            if (e->end > o->end + TR_EPS)
                CHECK_FAIL_("tid %d: %s slice \"%s\" [%.3f, %.3f] starts inside %s slice \"%s\" "
                            "[%.3f, %.3f] but ends after it",
                            tid, e->cat, e->name, e->ts, e->end, o->cat, o->name, o->ts, o->end);
        }
        stack[depth++] = e;
    }
    free(v);
    free(stack);
}

/* Checks that hold of every trace. `complete`: nothing was dropped and nothing recorded
 * before the start is referred to, so parents, steals and deps name recorded tasks. */
static inline void trace_check_wellformed(const trace *t, int complete)
{
    /* the process name first */
    CHECK_GT(t->n, 0);
    CHECK_EQ(t->ev[0].ph, 'M');
    CHECK_STREQ(t->ev[0].name, "process_name");
    /* thread names: "worker N" for workers, "thread N" for other threads */
    for (int i = 0; i < t->ntids; i++) {
        char want[64];
        snprintf(want, sizeof want, "%s %d", tr_is_external_tid(t->tids[i]) ? "thread" : "worker",
                 t->tids[i]);
        CHECK_STREQ(t->tid_names[i], want);
    }
    /* every tid used has a name; per tid, events in file order are in time order; task
     * ids are unique (trace_parse checked that) */
    int last_tid_seen[256];
    double last_ts[256];
    for (int i = 0; i < t->ntids; i++) last_tid_seen[i] = 0, last_ts[i] = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tr_ev *e = &t->ev[i];
        if (e->ph == 'M' || e->ph == 's' || e->ph == 'f') continue;
        int k = 0;
        while (k < t->ntids && t->tids[k] != e->tid) k++;
        if (k == t->ntids) CHECK_FAIL_("tid %d has no thread_name", e->tid);
        if (last_tid_seen[k] && e->ts < last_ts[k] - TR_EPS)
            CHECK_FAIL_("tid %d: event %zu (%s) at %.3f follows one at %.3f", e->tid, i, e->name,
                        e->ts, last_ts[k]);
        last_tid_seen[k] = 1;
        last_ts[k] = e->ts;
    }
    for (int i = 0; i < t->ntids; i++) tr_check_nesting_(t, t->tids[i]);
    /* the flow-event pairs: ids unique per phase, each s with one f */
    size_t ns = 0, nf = 0;
    const tr_ev **fe = calloc(t->n ? t->n : 1, sizeof(*fe));
    CHECK(fe != NULL);
    for (size_t i = 0; i < t->n; i++)
        if (t->ev[i].ph == 'f') fe[nf++] = &t->ev[i];
    qsort(fe, nf, sizeof(*fe), tr_by_fid_);
    for (size_t i = 1; i < nf; i++) CHECK_NE(fe[i]->fid, fe[i - 1]->fid);
    for (size_t i = 0; i < t->n; i++) {
        const tr_ev *e = &t->ev[i];
        if (e->ph != 's') continue;
        ns++;
        const tr_ev key = {.fid = e->fid}, *kp = &key;
        const tr_ev **fp = bsearch(&kp, fe, nf, sizeof(*fe), tr_by_fid_);
        if (!fp) CHECK_FAIL_("flow event %" PRIu64 " has no end", e->fid);
        const tr_ev *f = *fp;
        /* the pair joins a recorded predecessor's end to a successor's start, and that
         * successor lists that predecessor in its deps */
        int matched = 0;
        for (size_t q = 0; q < t->ntasks && !matched; q++) {
            const tr_ev *qe = t->by_id[q];
            if (qe->tid != f->tid || fabs(qe->ts - f->ts) > TR_EPS) continue;
            for (int d = 0; d < qe->ndeps && !matched; d++) {
                const tr_ev *pe = trace_task(t, qe->deps[d]);
                matched = pe && pe->tid == e->tid && fabs(pe->end - e->ts) <= TR_EPS;
            }
        }
        if (!matched)
            CHECK_FAIL_("flow event %" PRIu64 " (tid %d at %.3f -> tid %d at %.3f) joins no "
                        "recorded dependency",
                        e->fid, e->tid, e->ts, f->tid, f->ts);
    }
    free(fe);
    CHECK_EQ(ns, nf);
    if (!complete) return;
    /* parents, steals, deps refer to recorded tasks; waits to recorded tasks or roots;
     * every dependency has its s/f pair */
    size_t ndeps = 0;
    for (size_t i = 0; i < t->n; i++) {
        const tr_ev *e = &t->ev[i];
        if (tr_is_task(e)) {
            if (e->parent && !trace_task(t, e->parent))
                CHECK_FAIL_("task %" PRIu64 " (%s): parent %" PRIu64 " is not in the trace",
                            e->id, e->name, e->parent);
            for (int d = 0; d < e->ndeps; d++) {
                const tr_ev *p = trace_task(t, e->deps[d]);
                if (!p)
                    CHECK_FAIL_("task %" PRIu64 " (%s): dependency %" PRIu64 " is not in the trace",
                                e->id, e->name, e->deps[d]);
                CHECK(p->has_deps); /* a dataflow task or node */
                CHECK(p->ts <= e->ts + TR_EPS);
            }
            ndeps += (size_t)e->ndeps;
        } else if (e->ph == 'i' && strcmp(e->cat, "steal") == 0) {
            if (e->task && !trace_task(t, e->task))
                CHECK_FAIL_("steal on tid %d at %.3f: task %" PRIu64 " is not in the trace",
                            e->tid, e->ts, e->task);
        } else if (e->ph == 'X' && strcmp(e->cat, "wait") == 0 && e->task) {
            if (!trace_task(t, e->task))
                CHECK_FAIL_("wait on tid %d: task %" PRIu64 " is not in the trace", e->tid, e->task);
        }
    }
    CHECK_EQ(ns, ndeps);
}

/* ---- files and child processes ---------------------------------------------------- */

/* A fresh temporary directory (caller removes it with tr_rmdir). */
static inline char *tr_tmpdir(void)
{
    char tmpl[512];
    test_tmpdir("pel-trace-test", tmpl, sizeof tmpl);
    char *copy = strdup(tmpl);
    CHECK(copy != NULL);
    return copy;
}

/* Number of entries in a directory (without . and ..). */
static inline int tr_dir_entries(const char *dir)
{
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)))
        n += strcmp(de->d_name, ".") != 0 && strcmp(de->d_name, "..") != 0;
    closedir(d);
    return n;
}

/* Remove a directory made by tr_tmpdir, with everything in it. */
static inline void tr_rmdir(char *dir)
{
    test_rmtree(dir);
    free(dir);
}

/* Run this program again (/proc/self/exe) with argv[1] = mode, the environment plus
 * `env` (NULL-terminated "NAME=value" strings that replace NAME; "NAME=" removes it), and
 * stderr to `stderr_path` (NULL: inherited). Everything is prepared before the fork: the
 * child of a process with running workers only calls dup2 and execve. Returns the exit
 * status, or 128 + the signal that ended it. */
static inline int tr_run_self(const char *mode, const char *const *env, const char *stderr_path)
{
    extern char **environ;
    size_t n = 0, k = 0, extra = 0;
    while (environ[n]) n++;
    while (env && env[extra]) extra++;
    char **envp = calloc(n + extra + 2, sizeof(*envp));
    CHECK(envp != NULL);
    /* ThreadSanitizer sleeps a second at exit by default: not in the children */
    char tsan[1024];
    const char *old_tsan = getenv("TSAN_OPTIONS");
    snprintf(tsan, sizeof tsan, "TSAN_OPTIONS=%s%satexit_sleep_ms=0", old_tsan ? old_tsan : "",
             old_tsan && *old_tsan ? ":" : "");
    for (size_t i = 0; i < n; i++) {
        int replaced = 0;
        for (size_t j = 0; j < extra; j++) {
            size_t len = (size_t)(strchr(env[j], '=') - env[j]) + 1;
            if (strncmp(environ[i], env[j], len) == 0) replaced = 1;
        }
        if (strncmp(environ[i], "TSAN_OPTIONS=", 13) == 0) replaced = 1;
        if (!replaced) envp[k++] = environ[i];
    }
    envp[k++] = tsan;
    for (size_t j = 0; j < extra; j++)
        if (strchr(env[j], '=')[1]) envp[k++] = (char *)env[j];
    envp[k] = NULL;
    int fd = -1;
    if (stderr_path) {
        fd = open(stderr_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0) CHECK_FAIL_("cannot create %s: %s", stderr_path, strerror(errno));
    }
    char *argv[] = {(char *)"self", (char *)mode, NULL};
    fflush(stdout);
    fflush(stderr);
    pid_t pid = fork();
    CHECK(pid >= 0);
    if (pid == 0) {
        if (fd >= 0 && dup2(fd, 2) < 0) _exit(121);
        execve("/proc/self/exe", argv, envp);
        _exit(122);
    }
    if (fd >= 0) close(fd);
    free(envp);
    int status;
    while (waitpid(pid, &status, 0) < 0) CHECK_EQ(errno, EINTR);
    if (WIFEXITED(status)) return WEXITSTATUS(status);
    return 128 + WTERMSIG(status);
}

/* Busy-wait for `us` microseconds of monotonic time. */
static inline void tr_spin_us(double us)
{
    double end = test_now() + us * 1e-6;
    while (test_now() < end) {
    }
}

/* ---- a fine-grained fork-join workload ------------------------------------------ */

/* Naive fib on runtime rt: every call with n >= 2 spawns both halves and waits. */
typedef struct tr_fib {
    pel_runtime *rt;
    int n;
    long result;
} tr_fib;

static inline int tr_fib_task(void *arg)
{
    tr_fib *a = arg;
    if (a->n < 2) {
        a->result = a->n;
        return 0;
    }
    tr_fib x = {a->rt, a->n - 1, 0}, y = {a->rt, a->n - 2, 0};
    pel_group g;
    CHECK_OK(pel_group_init(&g, a->rt));
    CHECK_OK(pel_group_spawn(&g, tr_fib_task, &x));
    CHECK_OK(pel_group_spawn(&g, tr_fib_task, &y));
    CHECK_OK(pel_group_wait(&g));
    a->result = x.result + y.result;
    return 0;
}

/* fib(n) as one task spawned on rt from the calling thread; returns its value. */
static inline long tr_run_fib(pel_runtime *rt, int n)
{
    tr_fib root = {rt, n, 0};
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, tr_fib_task, &root));
    CHECK_OK(pel_group_wait(&g));
    return root.result;
}

#endif /* PEL_TEST_TRACE_CHECK_H */
