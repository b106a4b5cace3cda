/* test_flow_stress.c — the dataflow engine's lock-free paths under contention.
 *
 * What is hammered (see src/flow/): successor lists, where a submitter adds an edge with a
 * CAS while the predecessor's finisher seals the list with an exchange; dependency counts
 * lowered by linking and by finishers at once; a parent's `parts` count, raised by its
 * own child submissions while children finish; pruning of long READ groups while their
 * members finish; the COMMUTE queues; per-worker private copies of REDUCE; the per-thread
 * pending counters, record free lists and the window.
 *
 * How: several threads outside the runtime ("drivers": the main thread and two more)
 * each drive a flow of their own on one shared runtime, so that each, while it waits or
 * its window is full, also runs the other flows' tasks. Each driver submits rounds of
 * "families": a parent task holding four handles (a chain, a READ target, a COMMUTE sum
 * and a REDUCE sum) submits 60-300 tiny children in a pattern drawn from the round's seed
 * (chain steps, some with grandchildren; long runs of readers that check the value they
 * see; COMMUTE and REDUCE additions; reads that close those groups), so that children
 * finish while their parent is still linking after them. Two parents per family and
 * round run one after the other on the same handles. Every child checks what it reads,
 * every task counts its runs, and the driver checks the final values against the same
 * plan run serially.
 */
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

enum {
    FAMILIES = 6,
    PARENTS = 2, /* per family and round, one after the other */
    DRIVERS = 3,
    H_CHAIN = 0,
    H_READ = 1,
    H_COMMUTE = 2,
    H_REDUCE = 3,
    NH = 4,
};

static pel_runtime *rt;
static _Atomic long errors;
static _Atomic long progress; /* rounds finished, all drivers */
static _Atomic int watchdog_stop;

/* A hang (a lost wake-up, a deadlock, a corrupted count) fails the test within a minute
 * instead of running into the CTest timeout. */
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
            CHECK_FAIL_("no round finished for 60 s (%ld rounds done, %ld errors): a hang",
                        now, atomic_load(&errors));
        }
    }
    return NULL;
}

static uint64_t mix(uint64_t x)
{
    return test_rand(&x);
}

/* ---- a parent's plan, shared by the parent (to submit) and the checker (serially) ----- */

enum kind { K_CHAIN, K_READ_CHAIN, K_COMMUTE, K_REDUCE, K_READ_COMMUTE, K_READ_REDUCE };

typedef struct step {
    enum kind kind;
    int grandchildren; /* K_CHAIN: grandchildren chained after the child's own step */
    uint64_t operand;
} step;

static int plan_length(uint64_t seed)
{
    return 60 + (int)(mix(seed) % 240);
}

/* Step j of the plan: runs of one kind, READ runs long enough to be pruned. */
static step plan_step(uint64_t seed, int j)
{
    uint64_t run = mix(seed ^ (uint64_t)(j / 16 + 1) * 0x9e37);
    uint64_t r = mix(seed + (uint64_t)j * 0x51ed);
    step s = {K_CHAIN, 0, r % 1000 + 1};
    switch (run % 6) {
    case 0:
    case 1:
        s.kind = K_CHAIN;
        s.grandchildren = r % 5 == 0 ? 1 + (int)((r >> 8) % 3) : 0;
        break;
    case 2:
        s.kind = (r >> 12) % 32 == 0 ? K_CHAIN : K_READ_CHAIN;
        break;
    case 3:
        s.kind = (r >> 12) % 24 == 0 ? K_READ_COMMUTE : K_COMMUTE;
        break;
    case 4:
        s.kind = (r >> 12) % 24 == 0 ? K_READ_REDUCE : K_REDUCE;
        break;
    default:
        s.kind = (enum kind)((r >> 16) % 6);
        break;
    }
    return s;
}

static uint64_t chain_step(uint64_t x, uint64_t operand)
{
    return x * 31 + operand;
}

static uint64_t grandchild_step(uint64_t x, int g)
{
    return x * 7 + (uint64_t)g + 1;
}

