/* test_flow_random.c — random dataflow programs against their serial results.
 *
 * A program is a few handles (small arrays of uint32_t in memory, or abstract handles
 * that order tasks over memory the test keeps itself) and a list of top-level tasks, each
 * with 1-4 accesses in random modes, a random priority and sometimes children: tasks it
 * submits while it runs, whose accesses lie within its own (READ under READ; any mode
 * under WRITE or READWRITE; COMMUTE under COMMUTE; REDUCE under REDUCE). A parent with
 * children sometimes waits for them inside the task and then runs a second phase.
 *
 * Every task's effect is deterministic and sensitive to order: READ hashes what it sees
 * (checked against the serial run), WRITE overwrites from what the task read so far,
 * READWRITE does x = x*31 + h. COMMUTE and REDUCE add, so any order of a run of them
 * gives one result. The expected final state is computed by running the same tasks one
 * after another in submission order (a parent's first phase, its children, its second
 * phase). Checked: the final data, every observation, that each task ran exactly once
 * with status 0 and the right id, and, by instrumentation in the test itself, that no
 * two conflicting accesses ever overlapped in time (per handle: readers, writers,
 * reducers and combines into the data, counted at entry and exit).
 *
 * The main thread also acquires handles between submissions (checking the value against
 * the serial state at that point, and sometimes changing it), and ends a program in one
 * of three ways: wait then unregister, unregister every handle (each must hold its final
 * value when unregister returns) then wait, or destroy the flow. Flows are reused across
 * programs, with windows from 1 to the default.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

enum {
    MAX_HANDLES = 6,
    MAX_LEN = 4,
    MAX_ACC = 4,
    MAX_NODES = 48,
    MAX_CHILDREN = 3,
    MAX_DEPTH = 2,
    CHILD_ID_BIT_SHIFT = 63,
};

typedef struct handle_state {
    uint32_t data[MAX_LEN]; /* the memory (registered, or ordered by an abstract handle) */
    uint32_t model[MAX_LEN]; /* the serial run's value, main thread only */
    int len;
    int abstract; /* registered with no memory: tasks use `data` directly */
    int reducible;
    pel_data d;
    /* Instrumentation: who is inside the data now. */
    _Atomic int readers, writers, reducers, combiners;
} handle_state;

typedef struct node {
    int id;     /* unique in the program: hashed into its effect */
    int parent; /* -1: top level */
    int naccess;
    int hidx[MAX_ACC];
    pel_mode mode[MAX_ACC];
    int priority;
    int nchildren;
    int children[MAX_CHILDREN];
    int two_phase; /* waits for its children inside the task, then a second phase */
    int copy_arg;  /* submitted with arg_size (a copied reference) rather than a pointer */
    uint64_t expect_id; /* top level: the flow's submission number */
    uint64_t expect_obs[2][MAX_ACC];
    uint64_t got_obs[2][MAX_ACC];
    _Atomic int runs;
    int status;
} node;

typedef struct program {
    int nh;
    handle_state h[MAX_HANDLES];
    int nnodes;
    node nodes[MAX_NODES];
    int ntop;
    int top[MAX_NODES];
    pel_flow *flow;
    size_t window;
    _Atomic long top_finished; /* top-level task bodies finished */
} program;

typedef struct task_ref {
    program *p;
    int node;
} task_ref;

static program prog;
static long program_number;
static uint64_t program_seed;

static void dump_program(void);

#define PROGRAM_FAIL(...)                                                                  \
    do {                                                                                   \
        dump_program();                                                                    \
        fprintf(stderr, "program %ld (seed %#" PRIx64 "): ", program_number, program_seed);  \
        CHECK_FAIL_(__VA_ARGS__);                                                          \
    } while (0)

/* The failing program, on stderr: handles, then tasks in serial order (children
 * indented under their parent). */
static void dump_node(int ni, int depth)
{
    static const char *const names[] = {"?", "R", "W", "RW", "C", "RED"};
    const node *x = &prog.nodes[ni];
    fprintf(stderr, "%*snode %d (index %d) prio %d%s:", 2 + 4 * depth, "", x->id, ni,
            x->priority, x->two_phase ? " two-phase" : "");
    for (int i = 0; i < x->naccess; i++)
        fprintf(stderr, " h%d:%s", x->hidx[i], names[x->mode[i]]);
    fputc('\n', stderr);
    for (int c = 0; c < x->nchildren; c++) dump_node(x->children[c], depth + 1);
}

