/* export.c — writing the recorded events as Chrome trace event JSON (docs/tracing.md).
 *
 * Two passes: first every buffer's events are matched into spans (a task's begin with its
 * end, a wait's, a park's: each thread's events nest, so a stack per thread does it) and
 * dataflow edges are collected; then spans are written with their arguments, edges as
 * flow-event pairs between the predecessor's end and the successor's start.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "pel/version.h"
#include "trace/trace_internal.h"


enum { SP_TASK, SP_WAIT, SP_PARK, SP_STEAL, SP_WAKE };

typedef struct span {
    int type, tid, kind, unfinished;
    uint16_t bflags, status;
    uint32_t inlined, other; /* other: steal victim / woken tid */
    uint64_t id, name, parent, obj, spawned, start, end, lo, hi;
} span;

typedef struct vec {
    void *p;
    size_t n, cap, size;
} vec;

static void *vec_push(vec *v)
{
    if (v->n == v->cap) {
        size_t cap = v->cap ? 2 * v->cap : 1024;
        void *grown = realloc(v->p, cap * v->size);
        if (!grown) return NULL;
        v->p = grown;
        v->cap = cap;
    }
    void *slot = (char *)v->p + v->n++ * v->size;
    memset(slot, 0, v->size);
    return slot;
}

typedef struct edge {
    uint64_t pred, succ;
} edge;

typedef struct model {
    vec spans; /* span */
    vec edges; /* edge */
    uint64_t dropped;
    int ntids;
    int tids[4096];
    char tid_names[4096][48];
} model;

/* Match one buffer's events into spans. */
static int load_buffer(model *m, pel__tbuf *b)
{
    size_t stack_cap = 64, depth = 0;
    size_t *stack = malloc(stack_cap * sizeof(*stack));
    if (!stack) return PEL_ENOMEM;
    uint64_t last_ts = 0;
    /* acquire: pairs with the owner's release of head (buffer.c). */
    for (pel__tchunk *c = atomic_load_explicit(&b->head, memory_order_acquire); c;
         c = atomic_load_explicit(&c->next, memory_order_acquire)) {
        uint32_t n = atomic_load_explicit(&c->n, memory_order_acquire);
        for (uint32_t i = 0; i < n; i++) {
            const pel__tev *e = &c->ev[i];
            if (e->ts > last_ts) last_ts = e->ts;
            if (e->type == PEL__EV_EDGE) {
                edge *g = vec_push(&m->edges);
                if (!g) goto nomem;
                g->pred = e->id;
                g->succ = e->a;
                continue;
            }
            if (e->type == PEL__EV_END || e->type == PEL__EV_WAIT_END ||
                e->type == PEL__EV_PARK_END) {
                int want = e->type == PEL__EV_END ? SP_TASK : e->type == PEL__EV_WAIT_END ? SP_WAIT : SP_PARK;
                /* Close the innermost open span of that type (and anything left open
                 * inside it, which can only come from a generation change). */
                size_t k = depth;
                while (k > 0) {
                    span *s = (span *)m->spans.p + stack[k - 1];
                    if (s->type == want && (want != SP_TASK || s->id == e->id)) break;
                    k--;
                }
                if (k == 0) continue; /* its begin was not recorded */
                for (size_t j = k - 1; j < depth; j++) {
                    span *s = (span *)m->spans.p + stack[j];
                    s->end = e->ts;
                }
                span *s = (span *)m->spans.p + stack[k - 1];
                if (want == SP_TASK) {
                    s->inlined = e->u32;
                    s->status = e->flags;
                    if (s->kind == PEL__TK_LOOP) s->hi = e->e;
                }
                depth = k - 1;
                continue;
            }
            span *s = vec_push(&m->spans);
            if (!s) goto nomem;
            s->tid = b->tid;
            s->start = s->end = e->ts;
            switch (e->type) {
            case PEL__EV_BEGIN:
                s->type = SP_TASK;
                s->kind = e->kind;
                s->bflags = e->flags;
                s->id = e->id;
                s->name = e->a;
                s->parent = e->b;
                s->obj = e->c;
                s->spawned = e->d;
                s->lo = e->e;
                break;
            case PEL__EV_WAIT_BEGIN:
                s->type = SP_WAIT;
                s->kind = e->kind;
                s->id = e->id;
                s->obj = e->a;
                break;
            case PEL__EV_PARK_BEGIN: s->type = SP_PARK; break;
            case PEL__EV_STEAL:
                s->type = SP_STEAL;
                s->id = e->id;
                s->other = e->u32;
                continue;
            case PEL__EV_WAKE:
                s->type = SP_WAKE;
                s->other = e->u32;
                continue;
            default: m->spans.n--; continue;
            }
            if (depth == stack_cap) {
                size_t *grown = realloc(stack, 2 * stack_cap * sizeof(*stack));
                if (!grown) goto nomem;
                stack = grown;
                stack_cap *= 2;
            }
            stack[depth++] = m->spans.n - 1;
        }
    }
    /* Spans still open (tasks running at export): end them at the thread's last event. */
    for (size_t j = 0; j < depth; j++) {
        span *s = (span *)m->spans.p + stack[j];
        s->end = last_ts;
        s->unfinished = 1;
    }
    free(stack);
    return PEL_OK;
nomem:
    free(stack);
    return PEL_ENOMEM;
}

