/* test_forkjoin_random.c — random fork-join trees against their serial results, plus
 * fib and n-queens.
 *
 * A tree is a pure function of its seed: each node's child count and its children's
 * seeds derive from the node's own seed. A node's value hashes its seed with its
 * children's values *in child order*, so any child lost, run twice, or combined out of
 * order changes the root value. Each node picks one of two ways to run its children:
 *   nested: create a group, spawn the children into it, wait, combine;
 *   flat:   spawn the children into the group the node itself runs in and return; the
 *           last child to finish combines the node and passes its value up (a counter of
 *           outstanding children plus one for the node's own spawning loop).
 * Trees come in three shapes: bushy (random fanout 0-4, depth up to 8), deep (chains of
 * 20-40 levels with occasional branching) and wide (a root with ~100+ children).
 */
#include <stdatomic.h>

#include <pel.h>

#include "check.h"

static pel_runtime *rt;

enum shape { BUSHY, DEEP, WIDE };

typedef struct tree_params {
    enum shape shape;
    int max_depth;
} tree_params;

static uint64_t mix(uint64_t x)
{
    return test_rand(&x);
}

/* How many children a node has. */
static int child_count(const tree_params *p, uint64_t seed, int depth)
{
    if (depth >= p->max_depth) return 0;
    uint64_t r = mix(seed ^ 0xc0ffee);
    switch (p->shape) {
    case BUSHY:
        return (int)(r % 5);
    case DEEP:
        if (depth == 0) return 1 + (int)(r % 3);
        return (r >> 8) % 16 == 0 ? 2 : ((r >> 16) % 64 == 0 ? 0 : 1);
    case WIDE:
        if (depth == 0) return 100 + (int)(r % 60);
        return (int)(r % 4);
    }
    return 0;
}

static uint64_t child_seed(uint64_t seed, int i)
{
    return mix(seed * 31 + (uint64_t)i + 1);
}

static uint64_t combine_start(uint64_t seed, int depth)
{
    return mix(seed + (uint64_t)depth);
}

static uint64_t combine_step(uint64_t h, uint64_t child_value)
{
    return mix(h ^ (child_value * 0x9e3779b97f4a7c15ull)) + 1;
}

static uint64_t serial_value(const tree_params *p, uint64_t seed, int depth, long *nodes)
{
    ++*nodes;
    int n = child_count(p, seed, depth);
    uint64_t h = combine_start(seed, depth);
    for (int i = 0; i < n; i++)
        h = combine_step(h, serial_value(p, child_seed(seed, i), depth + 1, nodes));
    return h;
}

/* ---- the parallel version ---------------------------------------------------------- */

typedef struct node node;
struct node {
    const tree_params *params;
    uint64_t seed;
    int depth;
    int index;              /* position in the parent's children */
    int nchildren;
    int flat;               /* children spawned into `group` rather than a nested group */
    node *parent;
    pel_group *group;       /* the group this node's task was spawned into */
    uint64_t *result;       /* the root's destination (root only) */
    _Atomic long *nodes;    /* nodes visited, for the tree as a whole */
    _Atomic int pending;    /* flat nodes: children not finished, plus one */
    uint64_t slots[];       /* children's values */
};

static node *node_new(const tree_params *p, uint64_t seed, int depth, int index, node *parent,
                      pel_group *group, _Atomic long *nodes)
{
    int n = child_count(p, seed, depth);
    node *x = malloc(sizeof(node) + (size_t)n * sizeof(uint64_t));
    CHECK(x != NULL);
    x->params = p;
    x->seed = seed;
    x->depth = depth;
    x->index = index;
    x->nchildren = n;
    x->flat = (int)(mix(seed ^ 0xf1a7) & 1);
    x->parent = parent;
    x->group = group;
    x->result = NULL;
    x->nodes = nodes;
    atomic_init(&x->pending, n + 1);
    return x;
}

static void node_finish(node *x);

/* x's value is known: hand it to the parent, and finish the parent if x was the last
 * child of a flat parent. Frees x. */
static void node_deliver(node *x, uint64_t value)
{
    node *parent = x->parent;
    if (!parent) {
        *x->result = value;
        free(x);
        return;
    }
    parent->slots[x->index] = value;
    free(x);
    /* acq_rel: the release publishes the slot written above; the acquire, in whoever
     * brings the count to zero, makes every sibling's slot visible before combining. */
    if (parent->flat && atomic_fetch_sub_explicit(&parent->pending, 1, memory_order_acq_rel) == 1)
        node_finish(parent);
}

/* All of x's children have delivered: combine and deliver x. */
static void node_finish(node *x)
{
    uint64_t h = combine_start(x->seed, x->depth);
    for (int i = 0; i < x->nchildren; i++) h = combine_step(h, x->slots[i]);
    node_deliver(x, h);
}

static int node_task(void *arg)
{
    node *x = arg;
    atomic_fetch_add_explicit(x->nodes, 1, memory_order_relaxed);
    if (x->nchildren == 0) {
        node_finish(x);
    } else if (x->flat) {
        for (int i = 0; i < x->nchildren; i++) {
            node *c = node_new(x->params, child_seed(x->seed, i), x->depth + 1, i, x, x->group,
                               x->nodes);
            CHECK_OK(pel_group_spawn(x->group, node_task, c));
        }
        /* The spawning loop is done; x may be finished by its last child from here on. */
        if (atomic_fetch_sub_explicit(&x->pending, 1, memory_order_acq_rel) == 1) node_finish(x);
    } else {
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        for (int i = 0; i < x->nchildren; i++) {
            node *c = node_new(x->params, child_seed(x->seed, i), x->depth + 1, i, x, &g,
                               x->nodes);
            CHECK_OK(pel_group_spawn(&g, node_task, c));
        }
        CHECK_OK(pel_group_wait(&g));
        node_finish(x);
    }
    return 0;
}