static void dump_program(void)
{
    fprintf(stderr, "program %ld: window %zu, %d handles:", program_number, prog.window, prog.nh);
    for (int i = 0; i < prog.nh; i++)
        fprintf(stderr, " h%d(len %d%s%s)", i, prog.h[i].len, prog.h[i].abstract ? ", abstract" : "",
                prog.h[i].reducible ? ", reducible" : "");
    fputc('\n', stderr);
    for (int t = 0; t < prog.ntop; t++) dump_node(prog.top[t], 0);
}

static uint64_t mix(uint64_t x)
{
    return test_rand(&x);
}

static uint64_t hash_array(const uint32_t *a, int n)
{
    uint64_t h = (uint64_t)n + 1;
    for (int k = 0; k < n; k++) h = mix(h ^ a[k]);
    return h;
}

/* ---- instrumentation --------------------------------------------------------------- */

/* Entry and exit of an access; seq_cst so that of two conflicting entries at least one
 * sees the other's increment. */
static void access_enter(handle_state *h, pel_mode m, const char *who)
{
    int r, w, red, comb;
    switch (m) {
    case PEL_READ:
        atomic_fetch_add_explicit(&h->readers, 1, memory_order_seq_cst);
        w = atomic_load_explicit(&h->writers, memory_order_seq_cst);
        red = atomic_load_explicit(&h->reducers, memory_order_seq_cst);
        comb = atomic_load_explicit(&h->combiners, memory_order_seq_cst);
        if (w || red || comb)
            PROGRAM_FAIL("%s: READ of handle %d overlaps %d writers, %d reducers, %d combines",
                         who, (int)(h - prog.h), w, red, comb);
        break;
    case PEL_REDUCE:
        atomic_fetch_add_explicit(&h->reducers, 1, memory_order_seq_cst);
        w = atomic_load_explicit(&h->writers, memory_order_seq_cst);
        r = atomic_load_explicit(&h->readers, memory_order_seq_cst);
        if (w || r)
            PROGRAM_FAIL("%s: REDUCE of handle %d overlaps %d writers, %d readers", who,
                         (int)(h - prog.h), w, r);
        break;
    default:
        w = atomic_fetch_add_explicit(&h->writers, 1, memory_order_seq_cst);
        r = atomic_load_explicit(&h->readers, memory_order_seq_cst);
        red = atomic_load_explicit(&h->reducers, memory_order_seq_cst);
        comb = atomic_load_explicit(&h->combiners, memory_order_seq_cst);
        if (w || r || red || comb)
            PROGRAM_FAIL("%s: mode %d on handle %d overlaps %d writers, %d readers, "
                         "%d reducers, %d combines",
                         who, (int)m, (int)(h - prog.h), w, r, red, comb);
        break;
    }
}

static void access_exit(handle_state *h, pel_mode m)
{
    _Atomic int *c = m == PEL_READ ? &h->readers : m == PEL_REDUCE ? &h->reducers : &h->writers;
    atomic_fetch_sub_explicit(c, 1, memory_order_seq_cst);
}

/* The sum reduction; `arg` is the handle, so that a combine into the data itself is
 * checked like a writer (it must not overlap readers, writers or another combine). */
static void sum_init(void *copy, size_t size, void *arg)
{
    handle_state *h = arg;
    if (size != (size_t)h->len * sizeof(uint32_t))
        PROGRAM_FAIL("reduction init of handle %d with size %zu", (int)(h - prog.h), size);
    memset(copy, 0, size);
}

static void sum_combine(void *into, const void *from, size_t size, void *arg)
{
    handle_state *h = arg;
    if (size != (size_t)h->len * sizeof(uint32_t))
        PROGRAM_FAIL("reduction combine of handle %d with size %zu", (int)(h - prog.h), size);
    int into_data = into == (void *)h->data;
    if (into_data) {
        int c = atomic_fetch_add_explicit(&h->combiners, 1, memory_order_seq_cst);
        int r = atomic_load_explicit(&h->readers, memory_order_seq_cst);
        int w = atomic_load_explicit(&h->writers, memory_order_seq_cst);
        if (c || r || w)
            PROGRAM_FAIL("combine into handle %d overlaps %d combines, %d readers, %d writers",
                         (int)(h - prog.h), c, r, w);
    }
    CHECK(from != (const void *)h->data);
    uint32_t *a = into;
    const uint32_t *b = from;
    for (int k = 0; k < h->len; k++) a[k] += b[k];
    if (into_data) atomic_fetch_sub_explicit(&h->combiners, 1, memory_order_seq_cst);
}

