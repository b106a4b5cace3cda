/* graph.c — recording a flow's task graph and writing it as Graphviz DOT.
 *
 * Only when the flow was created with record_graph: every node and edge is appended under
 * one lock (recording is for understanding a run, not for speed).
 */
#include <string.h>

#include "flow/flow_internal.h"

typedef struct gnode {
    uint64_t id;
    const char *name;
    int kind;
    int status;
    int finished;
} gnode;

typedef struct gedge {
    uint64_t from, to;
    char label[64];
} gedge;

struct pel__graph {
    pthread_mutex_t lock;
    gnode *nodes;
    size_t nnodes, cap_nodes;
    gedge *edges;
    size_t nedges, cap_edges;
    int oom;
};

int pel__graph_create(pel_flow *f)
{
    pel__graph *g = calloc(1, sizeof(*g));
    if (!g) return PEL_ENOMEM;
    pthread_mutex_init(&g->lock, NULL);
    f->graph = g;
    return PEL_OK;
}

void pel__graph_destroy(pel_flow *f)
{
    pel__graph *g = f->graph;
    if (!g) return;
    pthread_mutex_destroy(&g->lock);
    free(g->nodes);
    free(g->edges);
    free(g);
    f->graph = NULL;
}

static int grow(void **array, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap) return 1;
    size_t n = *cap ? 2 * *cap : 256;
    void *a = realloc(*array, n * size);
    if (!a) return 0;
    *array = a;
    *cap = n;
    return 1;
}

void pel__graph_node(pel_flow *f, const pel__ftask *t)
{
    pel__graph *g = f->graph;
    if (t->kind == PEL__K_ACQUIRE) return;
    pthread_mutex_lock(&g->lock);
    if (grow((void **)&g->nodes, &g->cap_nodes, g->nnodes + 1, sizeof(gnode)))
        g->nodes[g->nnodes++] = (gnode){t->id, t->name, t->kind, 0, 0};
    else
        g->oom = 1;
    pthread_mutex_unlock(&g->lock);
}

void pel__graph_edge(pel_flow *f, const pel__ftask *pred, const pel__ftask *succ,
                     const pel__handle *h)
{
    pel__graph *g = f->graph;
    if (pred->kind == PEL__K_ACQUIRE || succ->kind == PEL__K_ACQUIRE) return;
    pthread_mutex_lock(&g->lock);
    if (grow((void **)&g->edges, &g->cap_edges, g->nedges + 1, sizeof(gedge))) {
        gedge *e = &g->edges[g->nedges++];
        e->from = pred->id;
        e->to = succ->id;
        if (h && h->label[0])
            snprintf(e->label, sizeof(e->label), "%s", h->label);
        else if (h)
            snprintf(e->label, sizeof(e->label), "d%u", h->index + 1);
        else
            e->label[0] = '\0';
    } else {
        g->oom = 1;
    }
    pthread_mutex_unlock(&g->lock);
}

void pel__graph_status(pel_flow *f, const pel__ftask *t, int status)
{
    pel__graph *g = f->graph;
    if (t->kind == PEL__K_ACQUIRE) return;
    pthread_mutex_lock(&g->lock);
    /* Newest nodes are the likeliest to finish: search from the end. */
    for (size_t i = g->nnodes; i-- > 0;) {
        if (g->nodes[i].id != t->id) continue;
        g->nodes[i].status = status;
        g->nodes[i].finished = 1;
        break;
    }
    pthread_mutex_unlock(&g->lock);
}

/* A DOT node name for an id: top-level tasks t<n>, others c<n>. */
static void node_name(char *buf, size_t n, uint64_t id)
{
    if (id >> 63)
        snprintf(buf, n, "c%llu", (unsigned long long)(id & ~(1ull << 63)));
    else
        snprintf(buf, n, "t%llu", (unsigned long long)id);
}

static void write_escaped(FILE *out, const char *s)
{
    for (; *s; s++) {
        if (*s == '"' || *s == '\\') fputc('\\', out);
        fputc(*s == '\n' ? ' ' : *s, out);
    }
}

PEL_EXPORT int pel_flow_write_dot(pel_flow *f, FILE *out)
{
    if (!f || f->magic != PEL__FLOW_MAGIC || !out || !f->graph) return PEL_EINVAL;
    pel__graph *g = f->graph;
    pthread_mutex_lock(&g->lock);
    fprintf(out, "digraph pel_flow {\n  rankdir=TB;\n  node [shape=box, style=filled, "
                 "fillcolor=white, fontname=\"sans-serif\"];\n");
    char a[32], b[32];
    for (size_t i = 0; i < g->nnodes; i++) {
        const gnode *n = &g->nodes[i];
        node_name(a, sizeof a, n->id);
        if (n->kind == PEL__K_BARRIER) {
            fprintf(out, "  %s [shape=point, label=\"\"];\n", a);
            continue;
        }
        fprintf(out, "  %s [label=\"", a);
        write_escaped(out, n->name);
        if (n->id >> 63)
            fprintf(out, "\\n#c%llu\"", (unsigned long long)(n->id & ~(1ull << 63)));
        else
            fprintf(out, "\\n#%llu\"", (unsigned long long)n->id);
        if (n->finished && n->status == PEL_EDEPFAILED)
            fprintf(out, ", fillcolor=grey80");
        else if (n->finished && n->status != 0)
            fprintf(out, ", fillcolor=tomato");
        if (n->kind == PEL__K_COMBINE) fprintf(out, ", shape=ellipse");
        fprintf(out, "];\n");
    }
    for (size_t i = 0; i < g->nedges; i++) {
        node_name(a, sizeof a, g->edges[i].from);
        node_name(b, sizeof b, g->edges[i].to);
        fprintf(out, "  %s -> %s [label=\"", a, b);
        write_escaped(out, g->edges[i].label);
        fprintf(out, "\"];\n");
    }
    if (g->oom) fprintf(out, "  // incomplete: out of memory while recording\n");
    fprintf(out, "}\n");
    pthread_mutex_unlock(&g->lock);
    return fflush(out) == 0 && !ferror(out) ? PEL_OK : PEL_ESYSTEM;
}
