/* wf_spec.c — the keys of the workflow format, read from the YAML tree into specs.
 *
 * Every node is visited through visit(), which charges c->work: an alias is followed
 * each time it is used, so a "billion laughs" file ends with an error after
 * wf_limits.max_work visits instead of running for hours. */
#include <stdarg.h>
#include <string.h>

#include "wf_spec.h"
#include "wf_units.h"

static const char *const key_names[WF_K_COUNT] = {
    "name", "for", "run", "cmd", "inputs", "outputs", "after", "cores", "memory",
    "retries", "retry_delay", "timeout", "estimate", "env", "dir"};

#define KEY_LIST                                                                      \
    "name, for, cmd, run, inputs, outputs, after, cores, memory, retries, retry_delay, " \
    "timeout, estimate, env, dir"

static int at(wf_ctx *c, const wf_node *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int at(wf_ctx *c, const wf_node *n, const char *fmt, ...)
{
    char msg[WF_ERR_LEN];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    wf__errf(c->err, c->file, n->line, n->col, "%s", msg);
    return -1;
}

static int visit(wf_ctx *c, const wf_node *n)
{
    if (++c->work <= wf__limits.max_work) return 0;
    return at(c, n, "the workflow takes more than %llu steps to read: do aliases "
                    "multiply it (a \"billion laughs\" file)?",
              (unsigned long long)wf__limits.max_work);
}

static int oom(wf_ctx *c, const wf_node *n)
{
    return at(c, n, "the workflow is too large (more than %llu MiB in memory)",
              (unsigned long long)(wf_arena_limit(c->w->arena) >> 20));
}

static const char *kind_name(const wf_node *n)
{
    if (wf__is_null(n)) return "nothing (null)";
    return n->kind == WF_MAP ? "a mapping" : n->kind == WF_SEQ ? "a list" : "a string";
}

static wf_text text_of(const wf_node *n)
{
    return (wf_text){n->u.str, n->n, n->line, n->col};
}

static int expect_string(wf_ctx *c, const wf_node *n, const char *what, wf_text *out)
{
    if (visit(c, n) != 0) return -1;
    if (n->kind != WF_SCALAR || wf__is_null(n))
        return at(c, n, "%s: expected a string, not %s", what, kind_name(n));
    *out = text_of(n);
    return 0;
}

/* A list of strings; `one_ok`: a single string stands for a list of one. */
static int read_list(wf_ctx *c, const wf_node *n, const char *what, int one_ok, wf_list *out)
{
    if (n->kind == WF_SCALAR && !wf__is_null(n) && one_ok) {
        out->v = wf_arena_alloc(c->tmp, sizeof *out->v);
        if (!out->v) return oom(c, n);
        out->n = 1;
        return expect_string(c, n, what, out->v);
    }
    if (n->kind != WF_SEQ)
        return at(c, n, "%s: expected a list of strings, not %s", what, kind_name(n));
    out->n = n->n;
    out->v = wf_arena_alloc(c->tmp, (n->n ? n->n : 1) * sizeof *out->v);
    if (!out->v) return oom(c, n);
    for (uint32_t i = 0; i < n->n; i++)
        if (expect_string(c, n->u.items[i], what, &out->v[i]) != 0) return -1;
    return 0;
}

static int read_uint(wf_ctx *c, const wf_node *n, const char *what, uint32_t min,
                     uint32_t *out)
{
    int64_t v;
    if (n->kind != WF_SCALAR || wf_parse_int(n->u.str, n->n, &v) != 0 || v < min ||
        v > UINT32_MAX)
        return at(c, n, "%s: expected an integer >= %u, not %s%.40s%s", what, min,
                  n->kind == WF_SCALAR ? "\"" : kind_name(n),
                  n->kind == WF_SCALAR ? n->u.str : "", n->kind == WF_SCALAR ? "\"" : "");
    *out = (uint32_t)v;
    return 0;
}

static int read_duration(wf_ctx *c, const wf_node *n, const char *what, double *out)
{
    if (n->kind != WF_SCALAR || wf_parse_duration(n->u.str, n->n, out) != 0)
        return at(c, n, "%s: expected a duration such as 30, 1.5s, 500ms, 10m or 1h30m, "
                        "not %s%.40s%s", what,
                  n->kind == WF_SCALAR ? "\"" : kind_name(n),
                  n->kind == WF_SCALAR ? n->u.str : "", n->kind == WF_SCALAR ? "\"" : "");
    return 0;
}

static int read_size(wf_ctx *c, const wf_node *n, uint64_t *out)
{
    if (n->kind != WF_SCALAR || wf_parse_size(n->u.str, n->n, out) != 0)
        return at(c, n, "memory: expected a size in bytes such as 1048576, 512M or 2GiB, "
                        "not %s%.40s%s",
                  n->kind == WF_SCALAR ? "\"" : kind_name(n),
                  n->kind == WF_SCALAR ? n->u.str : "", n->kind == WF_SCALAR ? "\"" : "");
    return 0;
}

static int read_env(wf_ctx *c, const wf_node *n, wf_spec *s)
{
    if (n->kind != WF_MAP)
        return at(c, n, "env: expected a mapping of variable names to values, not %s",
                  kind_name(n));
    s->n_env = n->n;
    s->env_names = wf_arena_alloc(c->tmp, (n->n ? n->n : 1) * sizeof(wf_text));
    s->env_values = wf_arena_alloc(c->tmp, (n->n ? n->n : 1) * sizeof(wf_text));
    if (!s->env_names || !s->env_values) return oom(c, n);
    for (uint32_t i = 0; i < n->n; i++) {
        const wf_node *k = n->u.items[2 * i], *v = n->u.items[2 * i + 1];
        if (expect_string(c, k, "env", &s->env_names[i]) != 0 || visit(c, v) != 0) return -1;
        if (k->n == 0 || memchr(k->u.str, '=', k->n))
            return at(c, k, "env: \"%.60s\" is not a variable name (empty, or holds '=')",
                      k->u.str);
        c->work += i; /* the duplicate check below is quadratic: charge it */
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->env_names[j].s, k->u.str) == 0)
                return at(c, k, "env: variable %.60s is set twice (first at line %u column %u)",
                          k->u.str, s->env_names[j].line, s->env_names[j].col);
        if (v->kind != WF_SCALAR)
            return at(c, v, "env: the value of %.60s must be a string, not %s", k->u.str,
                      kind_name(v));
        /* A null value (FOO:) sets the variable to the empty string. */
        s->env_values[i] = wf__is_null(v) ? (wf_text){"", 0, v->line, v->col} : text_of(v);
    }
    return 0;
}