/* ---- the effect of one phase of a task ------------------------------------------- */

/* mem[i]: the memory access i works on (a private copy for REDUCE). Shared by the serial
 * run and the tasks, so both compute exactly the same thing. */
static void node_effect(const node *x, int phase, uint32_t *const mem[MAX_ACC],
                        uint64_t obs[MAX_ACC])
{
    uint64_t h = mix((uint64_t)x->id * 2 + (uint64_t)phase + 1);
    for (int i = 0; i < x->naccess; i++) {
        uint32_t *m = mem[i];
        int n = prog.h[x->hidx[i]].len;
        switch (x->mode[i]) {
        case PEL_READ:
            obs[i] = hash_array(m, n);
            h = mix(h ^ obs[i]);
            break;
        case PEL_WRITE:
            for (int k = 0; k < n; k++) m[k] = (uint32_t)(h >> (8 * k)) + (uint32_t)k;
            break;
        case PEL_READWRITE:
            for (int k = 0; k < n; k++) m[k] = m[k] * 31u + (uint32_t)h + (uint32_t)k;
            obs[i] = hash_array(m, n);
            h = mix(h ^ obs[i]);
            break;
        case PEL_COMMUTE:
        case PEL_REDUCE:
            for (int k = 0; k < n; k++) m[k] += (uint32_t)(h % 1000u) + (uint32_t)k + 1u;
            break;
        }
    }
}

static void serial_run(int ni)
{
    node *x = &prog.nodes[ni];
    uint32_t *mem[MAX_ACC];
    for (int i = 0; i < x->naccess; i++) mem[i] = prog.h[x->hidx[i]].model;
    node_effect(x, 0, mem, x->expect_obs[0]);
    for (int c = 0; c < x->nchildren; c++) serial_run(x->children[c]);
    if (x->two_phase) node_effect(x, 1, mem, x->expect_obs[1]);
}

/* ---- generating a program -------------------------------------------------------- */

/* The modes a child may use on a handle its parent accesses in mode `pm`. */
static pel_mode child_mode(pel_mode pm, const handle_state *h, uint64_t *rng)
{
    static const pel_mode under_write[] = {PEL_READ, PEL_WRITE, PEL_READWRITE, PEL_COMMUTE,
                                           PEL_REDUCE};
    switch (pm) {
    case PEL_WRITE:
    case PEL_READWRITE: {
        int n = h->reducible ? 5 : 4;
        return under_write[test_rand(rng) % (uint64_t)n];
    }
    default:
        return pm; /* READ, COMMUTE and REDUCE: the same mode only */
    }
}

static pel_mode top_mode(const handle_state *h, uint64_t *rng)
{
    uint64_t r = test_rand(rng) % 16;
    if (r < 4) return PEL_READ;
    if (r < 7) return PEL_WRITE;
    if (r < 11) return PEL_READWRITE;
    if (r < 13 || !h->reducible) return PEL_COMMUTE;
    return PEL_REDUCE;
}

static int gen_node(int parent, int depth, uint64_t *rng)
{
    if (prog.nnodes >= MAX_NODES) return -1;
    int ni = prog.nnodes++;
    node *x = &prog.nodes[ni];
    memset(x, 0, sizeof(*x));
    x->id = ni + 1;
    x->parent = parent;
    x->priority = (int)(test_rand(rng) % 7) - 3;
    x->copy_arg = (int)(test_rand(rng) & 1);
    atomic_init(&x->runs, 0);
    x->status = -12345;

    int want = 1 + (int)(test_rand(rng) % MAX_ACC);
    if (parent < 0) {
        for (int a = 0; a < want; a++) {
            int hi = (int)(test_rand(rng) % (uint64_t)prog.nh);
            pel_mode m = top_mode(&prog.h[hi], rng);
            int dup = -1;
            for (int j = 0; j < x->naccess; j++)
                if (x->hidx[j] == hi) dup = j;
            if (dup >= 0 && !(m == PEL_READ && x->mode[dup] == PEL_READ)) continue;
            x->hidx[x->naccess] = hi;
            x->mode[x->naccess] = m;
            x->naccess++;
        }
    } else {
        node *p = &prog.nodes[parent];
        for (int a = 0; a < want; a++) {
            int j = (int)(test_rand(rng) % (uint64_t)p->naccess);
            int hi = p->hidx[j];
            pel_mode m = child_mode(p->mode[j], &prog.h[hi], rng);
            int dup = -1;
            for (int k = 0; k < x->naccess; k++)
                if (x->hidx[k] == hi) dup = k;
            if (dup >= 0 && !(m == PEL_READ && x->mode[dup] == PEL_READ)) continue;
            x->hidx[x->naccess] = hi;
            x->mode[x->naccess] = m;
            x->naccess++;
        }
    }

    if (depth < MAX_DEPTH && test_rand(rng) % 4 == 0) {
        int n = 1 + (int)(test_rand(rng) % MAX_CHILDREN);
        for (int c = 0; c < n; c++) {
            int ci = gen_node(ni, depth + 1, rng);
            if (ci < 0) break;
            prog.nodes[ni].children[prog.nodes[ni].nchildren++] = ci;
        }
        prog.nodes[ni].two_phase = prog.nodes[ni].nchildren > 0 && (test_rand(rng) & 1);
    }
    return ni;
}

