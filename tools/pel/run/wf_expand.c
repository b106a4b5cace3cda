/* wf_expand.c — specs into tasks: task arrays expand to the cartesian product of their
 * parameters (the first parameter outermost), placeholders are replaced, paths resolved.
 *
 * Placeholders: in every string of a task array, "{p}" where p is one of its parameters
 * becomes the parameter's value and "{{p}}" becomes the literal text "{p}"; any other
 * brace is literal text, so shell code such as awk '{print $1}' needs no escaping.
 *
 * Strings and lists without placeholders are shared by all the tasks of an array (the
 * scalar text already lives in the workflow's arena), so a 100k-task array costs little
 * more than its names and the strings that really vary.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wf_map.h"
#include "wf_path.h"
#include "wf_spec.h"

typedef struct value {
    const char *s;
    size_t len;
    char num[24]; /* a range value, printed */
} value;

typedef struct expander {
    wf_ctx *c;
    const wf_spec *s;
    value *vals; /* the current instance's parameter values */
    char *buf;   /* substitution scratch */
    size_t cap;
    const char *dir; /* the current instance's directory */
    wf_map names;
} expander;

static int ident_char(char ch, int first)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_' ||
           (!first && ch >= '0' && ch <= '9');
}

/* At s[i] == '{': the length of the placeholder starting there (0: a literal brace), the
 * parameter it names and whether it is the escaped form "{{p}}". */
static size_t placeholder_at(const char *s, size_t len, size_t i, const wf_spec *sp,
                             uint32_t *which, int *escaped)
{
    *escaped = i + 1 < len && s[i + 1] == '{';
    size_t a = i + 1 + (size_t)*escaped, j = a;
    while (j < len && ident_char(s[j], j == a)) j++;
    if (j == a || j >= len || s[j] != '}') return 0;
    if (*escaped && (j + 1 >= len || s[j + 1] != '}')) return 0;
    for (uint32_t k = 0; k < sp->n_params; k++) {
        const wf_text *n = &sp->params[k].name;
        if (n->len == j - a && memcmp(n->s, s + a, j - a) == 0) {
            *which = k;
            return j + 1 + (size_t)*escaped - i;
        }
    }
    return 0;
}

/* Whether t holds a placeholder (uses_only < n_params: an unescaped one of that
 * parameter). */
static int has_placeholder(const wf_spec *sp, const wf_text *t, uint32_t uses_only)
{
    if (sp->n_params == 0) return 0;
    for (size_t i = 0; i < t->len;) {
        uint32_t which;
        int esc;
        size_t tok = t->s[i] == '{' ? placeholder_at(t->s, t->len, i, sp, &which, &esc) : 0;
        if (tok && (uses_only >= sp->n_params || (which == uses_only && !esc))) return 1;
        i += tok ? tok : 1;
    }
    return 0;
}

static int reserve(expander *x, size_t need)
{
    if (need <= x->cap) return 0;
    size_t cap = x->cap ? x->cap : 256;
    while (cap < need) cap *= 2;
    char *b = realloc(x->buf, cap);
    if (!b) return -1;
    x->buf = b;
    x->cap = cap;
    return 0;
}

/* t with the current values substituted: t->s itself when it has no placeholder, else
 * the scratch buffer (valid until the next call). NULL when out of memory. */
static const char *subst(expander *x, const wf_text *t, size_t *out_len)
{
    const wf_spec *sp = x->s;
    if (sp->n_params == 0 || !memchr(t->s, '{', t->len)) {
        *out_len = t->len;
        return t->s;
    }
    size_t n = 0;
    for (size_t i = 0; i < t->len;) {
        uint32_t which;
        int esc;
        size_t tok = t->s[i] == '{' ? placeholder_at(t->s, t->len, i, sp, &which, &esc) : 0;
        const char *src = t->s + i;
        size_t len = 1;
        if (tok && esc) {
            src = t->s + i + 1; /* "{{p}}" -> "{p}" */
            len = tok - 2;
        } else if (tok) {
            src = x->vals[which].s;
            len = x->vals[which].len;
        }
        if (reserve(x, n + len + 1) != 0) return NULL;
        memcpy(x->buf + n, src, len);
        n += len;
        i += tok ? tok : 1;
    }
    x->buf[n] = '\0';
    *out_len = n;
    return x->buf;
}