/* ---- id → span lookup (open addressing) ---------------------------------------------- */

typedef struct idmap {
    size_t *slot; /* span index + 1, 0 = empty */
    size_t mask;
} idmap;

static size_t hash_id(uint64_t id)
{
    id ^= id >> 33;
    id *= 0xff51afd7ed558ccdull;
    id ^= id >> 33;
    return (size_t)id;
}

static int idmap_build(idmap *im, const model *m)
{
    size_t cap = 1024;
    while (cap < 2 * m->spans.n) cap *= 2;
    im->slot = calloc(cap, sizeof(*im->slot));
    if (!im->slot) return PEL_ENOMEM;
    im->mask = cap - 1;
    const span *sp = m->spans.p;
    for (size_t i = 0; i < m->spans.n; i++) {
        if (sp[i].type != SP_TASK) continue;
        size_t h = hash_id(sp[i].id) & im->mask;
        while (im->slot[h]) h = (h + 1) & im->mask;
        im->slot[h] = i + 1;
    }
    return PEL_OK;
}

static const span *idmap_find(const idmap *im, const model *m, uint64_t id)
{
    const span *sp = m->spans.p;
    for (size_t h = hash_id(id) & im->mask; im->slot[h]; h = (h + 1) & im->mask)
        if (sp[im->slot[h] - 1].id == id) return &sp[im->slot[h] - 1];
    return NULL;
}

/* Groups are named by their address, which a later group may reuse, and a group may be
 * waited for more than once. Give each (group, segment up to a wait) an id of its own: a
 * task belongs to the segment of the first wait on its group that ends after it starts
 * (its wait cannot end before the task does). */
typedef struct gref {
    uint64_t addr, t;
    size_t span;
    int is_wait;
} gref;

static int gref_order(const void *a, const void *b)
{
    const gref *x = a, *y = b;
    if (x->addr != y->addr) return x->addr < y->addr ? -1 : 1;
    if (x->t != y->t) return x->t < y->t ? -1 : 1;
    return x->is_wait - y->is_wait;
}

static int renumber_groups(model *m)
{
    span *sp = m->spans.p;
    size_t n = 0;
    for (size_t i = 0; i < m->spans.n; i++)
        n += (sp[i].type == SP_TASK && sp[i].kind == PEL__TK_SPAWN && sp[i].obj) ||
             (sp[i].type == SP_WAIT && sp[i].kind == PEL__TW_GROUP);
    gref *r = malloc((n ? n : 1) * sizeof(*r));
    if (!r) return PEL_ENOMEM;
    n = 0;
    for (size_t i = 0; i < m->spans.n; i++) {
        if (sp[i].type == SP_TASK && sp[i].kind == PEL__TK_SPAWN && sp[i].obj)
            r[n++] = (gref){sp[i].obj, sp[i].start, i, 0};
        else if (sp[i].type == SP_WAIT && sp[i].kind == PEL__TW_GROUP)
            r[n++] = (gref){sp[i].obj, sp[i].end, i, 1};
    }
    qsort(r, n, sizeof(*r), gref_order);
    uint64_t next = (1ull << 52) + 1, cur = 0, addr = 0;
    for (size_t i = 0; i < n; i++) {
        if (i == 0 || r[i].addr != addr) {
            addr = r[i].addr;
            cur = next++;
        }
        sp[r[i].span].obj = cur;
        if (r[i].is_wait) cur = next++;
    }
    free(r);
    return PEL_OK;
}