static void gen_program(uint64_t *rng)
{
    prog.nh = 1 + (int)(test_rand(rng) % MAX_HANDLES);
    for (int i = 0; i < prog.nh; i++) {
        handle_state *h = &prog.h[i];
        h->len = 1 + (int)(test_rand(rng) % MAX_LEN);
        h->abstract = test_rand(rng) % 6 == 0;
        h->reducible = !h->abstract && test_rand(rng) % 3 != 0;
        for (int k = 0; k < MAX_LEN; k++) h->data[k] = h->model[k] = (uint32_t)test_rand(rng);
        atomic_init(&h->readers, 0);
        atomic_init(&h->writers, 0);
        atomic_init(&h->reducers, 0);
        atomic_init(&h->combiners, 0);
    }
    prog.nnodes = 0;
    prog.ntop = 0;
    uint64_t r = test_rand(rng);
    int want = r % 8 == 0 ? 1 + (int)((r >> 8) % 30) : 1 + (int)((r >> 8) % 10);
    for (int t = 0; t < want; t++) {
        int ni = gen_node(-1, 0, rng);
        if (ni < 0) break;
        prog.top[prog.ntop++] = ni;
    }
    atomic_init(&prog.top_finished, 0);
}

/* ---- running it ------------------------------------------------------------------ */

static int random_task(pel_flow_task *t, void *arg);

static void node_desc(node *x, task_ref *ref, pel_access *acc, pel_task_desc *desc)
{
    for (int i = 0; i < x->naccess; i++) acc[i] = (pel_access){prog.h[x->hidx[i]].d, x->mode[i]};
    *ref = (task_ref){&prog, (int)(x - prog.nodes)};
    *desc = (pel_task_desc){
        .fn = random_task,
        .arg = x->copy_arg ? (void *)ref : (void *)x,
        .arg_size = x->copy_arg ? sizeof(*ref) : 0,
        .access = acc,
        .naccess = (unsigned)x->naccess,
        .priority = x->priority,
        .name = "random",
        .status = &x->status,
    };
}

static void task_phase(pel_flow_task *t, node *x, int phase)
{
    uint32_t *mem[MAX_ACC];
    for (int i = 0; i < x->naccess; i++) {
        handle_state *h = &prog.h[x->hidx[i]];
        void *p = pel_flow_data(t, (unsigned)i);
        if (h->abstract) {
            if (p != NULL) PROGRAM_FAIL("node %d: abstract handle with memory %p", x->id, p);
            mem[i] = h->data;
        } else if (x->mode[i] == PEL_REDUCE) {
            if (p == NULL || p == (void *)h->data)
                PROGRAM_FAIL("node %d: REDUCE access %d got %p, not a private copy", x->id, i, p);
            mem[i] = p;
        } else {
            if (p != (void *)h->data)
                PROGRAM_FAIL("node %d (parent %d): access %d (mode %d, handle %d) got %p, "
                             "expected %p",
                             x->id, x->parent, i, (int)x->mode[i], x->hidx[i], p,
                             (void *)h->data);
            mem[i] = p;
        }
    }
    if (pel_flow_data(t, (unsigned)x->naccess) != NULL)
        PROGRAM_FAIL("node %d: pel_flow_data out of range is not NULL", x->id);
    for (int i = 0; i < x->naccess; i++) access_enter(&prog.h[x->hidx[i]], x->mode[i], "task");
    /* Some tasks linger inside their data, so that overlaps have time to show. */
    if (mix((uint64_t)x->id * 7 + (uint64_t)program_number) % 8 == 0) sched_yield();
    node_effect(x, phase, mem, x->got_obs[phase]);
    for (int i = 0; i < x->naccess; i++) access_exit(&prog.h[x->hidx[i]], x->mode[i]);
}