static tree_params random_params(uint64_t *rng)
{
    tree_params p;
    uint64_t r = test_rand(rng);
    switch (r % 10) {
    case 0:
        p.shape = DEEP;
        p.max_depth = 20 + (int)((r >> 8) % 21);
        break;
    case 1:
        p.shape = WIDE;
        p.max_depth = 2;
        break;
    default:
        p.shape = BUSHY;
        p.max_depth = 1 + (int)((r >> 8) % 8);
        break;
    }
    return p;
}

enum { BATCH = 16 };

/* Runs `trees` random trees, BATCH at a time in one group from the main thread. */
static void test_random_trees(uint64_t seed, long trees)
{
    uint64_t rng = seed;
    long total_nodes = 0, deepest = 0, widest = 0;
    for (long done = 0; done < trees; done += BATCH) {
        tree_params params[BATCH];
        uint64_t seeds[BATCH], got[BATCH], expected[BATCH];
        _Atomic long visited[BATCH];
        long serial_nodes[BATCH];
        pel_group g;
        CHECK_OK(pel_group_init(&g, rt));
        for (int b = 0; b < BATCH; b++) {
            params[b] = random_params(&rng);
            seeds[b] = test_rand(&rng);
            got[b] = 0;
            atomic_init(&visited[b], 0);
            node *root = node_new(&params[b], seeds[b], 0, 0, NULL, &g, &visited[b]);
            root->result = &got[b];
            CHECK_OK(pel_group_spawn(&g, node_task, root));
        }
        CHECK_OK(pel_group_wait(&g));
        for (int b = 0; b < BATCH; b++) {
            serial_nodes[b] = 0;
            expected[b] = serial_value(&params[b], seeds[b], 0, &serial_nodes[b]);
            if (got[b] != expected[b] || atomic_load(&visited[b]) != serial_nodes[b])
                CHECK_FAIL_("tree %ld (shape %d, max depth %d, seed %#" PRIx64 "): value %#" PRIx64
                            " expected %#" PRIx64 ", %ld nodes run, expected %ld",
                            done + b, (int)params[b].shape, params[b].max_depth, seeds[b], got[b],
                            expected[b], atomic_load(&visited[b]), serial_nodes[b]);
            total_nodes += serial_nodes[b];
            if (params[b].shape == DEEP && params[b].max_depth > deepest)
                deepest = params[b].max_depth;
            if (params[b].shape == WIDE) widest++;
        }
    }
    printf("%ld trees, %ld nodes (deep trees up to depth %ld, %ld wide trees)\n", trees,
           total_nodes, deepest, widest);
}

/* ---- fib and n-queens -------------------------------------------------------------- */

typedef struct fib_arg {
    int n;
    long result;
} fib_arg;

static int fib_task(void *arg)
{
    fib_arg *f = arg;
    if (f->n < 2) {
        f->result = f->n;
        return 0;
    }
    fib_arg a = {f->n - 1, 0}, b = {f->n - 2, 0};
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, fib_task, &a));
    fib_task(&b);
    CHECK_OK(pel_group_wait(&g));
    f->result = a.result + b.result;
    return 0;
}

enum { QUEENS = 8 };

typedef struct queens_arg {
    int row;
    int cols[QUEENS];
    long solutions;
} queens_arg;

static int queen_safe(const int *cols, int row, int col)
{
    for (int r = 0; r < row; r++)
        if (cols[r] == col || abs(cols[r] - col) == row - r) return 0;
    return 1;
}

static int queens_task(void *arg)
{
    queens_arg *q = arg;
    if (q->row == QUEENS) {
        q->solutions = 1;
        return 0;
    }
    queens_arg next[QUEENS];
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    for (int col = 0; col < QUEENS; col++) {
        next[col].solutions = 0;
        if (!queen_safe(q->cols, q->row, col)) continue;
        memcpy(next[col].cols, q->cols, sizeof(q->cols));
        next[col].cols[q->row] = col;
        next[col].row = q->row + 1;
        CHECK_OK(pel_group_spawn(&g, queens_task, &next[col]));
    }
    CHECK_OK(pel_group_wait(&g));
    q->solutions = 0;
    for (int col = 0; col < QUEENS; col++) q->solutions += next[col].solutions;
    return 0;
}

static void test_fib_queens(void)
{
    fib_arg f = {25, -1};
    pel_group g;
    CHECK_OK(pel_group_init(&g, rt));
    CHECK_OK(pel_group_spawn(&g, fib_task, &f));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(f.result, 75025);

    fib_arg small = {10, -1}; /* from the main thread directly, not from a task */
    CHECK_OK(fib_task(&small));
    CHECK_EQ(small.result, 55);

    queens_arg q;
    memset(&q, 0, sizeof(q));
    CHECK_OK(pel_group_spawn(&g, queens_task, &q));
    CHECK_OK(pel_group_wait(&g));
    CHECK_EQ(q.solutions, 92);
}

int main(void)
{
    uint64_t seed = test_seed(0xf0e4b0a7);
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = test_workers();
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    test_fib_queens();
    /* 10^4 trees in the optimized build; sanitizer builds run fewer. */
    test_random_trees(seed, test_scaled(10000, 1000));
    CHECK_OK(pel_runtime_destroy(rt));
    /* Again with workers that park as soon as they are idle: wake-ups on every spawn. */
    cfg.spin_us = 0;
    CHECK_OK(pel_runtime_create(&cfg, &rt));
    test_random_trees(seed + 1, test_scaled(2000, 500));
    CHECK_OK(pel_runtime_destroy(rt));
    return 0;
}
