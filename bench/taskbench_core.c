/* bench/taskbench_core.c — the Task Bench-style graph: patterns, kernels, outputs and
 * checksums, sweeps (see taskbench_core.h). Compiled once, by gcc, and linked into every
 * taskbench binary (including the clang-built libomp one), so the kernels are the same
 * machine code for every system. */
#define _GNU_SOURCE
#include "taskbench_core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_SEED 0x7a5cbe4cull

static const char *const pattern_names[TB_NPATTERNS] = {
    "trivial", "no_comm", "stencil_1d", "stencil_1d_periodic", "dom", "tree",
    "fft",     "all_to_all", "nearest", "spread", "random_nearest",
};
static const char *const kernel_names[TB_NKERNELS] = {
    "empty", "compute_bound", "memory_bound", "load_imbalance",
};

const char *tb_pattern_name(tb_pattern p)
{
    return (unsigned)p < TB_NPATTERNS ? pattern_names[p] : "?";
}

const char *tb_kernel_name(tb_kernel k)
{
    return (unsigned)k < TB_NKERNELS ? kernel_names[k] : "?";
}

/* ---- hashing: splitmix64's finaliser ---------------------------------------------- */

static uint64_t mix(uint64_t z)
{
    z += 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static uint64_t hash4(uint64_t a, uint64_t b, uint64_t c, uint64_t d)
{
    return mix(mix(mix(mix(a) ^ b) ^ c) ^ d);
}

/* A uniform double in [0, 1) from the top 53 bits of a hash. */
static double uniform(uint64_t h)
{
    return (double)(h >> 11) * 0x1.0p-53;
}

/* ---- parsing ---------------------------------------------------------------------- */

static int parse_key(tb_graph *g, const char *key, const char *val, char *err, size_t errsize)
{
    char *end;
    if (strcmp(key, "fraction") == 0 || strcmp(key, "imbalance") == 0) {
        double v = strtod(val, &end);
        if (*end != '\0' || !(v >= 0) || v > (key[0] == 'f' ? 1 : 2)) {
            snprintf(err, errsize, "bad %s '%s'", key, val);
            return -1;
        }
        *(key[0] == 'f' ? &g->fraction : &g->imbalance) = v;
        return 0;
    }
    long long v = strtoll(val, &end, 0);
    if (*end != '\0' || v < 0) {
        snprintf(err, errsize, "bad %s '%s'", key, val);
        return -1;
    }
    if (strcmp(key, "width") == 0)
        g->width = (long)v;
    else if (strcmp(key, "steps") == 0)
        g->steps = (long)v;
    else if (strcmp(key, "radix") == 0)
        g->radix = (long)v;
    else if (strcmp(key, "period") == 0)
        g->period = (long)v;
    else if (strcmp(key, "iterations") == 0)
        g->iterations = (long)v;
    else if (strcmp(key, "scratch") == 0)
        g->scratch = (long)v;
    else if (strcmp(key, "fields") == 0)
        g->fields = (long)v;
    else if (strcmp(key, "seed") == 0)
        g->seed = (uint64_t)v;
    else {
        snprintf(err, errsize, "unknown key '%s'", key);
        return -1;
    }
    return 0;
}

static int lookup(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}

static int check_graph(const tb_graph *g, char *err, size_t errsize)
{
    const char *why = NULL;
    if (g->width < 1 || g->width > TB_MAX_WIDTH)
        why = "width must be 1 .. TB_MAX_WIDTH";
    else if (g->steps < 1)
        why = "steps must be at least 1";
    else if (g->period < 1)
        why = "period must be at least 1";
    else if (g->fields == 1 && g->steps > 1)
        why = "fields must be 0 or at least 2";
    else if (g->kernel == TB_MEMORY_BOUND && g->scratch < 64 + 2 * TB_MEMORY_BLOCK)
        why = "scratch too small";
    if (why)
        snprintf(err, errsize, "%s", why);
    return why ? -1 : 0;
}

int tb_parse(tb_graph *g, const char *spec, char *err, size_t errsize)
{
    *g = (tb_graph){.pattern = TB_STENCIL_1D, .kernel = TB_COMPUTE_BOUND, .width = 2,
                    .steps = 1000, .radix = 3, .period = 3, .fraction = 0.25,
                    .imbalance = 1, .scratch = 32l << 20, .seed = DEFAULT_SEED};
    char copy[512];
    if (snprintf(copy, sizeof copy, "%s", spec) >= (int)sizeof copy) {
        snprintf(err, errsize, "spec too long");
        return -1;
    }
    char *save = NULL;
    int field = 0;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save), field++) {
        char *eq = strchr(tok, '=');
        if (field == 0 || field == 1) {
            int i = field == 0 ? lookup(pattern_names, TB_NPATTERNS, tok)
                               : lookup(kernel_names, TB_NKERNELS, tok);
            if (i < 0) {
                snprintf(err, errsize, "unknown %s '%s'", field ? "kernel" : "pattern", tok);
                return -1;
            }
            if (field == 0)
                g->pattern = (tb_pattern)i;
            else
                g->kernel = (tb_kernel)i;
        } else if (eq == NULL) {
            snprintf(err, errsize, "expected key=value, got '%s'", tok);
            return -1;
        } else {
            *eq = '\0';
            if (parse_key(g, tok, eq + 1, err, errsize) != 0)
                return -1;
        }
    }
    if (field < 2) {
        snprintf(err, errsize, "expected PATTERN,KERNEL[,key=value...]");
        return -1;
    }
    return check_graph(g, err, errsize);
}