static int random_task(pel_flow_task *t, void *arg)
{
    node *x;
    if ((uintptr_t)arg >= (uintptr_t)prog.nodes &&
        (uintptr_t)arg < (uintptr_t)(prog.nodes + MAX_NODES)) {
        x = arg;
        CHECK(!x->copy_arg);
    } else {
        task_ref *ref = arg;
        CHECK(ref->p == &prog && ref->node >= 0 && ref->node < prog.nnodes);
        x = &prog.nodes[ref->node];
        CHECK(x->copy_arg);
    }
    int before = atomic_fetch_add_explicit(&x->runs, 1, memory_order_relaxed);
    if (before != 0) PROGRAM_FAIL("node %d ran %d times", x->id, before + 1);
    uint64_t id = pel_flow_task_id(t);
    if (x->parent < 0 ? id != x->expect_id : !(id >> CHILD_ID_BIT_SHIFT))
        PROGRAM_FAIL("node %d (parent %d) has id %#" PRIx64 ", expected %#" PRIx64, x->id,
                     x->parent, id, x->expect_id);

    task_phase(t, x, 0);
    for (int c = 0; c < x->nchildren; c++) {
        node *child = &prog.nodes[x->children[c]];
        task_ref ref;
        pel_access acc[MAX_ACC];
        pel_task_desc desc;
        node_desc(child, &ref, acc, &desc);
        int rc = pel_submit(prog.flow, &desc);
        if (rc != PEL_OK) PROGRAM_FAIL("node %d: child %d submit: %s", x->id, child->id,
                                       pel_errname(rc));
    }
    if (x->two_phase) {
        int rc = pel_flow_wait(prog.flow);
        if (rc != PEL_OK) PROGRAM_FAIL("node %d: wait for children: %s", x->id, pel_errname(rc));
        for (int c = 0; c < x->nchildren; c++) {
            node *child = &prog.nodes[x->children[c]];
            if (atomic_load_explicit(&child->runs, memory_order_relaxed) != 1 ||
                child->status != 0)
                PROGRAM_FAIL("node %d: after its wait, child %d ran %d times, status %d", x->id,
                             child->id, atomic_load(&child->runs), child->status);
        }
        task_phase(t, x, 1);
    }
    /* release: pairs with the acquire load of the window check in the submitter. */
    if (x->parent < 0) atomic_fetch_add_explicit(&prog.top_finished, 1, memory_order_release);
    return 0;
}

/* The main thread acquires handle hi between submissions: its value must be the serial
 * state at this point; in a writing mode, the main thread changes it like a task. */
static void acquire_check(int hi, uint64_t *rng)
{
    handle_state *h = &prog.h[hi];
    static const pel_mode modes[] = {PEL_READ, PEL_READWRITE, PEL_WRITE};
    pel_mode m = modes[test_rand(rng) % 3];
    void *p = (void *)&p;
    int rc = pel_data_acquire(prog.flow, h->d, m, &p);
    if (rc != PEL_OK) PROGRAM_FAIL("acquire of handle %d: %s", hi, pel_errname(rc));
    if (h->abstract ? p != NULL : p != (void *)h->data)
        PROGRAM_FAIL("acquire of handle %d gave %p, expected %p", hi, p,
                     h->abstract ? NULL : (void *)h->data);
    access_enter(h, m, "acquire");
    if (m != PEL_WRITE && memcmp(h->data, h->model, (size_t)h->len * sizeof(uint32_t)) != 0)
        PROGRAM_FAIL("acquire of handle %d: data %#x.. expected %#x..", hi, h->data[0],
                     h->model[0]);
    if (m != PEL_READ) {
        uint32_t salt = (uint32_t)test_rand(rng);
        for (int k = 0; k < h->len; k++) {
            h->data[k] = (m == PEL_WRITE ? 0 : h->data[k] * 7u) + salt + (uint32_t)k;
            h->model[k] = (m == PEL_WRITE ? 0 : h->model[k] * 7u) + salt + (uint32_t)k;
        }
    }
    access_exit(h, m);
    /* A task that touches the handle cannot be submitted from this thread meanwhile. */
    CHECK_OK(pel_data_release(prog.flow, h->d));
}