static int edge_by_succ(const void *a, const void *b)
{
    const edge *x = a, *y = b;
    return x->succ < y->succ ? -1 : x->succ > y->succ;
}

/* ---- writing --------------------------------------------------------------------- */

static void put_string(FILE *out, const char *s)
{
    fputc('"', out);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fprintf(out, "\\%c", c);
        else if (c < 0x20)
            fprintf(out, "\\u%04x", c);
        else
            fputc(c, out);
    }
    fputc('"', out);
}

static double us(uint64_t ticks)
{
    return pel__trace_ns(ticks) / 1000.0;
}

static const char *kind_name(int kind)
{
    switch (kind) {
    case PEL__TK_FLOW: return "flow";
    case PEL__TK_LOOP: return "loop";
    case PEL__TK_SYNC: return "sync";
    default: return "spawn";
    }
}

static void put_task(FILE *out, int pid, const span *s, const edge *deps, size_t ndeps)
{
    char buf[256];
    const char *name = s->bflags & PEL__TEV_NAME_STR
                           ? (const char *)(uintptr_t)s->name
                           : pel__trace_fn_name((const void *)(uintptr_t)s->name, buf, sizeof buf);
    fputs("{\"ph\":\"X\",\"cat\":\"task\",\"name\":", out);
    put_string(out, name && *name ? name : "task");
    fprintf(out, ",\"pid\":%d,\"tid\":%d,\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"id\":%llu,"
                 "\"parent\":%llu,\"kind\":\"%s\"",
            pid, s->tid, us(s->start), us(s->end) - us(s->start), (unsigned long long)s->id,
            (unsigned long long)s->parent, kind_name(s->kind));
    if (s->kind == PEL__TK_SPAWN && s->obj) fprintf(out, ",\"group\":%llu", (unsigned long long)s->obj);
    if ((s->kind == PEL__TK_FLOW || s->kind == PEL__TK_SYNC) && s->obj)
        fprintf(out, ",\"flow\":%llu", (unsigned long long)s->obj);
    if (s->spawned) fprintf(out, ",\"spawned\":%.3f", us(s->spawned));
    if (s->kind == PEL__TK_LOOP)
        fprintf(out, ",\"lo\":%llu,\"hi\":%llu", (unsigned long long)s->lo, (unsigned long long)s->hi);
    if (s->kind == PEL__TK_FLOW || s->kind == PEL__TK_SYNC) {
        fputs(",\"deps\":[", out);
        for (size_t i = 0; i < ndeps; i++)
            fprintf(out, "%s%llu", i ? "," : "", (unsigned long long)deps[i].pred);
        fprintf(out, "],\"status\":\"%s\"",
                s->status == PEL__TS_FAILED ? "failed" : s->status == PEL__TS_SKIPPED ? "skipped" : "ok");
    }
    if (s->inlined) fprintf(out, ",\"inlined\":%u", s->inlined);
    if (s->unfinished) fputs(",\"unfinished\":true", out);
    fputs("}}", out);
}

