/* flow_internal.h — dataflow internals: task records, access slots, dependency trackers,
 * data handles and the flow itself.
 *
 * Files: pool.c (task records), data.c (handle table, acquire), track.c (dependency
 * tracker: linking a new task after what it conflicts with), submit.c (pel_submit),
 * execute.c (running, completing, releasing successors, failure), wait.c (pending counts,
 * the window, waiting while helping), flow.c (create, destroy), graph.c (DOT).
 */
#ifndef PEL_FLOW_INTERNAL_H
#define PEL_FLOW_INTERNAL_H

#include "core/internal.h"
#include "pel/data.h"

struct pel__ftask;

/* ---- edges ----------------------------------------------------------------------- */

/* One dependency pred -> succ, linked into pred's successor list. Edge nodes live in the
 * access slots of the tasks involved (see pel__fslot), so linking allocates nothing. */
typedef struct pel__edge {
    struct pel__ftask *succ;
    struct pel__edge *next;
    uint32_t data; /* succ reads what pred writes: pred's failure propagates */
} pel__edge;

/* A successor list whose owner has finished: no edge may be added any more. */
#define PEL__SEALED ((pel__edge *)1)

/* ---- dependency trackers --------------------------------------------------------- */

/* Kinds of consecutive accesses a tracker groups together (single accesses, WRITE and
 * READWRITE, never form a group). */
enum { PEL__G_NONE = 0, PEL__G_READ, PEL__G_COMMUTE, PEL__G_REDUCE };

struct pel__fslot;
struct pel__redgroup;

/* The state of one handle in one domain (the top level of a flow, or the children of one
 * task): the last single node (a writer, or a synthetic barrier / combine node) and the
 * group of accesses since then. Touched only by that domain's submitter. */
typedef struct pel__tracker {
    struct pel__handle *h;
    struct pel__ftask *last;    /* holds a reference; NULL: nothing before */
    struct pel__fslot *group;   /* members since `last`, newest first; each holds a ref */
    struct pel__redgroup *red;  /* the open reduction group, when group_kind is REDUCE */
    uint32_t group_len, prune_at;
    uint8_t group_kind;
    uint8_t last_writes;        /* `last` writes the data (its failure propagates) */
    /* A pruned (finished) group member that failed while writing: the node that closes
     * the group inherits the failure. */
    uint64_t pruned_fail_id;
    const char *pruned_fail_name;
    int pruned_fail_error;
    struct pel__tracker *open_next; /* list of trackers with an open reduction */
    /* COMMUTE members of this domain run one at a time (execute.c). A parent's COMMUTE
     * access and its children's are in different domains, so they never block each
     * other. */
    _Atomic int commute_busy;
    _Atomic int commute_waiting;
    _Atomic int commute_qlock; /* spin lock guarding commute_queue (short sections) */
    struct pel__ftask *commute_queue;
} pel__tracker;

/* ---- task records ---------------------------------------------------------------- */

struct pel__handle;

/* One declared access of a task. */
typedef struct pel__fslot {
    struct pel__handle *h;
    pel__tracker *tracker;        /* where this access was linked */
    void *ptr;                    /* the data's memory (NULL for abstract handles) */
    struct pel__redgroup *red;    /* PEL_REDUCE: private copies */
    struct pel__fslot *group_next;
    struct pel__ftask *task;      /* owner */
    uint8_t mode;
    pel__edge in;  /* edge from the tracker's last node to this task */
    pel__edge out; /* edge from this task to the node that closes its group */
} pel__fslot;

enum { PEL__K_TASK = 0, PEL__K_BARRIER, PEL__K_COMBINE, PEL__K_ACQUIRE };

/* Deferred dependency count while a task is being linked: edges from finished tasks never
 * count, so the count starts high and is lowered once linking is done. */
#define PEL__DEPS_LINKING (1 << 30)

/* A dataflow task. The core task header comes first: it is what deques hold, with
 * flags PEL__TASK_FLOW. Fields are grouped by who writes them. */