static void check_handle_final(int hi, const char *when)
{
    handle_state *h = &prog.h[hi];
    for (int k = 0; k < h->len; k++)
        if (h->data[k] != h->model[k])
            PROGRAM_FAIL("%s: handle %d (%s%s) word %d is %#x, expected %#x", when, hi,
                         h->abstract ? "abstract" : "memory", h->reducible ? ", reducible" : "",
                         k, h->data[k], h->model[k]);
}

static void check_nodes(void)
{
    for (int n = 0; n < prog.nnodes; n++) {
        node *x = &prog.nodes[n];
        int runs = atomic_load_explicit(&x->runs, memory_order_relaxed);
        if (runs != 1) PROGRAM_FAIL("node %d ran %d times", x->id, runs);
        if (x->status != 0) PROGRAM_FAIL("node %d has status %d", x->id, x->status);
        for (int ph = 0; ph < 1 + x->two_phase; ph++)
            for (int i = 0; i < x->naccess; i++)
                if ((x->mode[i] == PEL_READ || x->mode[i] == PEL_READWRITE) &&
                    x->got_obs[ph][i] != x->expect_obs[ph][i])
                    PROGRAM_FAIL("node %d (parent %d) phase %d: access %d (mode %d, handle %d) "
                                 "saw %#" PRIx64 ", serially %#" PRIx64,
                                 x->id, x->parent, ph, i, (int)x->mode[i], x->hidx[i],
                                 x->got_obs[ph][i], x->expect_obs[ph][i]);
    }
}

typedef struct flow_state {
    pel_flow *flow;
    size_t window;
    uint64_t submitted; /* top-level submissions so far: the next id is this + 1 */
    int programs_left;
} flow_state;

static pel_runtime *rt;

static void flow_open(flow_state *fs, uint64_t *rng)
{
    static const size_t windows[] = {0, 0, 0, 1, 2, 3, 5, 16};
    pel_flow_config cfg = {.window = windows[test_rand(rng) % 8]};
    CHECK_OK(pel_flow_create(rt, &cfg, &fs->flow));
    fs->window = cfg.window;
    fs->submitted = 0;
    fs->programs_left = 1 + (int)(test_rand(rng) % 8);
}

static void run_program(flow_state *fs, uint64_t *rng)
{
    if (!fs->flow) flow_open(fs, rng);
    prog.flow = fs->flow;
    prog.window = fs->window;
    gen_program(rng);
    for (int i = 0; i < prog.nh; i++) {
        handle_state *h = &prog.h[i];
        if (h->abstract)
            CHECK_OK(pel_data_register(prog.flow, NULL, 0, &h->d));
        else
            CHECK_OK(pel_data_register(prog.flow, h->data, (size_t)h->len * sizeof(uint32_t),
                                       &h->d));
        CHECK_NE(h->d, 0);
        if (h->reducible) {
            pel_reduction red = {sum_init, sum_combine, h};
            CHECK_OK(pel_data_set_reduction(prog.flow, h->d, &red));
        }
    }

    long finished_floor = 0;
    for (int t = 0; t < prog.ntop; t++) {
        node *x = &prog.nodes[prog.top[t]];
        x->expect_id = ++fs->submitted;
        task_ref ref;
        pel_access acc[MAX_ACC];
        pel_task_desc desc;
        node_desc(x, &ref, acc, &desc);
        int rc = pel_submit(prog.flow, &desc);
        if (rc != PEL_OK) PROGRAM_FAIL("submit of top-level task %d: %s", t, pel_errname(rc));
        /* The window: at most `window` tasks pending, so at least t + 1 - window top-level
         * bodies have finished. acquire: pairs with the release in random_task. */
        long finished = atomic_load_explicit(&prog.top_finished, memory_order_acquire);
        if (prog.window && t + 1 - finished > (long)prog.window)
            PROGRAM_FAIL("window %zu: %d submitted, %ld finished", prog.window, t + 1, finished);
        if (finished < finished_floor) PROGRAM_FAIL("finished count went down");
        finished_floor = finished;
        serial_run(prog.top[t]);
        if (test_rand(rng) % 8 == 0) acquire_check((int)(test_rand(rng) % (uint64_t)prog.nh), rng);
    }

    int ending = (int)(test_rand(rng) % 3);
    fs->programs_left--;
    if (ending == 2 || fs->programs_left <= 0) {
        CHECK_OK(pel_flow_destroy(prog.flow));
        fs->flow = NULL;
    } else if (ending == 1) {
        /* Unregister in a random order: each waits for the tasks of its handle. */
        int order[MAX_HANDLES];
        for (int i = 0; i < prog.nh; i++) order[i] = i;
        for (int i = prog.nh - 1; i > 0; i--) {
            int j = (int)(test_rand(rng) % (uint64_t)(i + 1));
            int tmp = order[i];
            order[i] = order[j];
            order[j] = tmp;
        }
        for (int i = 0; i < prog.nh; i++) {
            CHECK_OK(pel_data_unregister(prog.flow, prog.h[order[i]].d));
            check_handle_final(order[i], "after unregister");
            CHECK_RC(pel_data_set_name(prog.flow, prog.h[order[i]].d, "gone"), PEL_ESTALE);
        }
        CHECK_OK(pel_flow_wait(prog.flow));
    } else {
        CHECK_OK(pel_flow_wait(prog.flow));
        pel_failure fail;
        CHECK_OK(pel_flow_failure(prog.flow, &fail));
        CHECK_EQ(fail.error, 0);
        for (int i = 0; i < prog.nh; i++) CHECK_OK(pel_data_unregister(prog.flow, prog.h[i].d));
    }
    for (int i = 0; i < prog.nh; i++) check_handle_final(i, "at the end");
    check_nodes();
}