void tb_describe(const tb_graph *g, char *out, size_t size)
{
    int n = snprintf(out, size, "%s width=%ld %s", tb_pattern_name(g->pattern), g->width,
                     tb_kernel_name(g->kernel));
    if (n < 0 || (size_t)n >= size)
        return;
    if (g->pattern == TB_NEAREST || g->pattern == TB_SPREAD || g->pattern == TB_RANDOM_NEAREST)
        n += snprintf(out + n, size - (size_t)n, " radix=%ld", g->radix);
    if ((size_t)n < size && (g->pattern == TB_SPREAD || g->pattern == TB_RANDOM_NEAREST))
        n += snprintf(out + n, size - (size_t)n, " period=%ld", g->period);
    if ((size_t)n < size && g->pattern == TB_RANDOM_NEAREST)
        n += snprintf(out + n, size - (size_t)n, " fraction=%g", g->fraction);
    if ((size_t)n < size && g->kernel == TB_LOAD_IMBALANCE)
        n += snprintf(out + n, size - (size_t)n, " imbalance=%g", g->imbalance);
    if ((size_t)n < size && g->kernel == TB_MEMORY_BOUND)
        n += snprintf(out + n, size - (size_t)n, " scratch=%ldMiB/thread", g->scratch >> 20);
    if ((size_t)n < size && g->fields)
        snprintf(out + n, size - (size_t)n, " fields=%ld", g->fields);
}

/* ---- the shape of the graph ------------------------------------------------------- */

long tb_offset(const tb_graph *g, long t)
{
    if (t < 0 || g->pattern != TB_DOM)
        return 0;
    long o = t + g->width - g->steps;
    return o > 0 ? o : 0;
}

long tb_width_at(const tb_graph *g, long t)
{
    if (t < 0 || t >= g->steps)
        return 0;
    long w = g->width;
    if (g->pattern == TB_DOM) {
        if (t + 1 < w)
            w = t + 1;
        if (g->steps - t < w)
            w = g->steps - t;
    } else if (g->pattern == TB_TREE && t < 62 && (1l << t) < w) {
        w = 1l << t;
    }
    return w;
}

long tb_tasks(const tb_graph *g)
{
    if (g->pattern != TB_DOM && g->pattern != TB_TREE)
        return g->steps * g->width;
    long n = 0;
    for (long t = 0; t < g->steps; t++)
        n += tb_width_at(g, t);
    return n;
}

int tb_max_deps(const tb_graph *g)
{
    long d;
    switch (g->pattern) {
    case TB_TRIVIAL: d = 0; break;
    case TB_NO_COMM:
    case TB_TREE: d = 1; break;
    case TB_DOM: d = 2; break;
    case TB_STENCIL_1D:
    case TB_STENCIL_1D_PERIODIC:
    case TB_FFT: d = 3; break;
    case TB_NEAREST:
    case TB_SPREAD:
    case TB_RANDOM_NEAREST: d = g->radix; break;
    default: d = g->width; break;
    }
    return (int)(d < g->width ? d : g->width);
}