/* Apply step s to the values v (serially). */
static void apply_step(uint64_t v[NH], step s)
{
    switch (s.kind) {
    case K_CHAIN:
        v[H_CHAIN] = chain_step(v[H_CHAIN], s.operand);
        for (int g = 0; g < s.grandchildren; g++) v[H_CHAIN] = grandchild_step(v[H_CHAIN], g);
        break;
    case K_COMMUTE:
        v[H_COMMUTE] += s.operand;
        break;
    case K_REDUCE:
        v[H_REDUCE] += s.operand;
        break;
    default:
        break; /* reads */
    }
}

/* A parent's own step before its children: v[H_READ] = v[H_CHAIN] ^ seed. */
static void apply_parent(uint64_t v[NH], uint64_t seed)
{
    v[H_READ] = v[H_CHAIN] ^ seed;
    int n = plan_length(seed);
    for (int j = 0; j < n; j++) apply_step(v, plan_step(seed, j));
}

/* ---- the tasks -------------------------------------------------------------------- */

typedef struct family {
    uint64_t v[NH];
    pel_data d[NH];
    uint64_t model[NH];
    _Atomic long runs; /* task bodies run (parents, children, grandchildren) */
    _Atomic int chain_inside, commute_inside;
} family;

typedef struct driver {
    pel_flow *flow;
    int index;
    size_t window;
    long rounds;
    family fam[FAMILIES];
    long tasks; /* expected bodies, all rounds */
} driver;

typedef struct child_arg {
    driver *drv;
    family *fam;
    step s;
    uint64_t expect; /* reads: the value the child must see */
} child_arg;

static void note_error(const char *what, uint64_t got, uint64_t want)
{
    if (atomic_fetch_add_explicit(&errors, 1, memory_order_relaxed) < 10)
        fprintf(stderr, "%s: got %#" PRIx64 ", expected %#" PRIx64 "\n", what, got, want);
}

static void exclusive_enter(_Atomic int *inside, const char *what)
{
    int before = atomic_fetch_add_explicit(inside, 1, memory_order_seq_cst);
    if (before != 0) note_error(what, (uint64_t)before, 0);
}

static void exclusive_exit(_Atomic int *inside)
{
    atomic_fetch_sub_explicit(inside, 1, memory_order_seq_cst);
}

typedef struct grand_arg {
    family *fam;
    int g;
} grand_arg;

static int grandchild_task(pel_flow_task *t, void *arg)
{
    grand_arg *a = arg;
    atomic_fetch_add_explicit(&a->fam->runs, 1, memory_order_relaxed);
    exclusive_enter(&a->fam->chain_inside, "grandchild overlaps a chain task");
    uint64_t *x = pel_flow_data(t, 0);
    *x = grandchild_step(*x, a->g);
    exclusive_exit(&a->fam->chain_inside);
    return 0;
}

static int child_task(pel_flow_task *t, void *arg)
{
    child_arg *a = arg;
    family *fam = a->fam;
    atomic_fetch_add_explicit(&fam->runs, 1, memory_order_relaxed);
    uint64_t *x = pel_flow_data(t, 0);
    switch (a->s.kind) {
    case K_CHAIN:
        exclusive_enter(&fam->chain_inside, "chain task overlaps another");
        *x = chain_step(*x, a->s.operand);
        exclusive_exit(&fam->chain_inside);
        for (int g = 0; g < a->s.grandchildren; g++) {
            grand_arg ga = {fam, g};
            pel_access acc[] = {{fam->d[H_CHAIN], PEL_READWRITE}};
            CHECK_OK(pel_submit(a->drv->flow,
                                &(pel_task_desc){.fn = grandchild_task, .arg = &ga,
                                                 .arg_size = sizeof(ga), .access = acc,
                                                 .naccess = 1, .priority = g & 1}));
        }
        break;
    case K_READ_CHAIN:
    case K_READ_COMMUTE:
    case K_READ_REDUCE:
        if (*x != a->expect) note_error("a reader saw", *x, a->expect);
        break;
    case K_COMMUTE:
        exclusive_enter(&fam->commute_inside, "COMMUTE tasks overlap");
        *x += a->s.operand;
        exclusive_exit(&fam->commute_inside);
        break;
    case K_REDUCE:
        if (x == &fam->v[H_REDUCE]) note_error("REDUCE got the data, not a copy", 0, 1);
        *x += a->s.operand;
        break;
    }
    return 0;
}