static int write_model(FILE *out, model *m)
{
    int pid = (int)getpid();
    idmap im;
    if (renumber_groups(m) != PEL_OK || idmap_build(&im, m) != PEL_OK) return PEL_ENOMEM;
    /* edges.p is NULL without edges, and qsort's base must not be (UBSan) */
    if (m->edges.n) qsort(m->edges.p, m->edges.n, sizeof(edge), edge_by_succ);
    const edge *ed = m->edges.p;

    fputs("{\"traceEvents\":[\n", out);
    char exe[256] = "pel";
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len > 0) exe[len] = 0;
    fprintf(out, "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":%d,\"tid\":0,\"args\":{\"name\":", pid);
    put_string(out, exe);
    fputs("}}", out);
    for (int i = 0; i < m->ntids; i++) {
        fprintf(out, ",\n{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,\"tid\":%d,\"args\":{\"name\":",
                pid, m->tids[i]);
        put_string(out, m->tid_names[i]);
        fprintf(out, "}},\n{\"ph\":\"M\",\"name\":\"thread_sort_index\",\"pid\":%d,\"tid\":%d,"
                     "\"args\":{\"sort_index\":%d}}", pid, m->tids[i], m->tids[i]);
    }
    const span *sp = m->spans.p;
    for (size_t i = 0; i < m->spans.n; i++) {
        const span *s = &sp[i];
        fputs(",\n", out);
        switch (s->type) {
        case SP_TASK: {
            /* Its incoming edges: a binary search in the edges sorted by successor. */
            size_t lo = 0, hi = m->edges.n;
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (ed[mid].succ < s->id) lo = mid + 1; else hi = mid;
            }
            size_t n = 0;
            while (lo + n < m->edges.n && ed[lo + n].succ == s->id) n++;
            put_task(out, pid, s, ed + lo, n);
            break;
        }
        case SP_WAIT:
            fprintf(out, "{\"ph\":\"X\",\"cat\":\"wait\",\"name\":\"wait\",\"pid\":%d,\"tid\":%d,"
                         "\"ts\":%.3f,\"dur\":%.3f,\"args\":{\"task\":%llu,\"%s\":%llu}}",
                    pid, s->tid, us(s->start), us(s->end) - us(s->start), (unsigned long long)s->id,
                    s->kind == PEL__TW_FLOW ? "flow" : "group", (unsigned long long)s->obj);
            break;
        case SP_PARK:
            fprintf(out, "{\"ph\":\"X\",\"cat\":\"park\",\"name\":\"parked\",\"pid\":%d,\"tid\":%d,"
                         "\"ts\":%.3f,\"dur\":%.3f}",
                    pid, s->tid, us(s->start), us(s->end) - us(s->start));
            break;
        case SP_STEAL:
            /* victim -1: the deque of a thread outside the runtime that submits dataflow
             * tasks; no task: a priority token (the task it leads to is the thief's next
             * slice). */
            fprintf(out, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"steal\",\"name\":\"steal\",\"pid\":%d,"
                         "\"tid\":%d,\"ts\":%.3f,\"args\":{\"victim\":%d",
                    pid, s->tid, us(s->start), (int)s->other);
            if (s->id) fprintf(out, ",\"task\":%llu", (unsigned long long)s->id);
            fputs("}}", out);
            break;
        default:
            fprintf(out, "{\"ph\":\"i\",\"s\":\"t\",\"cat\":\"wake\",\"name\":\"wake\",\"pid\":%d,"
                         "\"tid\":%d,\"ts\":%.3f,\"args\":{\"worker\":%u}}",
                    pid, s->tid, us(s->start), s->other);
        }
    }
    /* Dataflow edges as flow-event pairs (both ends recorded). */
    for (size_t i = 0; i < m->edges.n; i++) {
        const span *p = idmap_find(&im, m, ed[i].pred), *q = idmap_find(&im, m, ed[i].succ);
        if (!p || !q) continue;
        fprintf(out, ",\n{\"ph\":\"s\",\"cat\":\"dep\",\"name\":\"dep\",\"id\":%zu,\"pid\":%d,"
                     "\"tid\":%d,\"ts\":%.3f}",
                i + 1, pid, p->tid, us(p->end));
        fprintf(out, ",\n{\"ph\":\"f\",\"bp\":\"e\",\"cat\":\"dep\",\"name\":\"dep\",\"id\":%zu,"
                     "\"pid\":%d,\"tid\":%d,\"ts\":%.3f}",
                i + 1, pid, q->tid, us(q->start));
    }
    free(im.slot);
    fprintf(out, "\n],\n\"displayTimeUnit\":\"ns\",\n\"otherData\":{\"pel\":\"%s\",\"detail\":\"%s\","
                 "\"dropped\":%llu,\"counters\":",
            PEL_VERSION_STRING,
            atomic_load_explicit(&pel__trace_full, memory_order_relaxed) ? "full" : "adaptive",
            (unsigned long long)m->dropped);
    int workers = pel__trace_counters_json(out);
    fprintf(out, ",\"workers\":%d}}\n", workers);
    return ferror(out) ? PEL_EIO : PEL_OK;
}