/* Number of FFT butterfly stages: ceil(log2(width)), at least 1. */
static long fft_stages(long width)
{
    long k = 0;
    while ((1l << k) < width)
        k++;
    return k > 0 ? k : 1;
}

/* Add `p` to the set deps[0..n) if it is a point of timestep t-1 (lo <= p < hi) and not
 * there yet; keeps the set sorted. */
static int add_dep(long *deps, int n, long p, long lo, long hi)
{
    if (p < lo || p >= hi)
        return n;
    int i = n;
    while (i > 0 && deps[i - 1] > p)
        i--;
    if (i > 0 && deps[i - 1] == p)
        return n;
    memmove(deps + i + 1, deps + i, (size_t)(n - i) * sizeof *deps);
    deps[i] = p;
    return n + 1;
}

int tb_deps(const tb_graph *g, long t, long x, long *deps)
{
    if (t <= 0)
        return 0;
    long lo = tb_offset(g, t - 1), hi = lo + tb_width_at(g, t - 1), w = g->width;
    int n = 0;
    switch (g->pattern) {
    case TB_TRIVIAL:
        break;
    case TB_NO_COMM:
        n = add_dep(deps, n, x, lo, hi);
        break;
    case TB_STENCIL_1D:
        for (long p = x - 1; p <= x + 1; p++)
            n = add_dep(deps, n, p, lo, hi);
        break;
    case TB_STENCIL_1D_PERIODIC:
        for (long p = x - 1; p <= x + 1; p++)
            n = add_dep(deps, n, (p + w) % w, lo, hi);
        break;
    case TB_DOM:
        n = add_dep(deps, n, x - 1, lo, hi);
        n = add_dep(deps, n, x, lo, hi);
        break;
    case TB_TREE:
        n = add_dep(deps, n, x / 2, lo, hi);
        break;
    case TB_FFT: {
        long stages = fft_stages(w), k = (t + stages - 1) % stages;
        n = add_dep(deps, n, x - (1l << k), lo, hi);
        n = add_dep(deps, n, x, lo, hi);
        n = add_dep(deps, n, x + (1l << k), lo, hi);
        break;
    }
    case TB_ALL_TO_ALL:
        for (long p = lo; p < hi; p++)
            deps[n++] = p;
        break;
    case TB_NEAREST:
        for (long p = x - g->radix / 2; p <= x + (g->radix - 1) / 2; p++)
            n = add_dep(deps, n, p, lo, hi);
        break;
    case TB_SPREAD: {
        long set = t % g->period;
        for (long i = 0; i < g->radix; i++)
            n = add_dep(deps, n, (x + i * w / g->radix + (i > 0 ? set : 0)) % w, lo, hi);
        break;
    }
    case TB_RANDOM_NEAREST: {
        long set = t % g->period;
        for (long p = x - g->radix / 2; p <= x + (g->radix - 1) / 2; p++) {
            double u = uniform(hash4(g->seed, (uint64_t)set, (uint64_t)x, (uint64_t)p));
            if (p == x || u < g->fraction)
                n = add_dep(deps, n, p, lo, hi);
        }
        break;
    }
    default:
        break;
    }
    return n;
}

/* ---- kernels ---------------------------------------------------------------------- */

long tb_task_iterations(const tb_graph *g, long t, long x)
{
    if (g->kernel == TB_EMPTY)
        return 0;
    if (g->kernel != TB_LOAD_IMBALANCE)
        return g->iterations;
    double u = uniform(hash4(g->seed ^ 0x1bull, (uint64_t)t, (uint64_t)x, 0));
    return (long)llround((1 + (u - 0.5) * g->imbalance) * (double)g->iterations);
}