typedef struct pel__ftask {
    pel__task core;
    /* Set at submission, read-only afterwards. */
    pel_flow *flow;
    struct pel__ftask *parent;
    pel_flow_fn fn;
    void *arg;
    const char *name;
    int *status_out;
    pel__fslot *acc;
    uint64_t id;
    int priority;
    uint16_t naccess;
    uint8_t kind;
    uint8_t commute_held; /* holds its COMMUTE accesses' locks (execute.c) */
    uint8_t counted;    /* counted in the flow's pending count (not for acquire nodes) */
    pel__tracker *child_trackers; /* one per access, once the task submits children */
    struct pel__ftask *free_next;
    /* Shared. */
    _Atomic int32_t deps;     /* unmet dependencies (see PEL__DEPS_LINKING) */
    _Atomic int32_t refs;     /* 1 until finished + 1 per tracker reference */
    _Atomic int32_t parts;    /* 1 for the body + 1 per unfinished child */
    _Atomic(pel__edge *) succs;
    _Atomic int dep_failed;   /* set by a failed predecessor before it releases us */
    uint64_t fail_id;         /* the task that failed first upstream (when dep_failed) */
    const char *fail_name;
    int fail_error;           /* the code that task returned */
    _Atomic(pel__parker *) waiter; /* a thread waiting for this task's children */
    _Atomic int acquire_ready;     /* PEL__K_ACQUIRE: dependencies met */
    pel__parker *acquire_parker;
    int status;
    pel__fslot inline_acc[PEL_FLOW_INLINE_ACCESS];
    _Alignas(16) unsigned char argbuf[PEL_TASK_ARG_MAX];
} pel__ftask;

/* A slab of task records (pool.c); the flow's list of them is guarded by pool_lock. */
typedef struct pel__fslab {
    struct pel__fslab *next;
    _Alignas(PEL_CACHE_LINE) pel__ftask records[PEL_FLOW_BATCH];
} pel__fslab;

static inline pel__ftask *pel__ftask_of(pel__task *t)
{
    return (pel__ftask *)t; /* core is the first member */
}

/* ---- reductions ------------------------------------------------------------------ */

/* A run of consecutive PEL_REDUCE accesses of one handle: one private copy per executing
 * thread (index = worker index; nworkers for threads outside the runtime). */
typedef struct pel__redgroup {
    void *data;
    size_t size;
    pel_reduction red;
    pthread_mutex_t lock; /* guards the copy of threads outside the runtime */
    int ncopies;
    void *copies[];
} pel__redgroup;

/* ---- handles --------------------------------------------------------------------- */

/* Handles live in chunks that double in size: chunk c holds PEL__HANDLE_CHUNK0 << c
 * records, found through a directory of PEL__HANDLE_DIR chunk pointers (at most 8M
 * handles per flow). A flow of a few dozen handles allocates 16 KB for them, one of
 * millions doubles its way up, and a record's place is one bit scan (data.c). */
#define PEL__HANDLE_CHUNK0 64
#define PEL__HANDLE_DIR 17

typedef struct pel__handle {
    uint32_t gen;     /* odd: registered; handle value = gen << 32 | index + 1 */
    uint32_t index;
    void *ptr;
    size_t size;
    int has_reduction;
    pel_reduction red;
    pel__tracker root;          /* the top-level domain's tracker */
    pel__ftask *acquirer;       /* the acquire node while acquired */
    char label[64];
    struct pel__handle *free_next;
} pel__handle;

/* ---- the flow -------------------------------------------------------------------- */

/* Per-thread counters and free list: slot i for worker i, the last for threads outside
 * the runtime. Each on its own cache lines: written by one thread, summed by waiters. */
typedef struct pel__fslotcount {
    _Alignas(PEL_CACHE_LINE) _Atomic uint64_t submitted;
    _Atomic uint64_t finished;
    _Atomic int busy;         /* inside pel__flow_count_finish (see wait.c) */
    pel__ftask *free_list;
    int free_count;
    pel__ftask *spare;        /* full batches (linked by core.next) */
    int spare_batches;
} pel__fslotcount;

typedef struct pel__graph pel__graph;