/* A hang (a lost wake-up, a deadlock) fails the test within a minute, naming the program,
 * instead of running into the CTest timeout. */
static _Atomic long progress;
static _Atomic int watchdog_stop;

static void *watchdog(void *arg)
{
    (void)arg;
    long last = -1;
    double since = test_now();
    while (!atomic_load_explicit(&watchdog_stop, memory_order_relaxed)) {
        test_sleep_ms(100);
        long now = atomic_load_explicit(&progress, memory_order_relaxed);
        if (now != last) {
            last = now;
            since = test_now();
        } else if (test_now() - since > 60) {
            dump_program();
            CHECK_FAIL_("no program finished for 60 s: program %ld (seed %#" PRIx64 ") hangs",
                        program_number, program_seed);
        }
    }
    return NULL;
}

static void run_programs(uint64_t seed, long programs)
{
    uint64_t rng = seed;
    flow_state fs = {0};
    long tasks = 0, children = 0, by_mode[6] = {0};
    for (long i = 0; i < programs; i++) {
        program_number = i;
        program_seed = rng;
        run_program(&fs, &rng);
        atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
        tasks += prog.nnodes;
        for (int n = 0; n < prog.nnodes; n++) {
            children += prog.nodes[n].parent >= 0;
            for (int a = 0; a < prog.nodes[n].naccess; a++) by_mode[prog.nodes[n].mode[a]]++;
        }
    }
    if (fs.flow) CHECK_OK(pel_flow_destroy(fs.flow));
    printf("%ld programs, %ld tasks (%ld children); accesses R %ld W %ld RW %ld C %ld RED %ld\n",
           programs, tasks, children, by_mode[PEL_READ], by_mode[PEL_WRITE],
           by_mode[PEL_READWRITE], by_mode[PEL_COMMUTE], by_mode[PEL_REDUCE]);
}

int main(void)
{
    uint64_t seed = test_seed(0xf10a5eed);
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    pthread_t dog;
    CHECK_EQ(pthread_create(&dog, NULL, watchdog, NULL), 0);
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    /* 10^4 programs per worker count; sanitizer builds (scale 0.25) run 2500. */
    run_programs(seed, test_scaled(10000, 2500));
    CHECK_OK(pel_runtime_destroy(rt));
    /* Fewer with workers that park at once when idle: a wake-up for every ready task. */
    cfg.spin_us = 0;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    run_programs(seed ^ 0x5a5a, test_scaled(1000, 250));
    CHECK_OK(pel_runtime_destroy(rt));
    atomic_store_explicit(&watchdog_stop, 1, memory_order_relaxed);
    CHECK_EQ(pthread_join(dog, NULL), 0);
    return 0;
}