double tb_work(const tb_graph *g)
{
    if (g->kernel == TB_EMPTY)
        return 0;
    double iterations = 0;
    if (g->kernel == TB_LOAD_IMBALANCE) {
        for (long t = 0; t < g->steps; t++)
            for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++)
                iterations += (double)tb_task_iterations(g, t, x);
    } else {
        iterations = (double)g->iterations * (double)tb_tasks(g);
    }
    if (g->kernel == TB_MEMORY_BOUND)
        return iterations * 2 * TB_MEMORY_BLOCK;
    return iterations * TB_FLOPS_PER_ITERATION;
}

const char *tb_work_unit(const tb_graph *g)
{
    switch (g->kernel) {
    case TB_COMPUTE_BOUND:
    case TB_LOAD_IMBALANCE: return "flop";
    case TB_MEMORY_BOUND: return "byte";
    default: return "";
    }
}

/* Keep a value alive without storing it anywhere. */
static void sink(double v)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    __asm__ volatile("" : : "r"(bits));
}

typedef double v2d __attribute__((vector_size(16)));

/* 12 independent chains a = a * m + c (two lanes each): 12 multiplies and 12 adds of two
 * doubles per iteration, each chain depending on its previous iteration. The values stay
 * near 1 (no overflow, no subnormals). */
static void kernel_compute(long iterations)
{
    const v2d m = {0.9999, 0.99995}, c = {1e-4, 5e-5};
    v2d a0 = {1.00, 1.01}, a1 = {1.02, 1.03}, a2 = {1.04, 1.05}, a3 = {1.06, 1.07};
    v2d a4 = {1.08, 1.09}, a5 = {1.10, 1.11}, a6 = {1.12, 1.13}, a7 = {1.14, 1.15};
    v2d a8 = {1.16, 1.17}, a9 = {1.18, 1.19}, a10 = {1.20, 1.21}, a11 = {1.22, 1.23};
    for (long i = 0; i < iterations; i++) {
        a0 = a0 * m + c;
        a1 = a1 * m + c;
        a2 = a2 * m + c;
        a3 = a3 * m + c;
        a4 = a4 * m + c;
        a5 = a5 * m + c;
        a6 = a6 * m + c;
        a7 = a7 * m + c;
        a8 = a8 * m + c;
        a9 = a9 * m + c;
        a10 = a10 * m + c;
        a11 = a11 * m + c;
    }
    v2d s = ((a0 + a1) + (a2 + a3)) + ((a4 + a5) + (a6 + a7)) + ((a8 + a9) + (a10 + a11));
    sink(s[0] + s[1]);
}

/* Scratch: a 64-byte header (the position) and two halves of whole blocks; each iteration
 * copies the next block of the first half onto the same block of the second half. */
typedef struct scratch_header {
    uint64_t position;
    uint64_t pad[7];
} scratch_header;

static void kernel_memory(const tb_graph *g, void *scratch, long iterations)
{
    scratch_header *h = scratch;
    long blocks = (g->scratch - (long)sizeof *h) / 2 / TB_MEMORY_BLOCK;
    char *src = (char *)scratch + sizeof *h, *dst = src + blocks * TB_MEMORY_BLOCK;
    long p = (long)h->position;
    for (long i = 0; i < iterations; i++) {
        memcpy(dst + p * TB_MEMORY_BLOCK, src + p * TB_MEMORY_BLOCK, TB_MEMORY_BLOCK);
        if (++p == blocks)
            p = 0;
    }
    h->position = (uint64_t)p;
}

void *tb_scratch_new(const tb_graph *g, int threads)
{
    if (g->kernel != TB_MEMORY_BOUND)
        return NULL;
    size_t bytes = (size_t)g->scratch * (size_t)threads;
    void *p = NULL;
    if (posix_memalign(&p, 64, bytes) != 0)
        return NULL;
    memset(p, 1, bytes); /* touch every page now, not while timing */
    for (int i = 0; i < threads; i++)
        ((scratch_header *)tb_scratch_of(g, p, i))->position = 0;
    return p;
}

void *tb_scratch_of(const tb_graph *g, void *all, int thread)
{
    return all ? (char *)all + (size_t)g->scratch * (size_t)thread : NULL;
}

/* ---- outputs ---------------------------------------------------------------------- */

long tb_fields(const tb_graph *g)
{
    return g->fields > 0 && g->fields < g->steps ? g->fields : g->steps;
}