static int build_model(model *m)
{
    m->spans.size = sizeof(span);
    m->edges.size = sizeof(edge);
    /* relaxed: the generation was set by the start this export follows. */
    uint64_t gen = atomic_load_explicit(&pel__trace_gen, memory_order_relaxed);
    int rc = PEL_OK;
    pel__tbuf_lock();
    pel__tbuf *bufs[4096];
    int nb = 0;
    for (pel__tbuf *b = pel__tbuf_head(); b && nb < 4096; b = b->next_buf) bufs[nb++] = b;
    pel__tbuf_unlock();
    /* Oldest first: the registry is a stack. */
    for (int i = nb - 1; i >= 0 && rc == PEL_OK; i--) {
        pel__tbuf *b = bufs[i];
        /* Every buffer's drops count, also those of a thread that never got a chunk in
         * this trace (a start resets every buffer's count). */
        m->dropped += atomic_load_explicit(&b->dropped, memory_order_relaxed);
        /* acquire: with the release of head in buffer.c. */
        if (!atomic_load_explicit(&b->head, memory_order_acquire) ||
            atomic_load_explicit(&b->head_gen, memory_order_relaxed) != gen)
            continue;
        if (m->ntids < 4096) {
            m->tids[m->ntids] = b->tid;
            snprintf(m->tid_names[m->ntids], sizeof m->tid_names[0], "%s", b->name);
            m->ntids++;
        }
        rc = load_buffer(m, b);
    }
    return rc;
}

static int export_to(FILE *out)
{
    /* relaxed: a start that never happened leaves generation 0. */
    if (atomic_load_explicit(&pel__trace_gen, memory_order_relaxed) == 0) return PEL_EINVAL;
    pel__trace_clock_calibrate();
    model *m = calloc(1, sizeof(*m));
    if (!m) return PEL_ENOMEM;
    int rc = build_model(m);
    pel__trace_names_open();
    if (rc == PEL_OK) rc = write_model(out, m);
    pel__trace_names_close();
    free(m->spans.p);
    free(m->edges.p);
    free(m);
    return rc;
}

PEL_EXPORT int pel_trace_write_file(FILE *out)
{
    if (!out) return PEL_EINVAL;
    int rc = export_to(out);
    if (rc == PEL_OK && fflush(out) != 0) rc = PEL_EIO;
    return rc;
}

PEL_EXPORT int pel_trace_write(const char *path)
{
    if (!path || !*path) return PEL_EINVAL;
    struct stat st;
    if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
        /* A device, FIFO or the like (/dev/stdout, say): written in place. A rename
         * would replace it. */
        FILE *out = fopen(path, "w");
        if (!out) return PEL_EIO;
        int rc = export_to(out);
        if (fclose(out) != 0 && rc == PEL_OK) rc = PEL_EIO;
        return rc;
    }
    size_t n = strlen(path) + 32;
    char *tmp = malloc(n);
    if (!tmp) return PEL_ENOMEM;
    snprintf(tmp, n, "%s.tmp.%d", path, (int)getpid());
    FILE *out = fopen(tmp, "w");
    if (!out) {
        free(tmp);
        return PEL_EIO;
    }
    int rc = export_to(out);
    if (fflush(out) != 0 || fsync(fileno(out)) != 0) rc = rc == PEL_OK ? PEL_EIO : rc;
    if (fclose(out) != 0 && rc == PEL_OK) rc = PEL_EIO;
    if (rc == PEL_OK && rename(tmp, path) != 0) rc = PEL_EIO;
    if (rc != PEL_OK) {
        int saved = errno;
        unlink(tmp);
        errno = saved;
    }
    free(tmp);
    return rc;
}
