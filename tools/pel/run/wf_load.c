/* wf_load.c — the YAML loader's entry points: read the file, parse it into a tree,
 * read the specs, expand them; and what every loader shares (limits, errors, wf_free). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "wf_internal.h"
#include "wf_path.h"
#include "wf_spec.h"

wf_limits wf__limits = {
    .max_tasks = 10000000,
    .max_work = 100000000,
    .max_bytes = (uint64_t)4 << 30,
    .max_edges = 50000000,
    .max_matches = 200000000,
    .max_depth = 64,
};

void wf__errf(char *err, const char *file, uint32_t line, uint32_t col, const char *fmt, ...)
{
    int n = line ? snprintf(err, WF_ERR_LEN, "%s:%u:%u: ", file, line, col)
                 : snprintf(err, WF_ERR_LEN, "%s: ", file);
    if (n < 0 || n >= WF_ERR_LEN) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err + n, WF_ERR_LEN - (size_t)n, fmt, ap);
    va_end(ap);
}

const char *wf__display_name(const char *path)
{
    return strcmp(path, "-") == 0 ? "<stdin>" : path;
}

wf *wf__new(const char *path, const char *base_dir)
{
    wf *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->arena = wf_arena_new(wf__limits.max_bytes);
    if (!w->arena) {
        free(w);
        return NULL;
    }
    w->path = wf_arena_strndup(w->arena, path, strlen(path));
    w->base_dir = wf_path_resolve(w->arena, "/", base_dir, strlen(base_dir));
    if (!w->path || !w->base_dir) {
        wf_free(w);
        return NULL;
    }
    return w;
}

void wf_free(wf *w)
{
    if (!w) return;
    wf_arena_free(w->arena);
    free(w);
}

int wf_load_buffer(const char *data, size_t len, const char *name, const char *base_dir,
                   wf **out, char err[WF_ERR_LEN])
{
    *out = NULL;
    err[0] = '\0';
    const char *file = wf__display_name(name);
    wf *w = wf__new(name, base_dir);
    wf_arena *tmp = wf_arena_new(wf__limits.max_bytes);
    if (!w || !tmp) {
        wf__errf(err, file, 0, 0, "out of memory");
        wf_free(w);
        wf_arena_free(tmp);
        return -1;
    }
    wf_ctx c = {.file = file, .err = err, .w = w, .tmp = tmp};
    const wf_node *root = NULL;
    wf_spec *specs = NULL;
    uint32_t n = 0;
    uint64_t total = 0;
    int rc = wf__yaml_parse(data, len, file, w->arena, tmp, &root, err);
    if (rc == 0) rc = wf__read_specs(&c, root, &specs, &n, &total);
    if (rc == 0) rc = wf__expand(&c, specs, n, total);
    wf_arena_free(tmp);
    if (rc != 0) {
        wf_free(w);
        return -1;
    }
    *out = w;
    return 0;
}

/* The whole of fd; NULL with errno set on failure. */
static char *read_all(int fd, size_t *len)
{
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap);
    while (buf) {
        if (n == cap) {
            char *b = realloc(buf, cap * 2);
            if (!b) break;
            buf = b;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r == 0) {
            *len = n;
            return buf;
        }
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) break;
        n += (size_t)r;
    }
    int e = errno;
    free(buf);
    errno = e ? e : ENOMEM;
    return NULL;
}

char *wf__read_input(const char *path, size_t *len, char *base_dir, char err[WF_ERR_LEN])
{
    const char *file = wf__display_name(path);
    int is_stdin = strcmp(path, "-") == 0;
    if (is_stdin) {
        if (!getcwd(base_dir, PATH_MAX)) {
            wf__errf(err, file, 0, 0, "cannot get the current directory: %s", strerror(errno));
            return NULL;
        }
    } else {
        if (!realpath(path, base_dir)) {
            wf__errf(err, file, 0, 0, "cannot open: %s", strerror(errno));
            return NULL;
        }
        char *slash = strrchr(base_dir, '/');
        if (slash == base_dir) slash[1] = '\0';
        else *slash = '\0';
    }
    int fd = is_stdin ? 0 : open(path, O_RDONLY | O_CLOEXEC);
    char *data = fd >= 0 ? read_all(fd, len) : NULL;
    int e = errno;
    if (fd > 0) close(fd);
    if (!data) wf__errf(err, file, 0, 0, "cannot read: %s", strerror(e));
    return data;
}

int wf_load_file(const char *path, wf **out, char err[WF_ERR_LEN])
{
    char base[PATH_MAX];
    size_t len = 0;
    *out = NULL;
    char *data = wf__read_input(path, &len, base, err);
    if (!data) return -1;
    int rc = wf_load_buffer(data, len, path, base, out, err);
    free(data);
    return rc;
}