/* A ready task's place in submission order, for the priority heap's ties (execute.c). */
typedef struct pel__heap_key {
    uint64_t root;  /* the id of the task, or of its top-level ancestor */
    uint64_t child; /* 0 for a top-level task, else its own child id */
} pel__heap_key;

#define PEL__FLOW_MAGIC 0x70656c66u /* "pelf" */

struct pel_flow {
    uint32_t magic;
    pel_runtime *rt;
    size_t window;
    int nslots;               /* nworkers + 1 */
    pel__fslotcount *slots;
    pel__deque *ext_deque;    /* the top-level submitter's deque (NULL: inject queue) */
    int ext_slot;
    _Atomic int use_heap;     /* some task had a priority: ready tasks go through heap */
    _Atomic long tokens;      /* priority tokens still in deques (execute.c) */
    /* Top-level submitter's state. */
    uint64_t root_seq;
    unsigned since_window_check;
    unsigned window_check;    /* check the window every this many submissions */
    pel__tracker *open_reductions;
    int nacquired;
    _Atomic uint64_t trace_id; /* its id in traces, given at first need (execute.c) */
    struct pel_flow *diag_next; /* list of live flows (diagnose.c) */
    /* Children's ids. */
    _Alignas(PEL_CACHE_LINE) _Atomic uint64_t child_seq;
    /* The top-level waiter and what it waits for (pending <= wait_target). */
    _Atomic(pel__parker *) root_waiter;
    _Atomic uint64_t wait_target;
    /* First failure. */
    pthread_mutex_t fail_lock;
    pel_failure failure;
    _Atomic long skipped;
    /* Priority queue of ready tasks: a max-heap on priority, then submission order
     * (execute.c); heap_key[i] is heap[i]'s place in submission order. */
    pthread_mutex_t heap_lock;
    pel__ftask **heap;
    pel__heap_key *heap_key;
    size_t heap_len, heap_cap;
    /* Task record pool. */
    pthread_mutex_t pool_lock;
    pel__ftask *pool_batches; /* chains of PEL_FLOW_BATCH records, linked by core.next */
    void *slabs;
    /* Handles. */
    pthread_mutex_t handle_lock; /* guards the table's growth and free list */
    pel__handle *chunks[PEL__HANDLE_DIR]; /* written under handle_lock, never moved */
    size_t nchunks;
    _Atomic size_t nhandles;
    pel__handle *handle_free;
    pel__graph *graph;
};

/* The task the calling thread is running right now (NULL outside dataflow tasks). */
extern __thread pel__ftask *pel__tls_ftask __attribute__((tls_model("initial-exec")));

/* The flow whose top level the calling thread last entered (submit, wait, acquire...):
 * a thread outside the runtime pushes ready tasks onto that flow's submission deque,
 * which it owns while it is that flow's top-level thread (execute.c). */
extern __thread pel_flow *pel__tls_serving __attribute__((tls_model("initial-exec")));

/* ---- pool.c ---------------------------------------------------------------------- */
int pel__fpool_init(pel_flow *f);
void pel__fpool_destroy(pel_flow *f);
/* This thread's slot in f: its worker index, or the last slot. */
static inline int pel__flow_slot(const pel_flow *f)
{
    pel__worker *w = pel__tls_worker;
    return (w && w->rt == f->rt) ? w->index : f->nslots - 1;
}
pel__ftask *pel__ftask_alloc(pel_flow *f, int slot);
void pel__ftask_free(pel_flow *f, int slot, pel__ftask *t);
/* Make sure `slot`'s free list holds at least n records (so that linking, which may need
 * synthetic nodes, cannot run out). Returns PEL_OK or PEL_ENOMEM. */
int pel__ftask_reserve(pel_flow *f, int slot, int n);
/* Fill the fields every new record starts with: kind, links, counts (not yet linked:
 * deps = PEL__DEPS_LINKING), no body. */
void pel__ftask_init(pel__ftask *t, pel_flow *f, pel__ftask *parent, int kind);
/* A fresh id for a task that is not a top-level submission (top bit set). */
uint64_t pel__ftask_child_id(pel_flow *f);
/* Drop one reference; the last frees the record into `slot`'s list. */
void pel__ftask_unref(pel_flow *f, int slot, pel__ftask *t);