static int is_ident(const char *s, size_t len)
{
    if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z') ||
                      s[0] == '_'))
        return 0;
    for (size_t i = 1; i < len; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
              (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    return 1;
}

static int read_range(wf_ctx *c, const wf_node *n, wf_param *p)
{
    const wf_node *from = NULL, *to = NULL, *step = NULL;
    for (uint32_t i = 0; i < n->n; i++) {
        const wf_node *k = n->u.items[2 * i], *v = n->u.items[2 * i + 1];
        if (visit(c, k) != 0 || visit(c, v) != 0) return -1;
        const wf_node **slot = NULL;
        if (k->kind == WF_SCALAR && strcmp(k->u.str, "from") == 0) slot = &from;
        else if (k->kind == WF_SCALAR && strcmp(k->u.str, "to") == 0) slot = &to;
        else if (k->kind == WF_SCALAR && strcmp(k->u.str, "step") == 0) slot = &step;
        if (!slot)
            return at(c, k, "for: a range has the keys from, to and step, not %s%.40s%s",
                      k->kind == WF_SCALAR ? "\"" : kind_name(k),
                      k->kind == WF_SCALAR ? k->u.str : "", k->kind == WF_SCALAR ? "\"" : "");
        if (*slot) return at(c, k, "for: %s is given twice", k->u.str);
        *slot = v;
    }
    if (!from || !to)
        return at(c, n, "for: the range of %s needs both from: and to:", p->name.s);
    int64_t f, t, st = 0;
    const wf_node *bad = NULL;
    if (from->kind != WF_SCALAR || wf_parse_int(from->u.str, from->n, &f) != 0) bad = from;
    else if (to->kind != WF_SCALAR || wf_parse_int(to->u.str, to->n, &t) != 0) bad = to;
    else if (step && (step->kind != WF_SCALAR || wf_parse_int(step->u.str, step->n, &st) != 0))
        bad = step;
    if (bad)
        return at(c, bad, "for: range bounds and steps are integers, not %s%.40s%s",
                  bad->kind == WF_SCALAR ? "\"" : kind_name(bad),
                  bad->kind == WF_SCALAR ? bad->u.str : "", bad->kind == WF_SCALAR ? "\"" : "");
    if (step && st == 0) return at(c, step, "for: a range's step must not be 0");
    if (!step) st = f <= t ? 1 : -1;
    if ((st > 0 && f > t) || (st < 0 && f < t))
        return at(c, step ? step : n, "for: the range of %s from %lld to %lld by %lld is empty",
                  p->name.s, (long long)f, (long long)t, (long long)st);
    /* Unsigned arithmetic: to - from may not fit in int64_t. */
    uint64_t span = st > 0 ? (uint64_t)t - (uint64_t)f : (uint64_t)f - (uint64_t)t;
    uint64_t ust = st > 0 ? (uint64_t)st : 0 - (uint64_t)st;
    uint64_t steps = span / ust;
    p->is_range = 1;
    p->from = f;
    p->step = st;
    p->count = steps >= wf__limits.max_tasks ? wf__limits.max_tasks + 1 : steps + 1;
    return 0;
}

static int read_for(wf_ctx *c, const wf_node *n, wf_spec *s)
{
    if (n->kind != WF_MAP)
        return at(c, n, "for: expected a mapping of parameter names to lists or ranges, "
                        "not %s", kind_name(n));
    if (n->n == 0) return at(c, n, "for: a task array needs at least one parameter");
    if (n->n > WF_MAX_PARAMS)
        return at(c, n, "for: more than %d parameters", WF_MAX_PARAMS);
    s->n_params = n->n;
    s->params = wf_arena_zalloc(c->tmp, n->n * sizeof *s->params);
    if (!s->params) return oom(c, n);
    uint64_t count = 1;
    for (uint32_t i = 0; i < n->n; i++) {
        const wf_node *k = n->u.items[2 * i], *v = n->u.items[2 * i + 1];
        wf_param *p = &s->params[i];
        if (expect_string(c, k, "for", &p->name) != 0 || visit(c, v) != 0) return -1;
        if (!is_ident(k->u.str, k->n))
            return at(c, k, "for: parameter names are identifiers (letters, digits, _), "
                            "not \"%.60s\"", k->u.str);
        for (uint32_t j = 0; j < i; j++)
            if (strcmp(s->params[j].name.s, k->u.str) == 0)
                return at(c, k, "for: parameter %s is given twice", k->u.str);
        if (v->kind == WF_MAP) {
            if (read_range(c, v, p) != 0) return -1;
        } else if (v->kind == WF_SEQ) {
            if (v->n == 0) return at(c, v, "for: the list of %s is empty", k->u.str);
            p->count = v->n;
            p->values = wf_arena_alloc(c->tmp, v->n * sizeof *p->values);
            if (!p->values) return oom(c, v);
            for (uint32_t j = 0; j < v->n; j++)
                if (expect_string(c, v->u.items[j], "for", &p->values[j]) != 0) return -1;
        } else {
            return at(c, v, "for: %s takes a list of values or a range {from, to, step}, "
                            "not %s", k->u.str, kind_name(v));
        }
        count = p->count > wf__limits.max_tasks / count ? wf__limits.max_tasks + 1
                                                         : count * p->count;
    }
    s->count = count;
    return 0;
}

static int read_value(wf_ctx *c, int key, const wf_node *v, wf_spec *s)
{
    const char *what = key_names[key];
    /* null: the built-in default, also over `defaults` */
    int null = wf__is_null(v);
    switch (key) {
    case WF_K_NAME: return expect_string(c, v, what, &s->name);
    case WF_K_RUN: return expect_string(c, v, what, &s->run);
    case WF_K_DIR:
        if (null) {
            s->dir = (wf_text){0}; /* the workflow's directory */
            return 0;
        }
        if (expect_string(c, v, what, &s->dir) != 0) return -1;
        return s->dir.len ? 0 : at(c, v, "dir: must not be empty (leave it out for the "
                                         "workflow's directory)");
    case WF_K_CMD:
        if (v->kind != WF_SEQ)
            return at(c, v, "cmd: expected a list (program and arguments), not %s%s",
                      kind_name(v), v->kind == WF_SCALAR ? "; use run: for a shell string" : "");
        if (v->n == 0) return at(c, v, "cmd: the list is empty; it needs at least a program");
        return read_list(c, v, what, 0, &s->cmd);
    case WF_K_FOR: return read_for(c, v, s);
    case WF_K_INPUTS: return null ? (s->inputs.n = 0, 0) : read_list(c, v, what, 1, &s->inputs);
    case WF_K_OUTPUTS:
        return null ? (s->outputs.n = 0, 0) : read_list(c, v, what, 1, &s->outputs);
    case WF_K_AFTER: return null ? (s->after.n = 0, 0) : read_list(c, v, what, 1, &s->after);
    case WF_K_CORES: return null ? (s->cores = 1, 0) : read_uint(c, v, what, 1, &s->cores);
    case WF_K_RETRIES:
        return null ? (s->retries = 0, 0) : read_uint(c, v, what, 0, &s->retries);
    case WF_K_MEMORY: return null ? (s->memory = 0, 0) : read_size(c, v, &s->memory);
    case WF_K_RETRY_DELAY:
        return null ? (s->retry_delay = 1, 0) : read_duration(c, v, what, &s->retry_delay);
    case WF_K_TIMEOUT: return null ? (s->timeout = 0, 0) : read_duration(c, v, what, &s->timeout);
    case WF_K_ESTIMATE:
        return null ? (s->estimate = -1, 0) : read_duration(c, v, what, &s->estimate);
    case WF_K_ENV: return null ? (s->n_env = 0, 0) : read_env(c, v, s);
    }
    return -1;
}

static int find_key(const wf_node *k)
{
    for (int i = 0; i < WF_K_COUNT; i++)
        if (strcmp(k->u.str, key_names[i]) == 0) return i;
    return -1;
}

/* Read a task (or, with is_defaults, the defaults) mapping into s. */
static int read_task(wf_ctx *c, const wf_node *n, int is_defaults, wf_spec *s)
{
    const char *what = is_defaults ? "defaults" : "a task";
    if (visit(c, n) != 0) return -1;
    if (n->kind != WF_MAP)
        return at(c, n, "%s must be a mapping (key: value), not %s", what, kind_name(n));
    uint32_t key_line[WF_K_COUNT] = {0}, key_col[WF_K_COUNT] = {0};
    s->line = n->line;
    s->col = n->col;
    s->cores = 1;
    s->retry_delay = 1;
    s->estimate = -1;
    s->count = 1;
    for (uint32_t i = 0; i < n->n; i++) {
        const wf_node *k = n->u.items[2 * i], *v = n->u.items[2 * i + 1];
        if (visit(c, k) != 0 || visit(c, v) != 0) return -1;
        if (k->kind != WF_SCALAR) return at(c, k, "%s's keys are strings", what);
        if (strcmp(k->u.str, "<<") == 0)
            return at(c, k, "YAML merge keys (<<) are not supported; put shared keys under "
                            "defaults:");
        int key = find_key(k);
        if (key < 0)
            return at(c, k, "unknown key \"%.60s\" in %s (known: " KEY_LIST ")", k->u.str, what);
        if (is_defaults && (key == WF_K_NAME || key == WF_K_FOR))
            return at(c, k, "defaults cannot set %s: it belongs to each task", k->u.str);
        if (s->set & (1u << key))
            return at(c, k, "%s is given twice (first at line %u column %u)", k->u.str,
                      key_line[key], key_col[key]);
        s->set |= 1u << key;
        key_line[key] = k->line;
        key_col[key] = k->col;
        if (read_value(c, key, v, s) != 0) return -1;
    }
    uint32_t both = (1u << WF_K_RUN) | (1u << WF_K_CMD);
    if ((s->set & both) == both) {
        int second = key_line[WF_K_RUN] > key_line[WF_K_CMD] ||
                             (key_line[WF_K_RUN] == key_line[WF_K_CMD] &&
                              key_col[WF_K_RUN] > key_col[WF_K_CMD])
                         ? WF_K_RUN
                         : WF_K_CMD;
        wf__errf(c->err, c->file, key_line[second], key_col[second],
                 "%s has either cmd (a list) or run (a shell string), not both", what);
        return -1;
    }
    return 0;
}

/* Keys the task does not give come from defaults; env maps merge, the task's values
 * winning. A task that gives run or cmd takes neither from defaults. */
static int merge_defaults(wf_ctx *c, wf_spec *s, const wf_spec *d)
{
    uint32_t own = s->set;
    if (own & ((1u << WF_K_RUN) | (1u << WF_K_CMD))) own |= (1u << WF_K_RUN) | (1u << WF_K_CMD);
    uint32_t take = d->set & ~own;
#define TAKE(k, field)                                                                     \
    if (take & (1u << (k))) s->field = d->field
    TAKE(WF_K_RUN, run);
    TAKE(WF_K_CMD, cmd);
    TAKE(WF_K_INPUTS, inputs);
    TAKE(WF_K_OUTPUTS, outputs);
    TAKE(WF_K_AFTER, after);
    TAKE(WF_K_CORES, cores);
    TAKE(WF_K_MEMORY, memory);
    TAKE(WF_K_RETRIES, retries);
    TAKE(WF_K_RETRY_DELAY, retry_delay);
    TAKE(WF_K_TIMEOUT, timeout);
    TAKE(WF_K_ESTIMATE, estimate);
    TAKE(WF_K_DIR, dir);
#undef TAKE
    s->set |= take & ~(1u << WF_K_ENV);
    if (!(d->set & (1u << WF_K_ENV)) || d->n_env == 0) return 0;
    if (!(s->set & (1u << WF_K_ENV))) {
        s->env_names = d->env_names;
        s->env_values = d->env_values;
        s->n_env = d->n_env;
        return 0;
    }
    uint32_t n = d->n_env + s->n_env;
    wf_text *names = wf_arena_alloc(c->tmp, n * sizeof *names);
    wf_text *values = wf_arena_alloc(c->tmp, n * sizeof *values);
    if (!names || !values) {
        wf__errf(c->err, c->file, s->line, s->col, "the workflow is too large (out of memory)");
        return -1;
    }
    uint32_t m = 0;
    c->work += (uint64_t)d->n_env * s->n_env;
    for (uint32_t i = 0; i < d->n_env; i++) {
        names[m] = d->env_names[i];
        values[m] = d->env_values[i];
        for (uint32_t j = 0; j < s->n_env; j++)
            if (strcmp(s->env_names[j].s, d->env_names[i].s) == 0) values[m] = s->env_values[j];
        m++;
    }
    for (uint32_t j = 0; j < s->n_env; j++) {
        uint32_t i = 0;
        while (i < d->n_env && strcmp(s->env_names[j].s, d->env_names[i].s) != 0) i++;
        if (i == d->n_env) {
            names[m] = s->env_names[j];
            values[m++] = s->env_values[j];
        }
    }
    s->env_names = names;
    s->env_values = values;
    s->n_env = m;
    if (c->work > wf__limits.max_work) {
        wf__errf(c->err, c->file, s->line, s->col,
                 "the workflow takes more than %llu steps to read (env maps too large)",
                 (unsigned long long)wf__limits.max_work);
        return -1;
    }
    return 0;
}

static int read_tasks(wf_ctx *c, const wf_node *tasks, const wf_spec *defaults,
                      wf_spec **specs, uint32_t *n, uint64_t *total)
{
    if (tasks->kind != WF_SEQ)
        return at(c, tasks, "tasks: expected a list of tasks, not %s", kind_name(tasks));
    wf_spec *v = wf_arena_zalloc(c->tmp, (tasks->n ? tasks->n : 1) * sizeof *v);
    if (!v) return oom(c, tasks);
    uint64_t sum = 0;
    for (uint32_t i = 0; i < tasks->n; i++) {
        wf_spec *s = &v[i];
        const wf_node *t = tasks->u.items[i];
        if (read_task(c, t, 0, s) != 0) return -1;
        if (!(s->set & (1u << WF_K_NAME))) return at(c, t, "a task needs a name");
        if (defaults && merge_defaults(c, s, defaults) != 0) return -1;
        if (!(s->set & ((1u << WF_K_RUN) | (1u << WF_K_CMD))))
            return at(c, t, "task %.100s has neither cmd (a list) nor run (a shell string)",
                      s->name.s);
        sum += s->count;
        if (sum > wf__limits.max_tasks)
            return at(c, t, "the workflow expands to more than %llu tasks",
                      (unsigned long long)wf__limits.max_tasks);
    }
    *specs = v;
    *n = tasks->n;
    *total = sum;
    return 0;
}

int wf__read_specs(wf_ctx *c, const wf_node *root, wf_spec **specs, uint32_t *n,
                   uint64_t *total)
{
    if (!root || wf__is_null(root)) {
        wf__errf(c->err, c->file, root ? root->line : 0, root ? root->col : 0,
                 "empty workflow: expected a mapping with a tasks: list");
        return -1;
    }
    if (visit(c, root) != 0) return -1;
    if (root->kind != WF_MAP)
        return at(c, root, "a workflow is a mapping with a tasks: list (and defaults:), "
                           "not %s", kind_name(root));
    const wf_node *tasks = NULL, *defaults = NULL;
    for (uint32_t i = 0; i < root->n; i++) {
        const wf_node *k = root->u.items[2 * i], *v = root->u.items[2 * i + 1];
        if (visit(c, k) != 0) return -1;
        const wf_node **slot = NULL;
        if (k->kind == WF_SCALAR && strcmp(k->u.str, "tasks") == 0) slot = &tasks;
        else if (k->kind == WF_SCALAR && strcmp(k->u.str, "defaults") == 0) slot = &defaults;
        if (!slot)
            return at(c, k, "unknown top-level key %s%.60s%s (expected tasks or defaults)",
                      k->kind == WF_SCALAR ? "\"" : kind_name(k),
                      k->kind == WF_SCALAR ? k->u.str : "", k->kind == WF_SCALAR ? "\"" : "");
        if (*slot) return at(c, k, "%s is given twice", k->u.str);
        *slot = v;
    }
    if (!tasks) return at(c, root, "the workflow has no tasks: list");
    wf_spec d = {0};
    if (defaults && !wf__is_null(defaults) && read_task(c, defaults, 1, &d) != 0) return -1;
    return read_tasks(c, tasks, defaults && !wf__is_null(defaults) ? &d : NULL, specs, n,
                      total);
}