typedef struct parent_arg {
    driver *drv;
    family *fam;
    uint64_t seed;
} parent_arg;

static const int handle_of_kind[] = {
    [K_CHAIN] = H_CHAIN,       [K_READ_CHAIN] = H_CHAIN,     [K_COMMUTE] = H_COMMUTE,
    [K_REDUCE] = H_REDUCE,     [K_READ_COMMUTE] = H_COMMUTE, [K_READ_REDUCE] = H_REDUCE,
};

static const pel_mode mode_of_kind[] = {
    [K_CHAIN] = PEL_READWRITE, [K_READ_CHAIN] = PEL_READ,  [K_COMMUTE] = PEL_COMMUTE,
    [K_REDUCE] = PEL_REDUCE,   [K_READ_COMMUTE] = PEL_READ, [K_READ_REDUCE] = PEL_READ,
};

static int parent_task(pel_flow_task *t, void *arg)
{
    parent_arg *a = arg;
    family *fam = a->fam;
    atomic_fetch_add_explicit(&fam->runs, 1, memory_order_relaxed);
    uint64_t v[NH];
    for (int h = 0; h < NH; h++) v[h] = *(uint64_t *)pel_flow_data(t, (unsigned)h);
    /* The parent's own step, then its children, tracking the values they will see. */
    *(uint64_t *)pel_flow_data(t, H_READ) = v[H_READ] = v[H_CHAIN] ^ a->seed;
    int n = plan_length(a->seed);
    for (int j = 0; j < n; j++) {
        step s = plan_step(a->seed, j);
        int h = handle_of_kind[s.kind];
        child_arg c = {a->drv, fam, s, v[h]};
        pel_access acc[] = {{fam->d[h], mode_of_kind[s.kind]}};
        CHECK_OK(pel_submit(a->drv->flow,
                            &(pel_task_desc){.fn = child_task, .arg = &c, .arg_size = sizeof(c),
                                             .access = acc, .naccess = 1,
                                             .priority = (int)(s.operand % 3)}));
        apply_step(v, s);
    }
    return 0;
}

static void sum_init(void *copy, size_t size, void *arg)
{
    (void)arg;
    memset(copy, 0, size);
}

static void sum_combine(void *into, const void *from, size_t size, void *arg)
{
    (void)arg;
    (void)size;
    *(uint64_t *)into += *(const uint64_t *)from;
}

/* Tasks a parent's plan runs, itself included. */
static long plan_tasks(uint64_t seed)
{
    long n = 1;
    int len = plan_length(seed);
    for (int j = 0; j < len; j++) n += 1 + plan_step(seed, j).grandchildren;
    return n;
}