/* ---- data.c ---------------------------------------------------------------------- */
/* The registered handle for value d, or NULL. */
pel__handle *pel__handle_get(pel_flow *f, pel_data d);
void pel__handles_destroy(pel_flow *f);

/* ---- track.c --------------------------------------------------------------------- */
/* Link access slot s of task t (being submitted) into tracker tr. Returns the number of
 * edges added to t's dependency count. */
int pel__track_link(pel_flow *f, int slot, pel__tracker *tr, pel__fslot *s);
/* Close tr's open reduction (a combine node becomes its last); returns PEL_ENOMEM. */
int pel__track_close_reduction(pel_flow *f, int slot, pel__tracker *tr, pel__ftask *parent);
/* Close the open reductions among t's children (its body is done, or it waits for them). */
void pel__track_close_child_reductions(pel_flow *f, int slot, pel__ftask *t);
/* Drop every reference tr holds. */
void pel__track_clear(pel_flow *f, int slot, pel__tracker *tr);
/* Add edge e (in succ's or pred's slot) pred -> succ. Returns 1 if pred had not finished
 * (the edge counts), 0 otherwise. */
int pel__edge_add(pel__ftask *pred, pel__edge *e, pel__ftask *succ, uint32_t data);
/* A new synthetic node (barrier / combine) in `parent`'s domain, with one access slot
 * for handle h, linked as a single node. */
pel__ftask *pel__node_new(pel_flow *f, int slot, int kind, pel__ftask *parent,
                          pel__handle *h, void *ptr);
/* Finish linking t: lower its dependency count by PEL__DEPS_LINKING - edges; schedules
 * it when nothing is left. */
void pel__node_linked(pel_flow *f, pel__ftask *t, int edges);

/* ---- execute.c ------------------------------------------------------------------- */
/* t's dependencies are met: queue it (or, for synthetic nodes, finish it). */
void pel__flow_ready(pel_flow *f, pel__ftask *t);
/* Finish t (its body and children done, or skipped): release its successors. */
void pel__flow_finish(pel_flow *f, pel__ftask *t);
/* The flow a deque item (task or priority token) belongs to; NULL if not a flow's. */
pel_flow *pel__flow_item_of(const pel__task *item);
/* Record t's failure as the flow's first if it is. */
void pel__flow_note_failure(pel_flow *f, uint64_t id, const char *name, int error);

/* f's id in traces, given when first needed (a flow may be created before tracing). */
uint64_t pel__flow_trace_id(pel_flow *f);

/* The name of tasks submitted without one (compared by address: such tasks are named
 * after their function in traces). */
extern const char pel__unnamed_task[];

/* The list of live flows (diagnose.c, which also prints the dataflow half of
 * pel_diagnose: pel__flow_diagnose in trace_internal.h). */
void pel__flow_list_add(pel_flow *f);
void pel__flow_list_remove(pel_flow *f);

/* ---- wait.c ---------------------------------------------------------------------- */
/* Tasks submitted and not finished (an upper bound while tasks run). */
uint64_t pel__flow_pending(pel_flow *f);
/* Count a submission / finish on the calling thread's slot. */
void pel__flow_count_submit(pel_flow *f, int slot);
void pel__flow_count_finish(pel_flow *f, int slot);
/* Run ready tasks until pending <= target (top-level threads). */
void pel__flow_wait_pending(pel_flow *f, uint64_t target);
/* Run ready tasks until done(arg). */
void pel__flow_help_until(pel_flow *f, int (*done)(void *), void *arg,
                          _Atomic(pel__parker *) *waiter_slot);

/* ---- graph.c --------------------------------------------------------------------- */
int pel__graph_create(pel_flow *f);
void pel__graph_destroy(pel_flow *f);
void pel__graph_node(pel_flow *f, const pel__ftask *t);
void pel__graph_edge(pel_flow *f, const pel__ftask *pred, const pel__ftask *succ,
                     const pel__handle *h);
void pel__graph_status(pel_flow *f, const pel__ftask *t, int status);

#endif /* PEL_FLOW_INTERNAL_H */