static int fail(expander *x, const wf_text *t, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* An error at t's position. */
static int fail(expander *x, const wf_text *t, const char *fmt, ...)
{
    char msg[WF_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wf__errf(x->c->err, x->c->file, t->line, t->col, "%s", msg);
    return -1;
}

static int oom(expander *x)
{
    wf__errf(x->c->err, x->c->file, x->s->line, x->s->col,
             "the workflow is too large (more than %llu MiB in memory)",
             (unsigned long long)(wf_arena_limit(x->c->w->arena) >> 20));
    return -1;
}

/* A string of the current instance, in the arena. */
static const char *str(expander *x, const wf_text *t)
{
    size_t len;
    const char *s = subst(x, t, &len);
    if (!s) return NULL;
    return s == t->s ? s : wf_arena_strndup(x->c->w->arena, s, len);
}

/* kind: 0 any string, 1 a name (not empty), 2 a path (not empty, resolved) */
static const char *const *str_list(expander *x, const wf_list *l, const char *what,
                                   int kind, int *failed)
{
    *failed = 0;
    if (l->n == 0) return NULL;
    const char **v = wf_arena_alloc(x->c->w->arena, (l->n + 1) * sizeof *v);
    if (!v) goto oom;
    for (uint32_t i = 0; i < l->n; i++) {
        size_t len;
        const char *s = subst(x, &l->v[i], &len);
        if (!s) goto oom;
        if (len == 0 && kind > 0) {
            fail(x, &l->v[i], "%s: an empty string is neither a path nor a task name", what);
            *failed = 1;
            return NULL;
        }
        v[i] = kind == 2 ? wf_path_resolve(x->c->w->arena, x->dir, s, len)
                       : s == l->v[i].s ? s : wf_arena_strndup(x->c->w->arena, s, len);
        if (!v[i]) goto oom;
    }
    v[l->n] = NULL;
    return v;
oom:
    oom(x);
    *failed = 1;
    return NULL;
}

static const char *const *env_list(expander *x, int *failed)
{
    const wf_spec *sp = x->s;
    *failed = 0;
    if (sp->n_env == 0) return NULL;
    const char **v = wf_arena_alloc(x->c->w->arena, (sp->n_env + 1) * sizeof *v);
    if (!v) goto oom;
    for (uint32_t i = 0; i < sp->n_env; i++) {
        size_t len;
        const char *val = subst(x, &sp->env_values[i], &len);
        if (!val) goto oom;
        size_t klen = sp->env_names[i].len;
        char *e = wf_arena_alloc(x->c->w->arena, klen + 1 + len + 1);
        if (!e) goto oom;
        memcpy(e, sp->env_names[i].s, klen);
        e[klen] = '=';
        memcpy(e + klen + 1, val, len);
        e[klen + 1 + len] = '\0';
        v[i] = e;
    }
    v[sp->n_env] = NULL;
    return v;
oom:
    oom(x);
    *failed = 1;
    return NULL;
}

static int list_has_placeholder(const wf_spec *sp, const wf_list *l)
{
    for (uint32_t i = 0; i < l->n; i++)
        if (has_placeholder(sp, &l->v[i], UINT32_MAX)) return 1;
    return 0;
}

/* What every task of an array shares: lists, the env and the directory when no
 * placeholder makes them vary. */
typedef struct shared {
    int argv, inputs, outputs, after, env, dir;
    const char *const *argv_v, *const *inputs_v, *const *outputs_v, *const *after_v,
        *const *env_v;
    const char *dir_v;
} shared;

static int instance_dir(expander *x)
{
    const wf_spec *sp = x->s;
    if (!sp->dir.s) {
        x->dir = x->c->w->base_dir;
        return 0;
    }
    size_t len;
    const char *d = subst(x, &sp->dir, &len);
    if (!d) return oom(x);
    if (len == 0) return fail(x, &sp->dir, "dir: empty after its placeholders are replaced");
    x->dir = wf_path_resolve(x->c->w->arena, x->c->w->base_dir, d, len);
    return x->dir ? 0 : oom(x);
}

static int build_lists(expander *x, wf_task *t, const shared *sh, int all)
{
    const wf_spec *sp = x->s;
    int failed = 0;
    if (all || !sh->dir) {
        if (instance_dir(x) != 0) return -1;
    } else {
        x->dir = sh->dir_v;
    }
    t->dir = x->dir;
#define LIST(field, flag, list, what, kind)                                               \
    if (all || !sh->flag) {                                                               \
        t->field = str_list(x, &sp->list, what, kind, &failed);                          \
        if (failed) return -1;                                                            \
    } else {                                                                              \
        t->field = sh->flag##_v;                                                          \
    }
    LIST(argv, argv, cmd, "cmd", 0)
    LIST(inputs, inputs, inputs, "inputs", 2)
    LIST(outputs, outputs, outputs, "outputs", 2)
    LIST(after, after, after, "after", 1)
#undef LIST
    if (all || !sh->env) {
        t->env = env_list(x, &failed);
        if (failed) return -1;
    } else {
        t->env = sh->env_v;
    }
    return 0;
}

static int check_name(expander *x, const char *name, uint32_t index)
{
    const wf_spec *sp = x->s;
    const wf_text *nt = &sp->name;
    if (!*name) return fail(x, nt, "name: a task name must not be empty");
    for (const char *p = name; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return fail(x, nt, "name: \"%.100s\" holds a control character (a newline?)", name);
    uint32_t old;
    int r = wf_map_put(&x->names, name, strlen(name), index, 0, &old);
    if (r < 0) return oom(x);
    if (r == 0) return 0;
    const wf_task *prev = &x->c->w->tasks[old];
    char msg[WF_ERR_LEN];
    if (prev->line == sp->line && prev->column == sp->col)
        snprintf(msg, sizeof msg, "task array gives the name \"%.100s\" to two tasks: "
                                  "two combinations of its parameters print the same", name);
    else
        snprintf(msg, sizeof msg, "duplicate task name \"%.100s\" (first at line %u column %u)",
                 name, prev->line, prev->column);
    wf__errf(x->c->err, x->c->file, sp->line, sp->col, "%s", msg);
    return -1;
}

static void set_values(expander *x, const uint64_t *idx)
{
    const wf_spec *sp = x->s;
    for (uint32_t k = 0; k < sp->n_params; k++) {
        const wf_param *p = &sp->params[k];
        value *v = &x->vals[k];
        if (p->is_range) {
            /* In uint64_t: wraps exactly like two's complement, and from + i*step stays
             * within [from, to], so the result is the true value. */
            uint64_t u = (uint64_t)p->from + idx[k] * (uint64_t)p->step;
            int64_t sv = u <= (uint64_t)INT64_MAX ? (int64_t)u : -(int64_t)(0 - u - 1) - 1;
            v->len = (size_t)snprintf(v->num, sizeof v->num, "%lld", (long long)sv);
            v->s = v->num;
        } else {
            v->s = p->values[idx[k]].s;
            v->len = p->values[idx[k]].len;
        }
    }
}

static int expand_spec(expander *x, uint32_t *next)
{
    const wf_spec *sp = x->s;
    wf *w = x->c->w;
    for (uint32_t k = 0; k < sp->n_params; k++)
        if (sp->params[k].count > 1 && !has_placeholder(sp, &sp->name, k))
            return fail(x, &sp->name,
                        "name: a task array's name must use each of its parameters, or its "
                        "tasks share names; add {%s}", sp->params[k].name.s);
    uint64_t idx[WF_MAX_PARAMS] = {0};
    shared sh = {0};
    sh.dir = !sp->dir.s || !has_placeholder(sp, &sp->dir, UINT32_MAX);
    sh.argv = !list_has_placeholder(sp, &sp->cmd);
    sh.inputs = sh.dir && !list_has_placeholder(sp, &sp->inputs);
    sh.outputs = sh.dir && !list_has_placeholder(sp, &sp->outputs);
    sh.after = !list_has_placeholder(sp, &sp->after);
    sh.env = 1;
    for (uint32_t i = 0; i < sp->n_env; i++)
        if (has_placeholder(sp, &sp->env_values[i], UINT32_MAX)) sh.env = 0;
    set_values(x, idx);
    for (uint64_t n = 0; n < sp->count; n++) {
        wf_task *t = &w->tasks[*next];
        memset(t, 0, sizeof *t);
        if (build_lists(x, t, &sh, n == 0) != 0) return -1;
        if (n == 0) {
            sh.dir_v = t->dir;
            sh.argv_v = t->argv;
            sh.inputs_v = t->inputs;
            sh.outputs_v = t->outputs;
            sh.after_v = t->after;
            sh.env_v = t->env;
        }
        t->name = str(x, &sp->name);
        t->shell = sp->cmd.n ? NULL : str(x, &sp->run);
        if (!t->name || (!sp->cmd.n && !t->shell)) return oom(x);
        if (t->argv && !t->argv[0][0])
            return fail(x, &sp->cmd.v[0], "cmd: the program (the first item) is empty");
        if (check_name(x, t->name, *next) != 0) return -1;
        t->n_inputs = sp->inputs.n;
        t->n_outputs = sp->outputs.n;
        t->n_after = sp->after.n;
        t->cores = sp->cores;
        t->memory = sp->memory;
        t->retries = sp->retries;
        t->retry_delay = sp->retry_delay;
        t->timeout = sp->timeout;
        t->estimate = sp->estimate;
        t->line = sp->line;
        t->column = sp->col;
        (*next)++;
        /* The odometer: the last parameter turns fastest. */
        for (uint32_t k = sp->n_params; k-- > 0;) {
            if (++idx[k] < sp->params[k].count) break;
            idx[k] = 0;
        }
        set_values(x, idx);
    }
    return 0;
}

int wf__expand(wf_ctx *c, const wf_spec *specs, uint32_t n, uint64_t total)
{
    wf *w = c->w;
    expander x = {.c = c};
    w->tasks = wf_arena_alloc(w->arena, (total ? total : 1) * sizeof *w->tasks);
    x.vals = calloc(WF_MAX_PARAMS, sizeof *x.vals);
    int rc = -1;
    if (!w->tasks || !x.vals || wf_map_init(&x.names, total) != 0) {
        wf__errf(c->err, c->file, 0, 0, "the workflow is too large (%llu tasks)",
                 (unsigned long long)total);
        goto out;
    }
    uint32_t next = 0;
    for (uint32_t i = 0; i < n; i++) {
        x.s = &specs[i];
        if (expand_spec(&x, &next) != 0) goto out;
    }
    w->n_tasks = next;
    rc = 0;
out:
    free(x.vals);
    free(x.buf);
    wf_map_free(&x.names);
    return rc;
}