tb_slot *tb_slots_new(const tb_graph *g)
{
    size_t n = (size_t)tb_fields(g) * (size_t)g->width;
    void *p = NULL;
    if (posix_memalign(&p, 64, n * sizeof(tb_slot)) != 0)
        return NULL;
    memset(p, 0, n * sizeof(tb_slot));
    return p;
}

/* The output of (t, x): its coordinates and its inputs' values, in dependency order. */
static void write_output(const tb_graph *g, tb_slot *slots, long t, long x)
{
    long deps[TB_MAX_WIDTH], fields = tb_fields(g);
    int n = tb_deps(g, t, x, deps);
    uint64_t h = hash4(g->seed, (uint64_t)t, (uint64_t)x, (uint64_t)n);
    for (int i = 0; i < n; i++)
        h = mix(h ^ slots[tb_slot_index(g, fields, t - 1, deps[i])].value);
    tb_slot *out = &slots[tb_slot_index(g, fields, t, x)];
    out->value = h;
    out->acc = mix(out->acc + h);
}

void tb_run_task(const tb_graph *g, tb_slot *slots, void *scratch, long t, long x)
{
    switch (g->kernel) {
    case TB_COMPUTE_BOUND:
    case TB_LOAD_IMBALANCE:
        kernel_compute(tb_task_iterations(g, t, x));
        break;
    case TB_MEMORY_BOUND:
        kernel_memory(g, scratch, g->iterations);
        break;
    default:
        break;
    }
    write_output(g, slots, t, x);
}

uint64_t tb_checksum(const tb_graph *g, const tb_slot *slots)
{
    size_t n = (size_t)tb_fields(g) * (size_t)g->width;
    uint64_t h = mix((uint64_t)n);
    for (size_t i = 0; i < n; i++)
        h = mix(mix(h ^ slots[i].value) ^ slots[i].acc);
    return h;
}

uint64_t tb_expected_checksum(const tb_graph *g)
{
    tb_slot *slots = tb_slots_new(g);
    if (slots == NULL)
        return 0;
    for (long t = 0; t < g->steps; t++)
        for (long x = tb_offset(g, t), e = x + tb_width_at(g, t); x < e; x++)
            write_output(g, slots, t, x);
    uint64_t h = tb_checksum(g, slots);
    free(slots);
    return h;
}

/* ---- sweeps ----------------------------------------------------------------------- */

int tb_sweep_parse(tb_sweep *s, const char *text)
{
    if (sscanf(text, "%ld:%ld:%lf:%ld:%ld", &s->hi, &s->lo, &s->budget, &s->min_tasks,
               &s->max_tasks) != 5)
        return -1;
    if (s->lo < 1 || s->hi < s->lo || !(s->budget > 0) || s->min_tasks < 1 ||
        s->max_tasks < s->min_tasks)
        return -1;
    return 0;
}

int tb_sweep_points(const tb_graph *g, const tb_sweep *s)
{
    if (g->kernel == TB_EMPTY)
        return 1;
    int n = 0;
    for (long i = s->hi; i >= s->lo; i /= 2)
        n++;
    return n;
}

/* Nominal cost of a task, in seconds, used only to size the sweep's points: about what
 * the kernels take on a 2020s x86 core, plus a fixed 50 ns. */
static double nominal_task_s(const tb_graph *g)
{
    double per_iteration = g->kernel == TB_MEMORY_BOUND ? 25e-9 : 2e-9;
    return 50e-9 + per_iteration * (double)g->iterations;
}

tb_graph tb_sweep_graph(const tb_graph *base, const tb_sweep *s, int k)
{
    tb_graph g = *base;
    g.iterations = g.kernel == TB_EMPTY ? 0 : s->hi >> k;
    double tasks = s->budget / nominal_task_s(&g);
    if (tasks < (double)s->min_tasks)
        tasks = (double)s->min_tasks;
    if (tasks > (double)s->max_tasks)
        tasks = (double)s->max_tasks;
    g.steps = (long)ceil(tasks / (double)g.width);
    if (g.pattern == TB_DOM && g.steps < g.width)
        g.steps = g.width;
    return g;
}