static void *drive(void *arg)
{
    driver *drv = arg;
    pel_flow_config cfg = {.window = drv->window};
    CHECK_OK(pel_flow_create(rt, &cfg, &drv->flow));
    uint64_t rng = 0x57e55 + (uint64_t)drv->index * 0x1000;
    pel_reduction red = {sum_init, sum_combine, NULL};
    drv->tasks = 0;
    for (long round = 0; round < drv->rounds; round++) {
        for (int fi = 0; fi < FAMILIES; fi++) {
            family *fam = &drv->fam[fi];
            atomic_store_explicit(&fam->runs, 0, memory_order_relaxed);
            for (int h = 0; h < NH; h++) {
                fam->v[h] = fam->model[h] = test_rand(&rng);
                CHECK_OK(pel_data_register(drv->flow, &fam->v[h], sizeof(uint64_t), &fam->d[h]));
            }
            CHECK_OK(pel_data_set_reduction(drv->flow, fam->d[H_REDUCE], &red));
        }
        long expected_runs[FAMILIES] = {0};
        for (int p = 0; p < PARENTS; p++) {
            for (int fi = 0; fi < FAMILIES; fi++) {
                family *fam = &drv->fam[fi];
                parent_arg pa = {drv, fam, test_rand(&rng)};
                pel_access acc[NH];
                for (int h = 0; h < NH; h++) acc[h] = (pel_access){fam->d[h], PEL_READWRITE};
                CHECK_OK(pel_submit(drv->flow,
                                    &(pel_task_desc){.fn = parent_task, .arg = &pa,
                                                     .arg_size = sizeof(pa), .access = acc,
                                                     .naccess = NH, .priority = p}));
                apply_parent(fam->model, pa.seed);
                expected_runs[fi] += plan_tasks(pa.seed);
            }
        }
        /* Half the rounds end with a wait, half unregister family by family (each
         * unregister waits for that family's tasks only). */
        if (round % 2 == 0) CHECK_OK(pel_flow_wait(drv->flow));
        for (int fi = 0; fi < FAMILIES; fi++) {
            family *fam = &drv->fam[fi];
            for (int h = 0; h < NH; h++) CHECK_OK(pel_data_unregister(drv->flow, fam->d[h]));
            for (int h = 0; h < NH; h++)
                if (fam->v[h] != fam->model[h])
                    CHECK_FAIL_("driver %d round %ld family %d handle %d: %#" PRIx64
                                ", expected %#" PRIx64,
                                drv->index, round, fi, h, fam->v[h], fam->model[h]);
            long runs = atomic_load_explicit(&fam->runs, memory_order_relaxed);
            if (runs != expected_runs[fi])
                CHECK_FAIL_("driver %d round %ld family %d: %ld task bodies ran, expected %ld",
                            drv->index, round, fi, runs, expected_runs[fi]);
            drv->tasks += runs;
        }
        CHECK_OK(pel_flow_wait(drv->flow));
        atomic_fetch_add_explicit(&progress, 1, memory_order_relaxed);
    }
    CHECK_OK(pel_flow_destroy(drv->flow));
    return NULL;
}

/* `ndrivers` drivers at once (the main thread is driver 0). */
static void run_drivers(int ndrivers, long rounds)
{
    static driver drivers[DRIVERS];
    static const size_t windows[DRIVERS] = {0, 8, 64};
    pthread_t tids[DRIVERS];
    for (int i = 0; i < ndrivers; i++) {
        memset(&drivers[i], 0, sizeof(drivers[i]));
        drivers[i].index = i;
        drivers[i].window = windows[i];
        drivers[i].rounds = rounds;
    }
    double t0 = test_now();
    for (int i = 1; i < ndrivers; i++)
        CHECK_EQ(pthread_create(&tids[i], NULL, drive, &drivers[i]), 0);
    drive(&drivers[0]);
    for (int i = 1; i < ndrivers; i++) CHECK_EQ(pthread_join(tids[i], NULL), 0);
    long tasks = 0;
    for (int i = 0; i < ndrivers; i++) tasks += drivers[i].tasks;
    if (atomic_load(&errors) != 0) CHECK_FAIL_("%ld errors (first ones above)", atomic_load(&errors));
    printf("%d drivers, %ld rounds each: %ld tasks in %.2f s\n", ndrivers, rounds, tasks,
           test_now() - t0);
}

int main(void)
{
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    pthread_t dog;
    CHECK_EQ(pthread_create(&dog, NULL, watchdog, NULL), 0);
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    run_drivers(1, test_scaled(400, 50));
    run_drivers(DRIVERS, test_scaled(200, 25));
    CHECK_OK(pel_runtime_destroy(rt));
    atomic_store_explicit(&watchdog_stop, 1, memory_order_relaxed);
    CHECK_EQ(pthread_join(dog, NULL), 0);
    return 0;
}
