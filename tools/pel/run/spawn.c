/* spawn.c — starting one attempt of a task with posix_spawn.
 *
 * The parent's work per task is kept small because dispatch speed is a goal (as fast as
 * make -j): the spawn attributes and /dev/null are set up once per run; a program name is
 * looked up in PATH once and cached; argv and envp are built in scratch buffers reused by
 * every spawn (glibc's posix_spawn returns only once the child has exec'd or failed, so
 * the buffers are free again when it returns); the log file is opened here so that an
 * error names it, and handed to the child by dup2.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "exec_internal.h"

extern char **environ;

typedef struct path_entry {
    char *name; /* NULL: empty */
    char *path;
} path_entry;

struct exec_spawner {
    posix_spawnattr_t attr;
    int devnull;
    path_entry *cache; /* open addressing, cap a power of two, at most half full */
    size_t cap, n;
    char *buf; /* a shell string split into words */
    size_t buf_cap;
    const char **words;
    size_t words_cap;
    const char **envp;
    size_t envp_cap;
    const char *sh_argv[4]; /* /bin/sh -c STRING */
};

/* Grow *p to hold at least `need` elements of `size` bytes. 0, or -1 (ENOMEM). */
static int grow(void *p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*(void **)p, n * size);
    if (!q)
        return -1;
    *(void **)p = q;
    *cap = n;
    return 0;
}

/* An fd above 2, so that dup2 onto 0, 1 or 2 in the child always makes a new descriptor
 * (dup2 of an fd onto itself would keep its close-on-exec flag). */
static int fd_above_stdio(int fd)
{
    if (fd < 0 || fd > 2)
        return fd;
    int high = fcntl(fd, F_DUPFD_CLOEXEC, 3);
    int saved = errno;
    close(fd);
    errno = saved;
    return high;
}

exec_spawner *exec__spawner_create(void)
{
    exec_spawner *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->devnull = fd_above_stdio(open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (s->devnull < 0) {
        free(s);
        return NULL;
    }
    /* Each task leads its own process group (so a timeout can kill its whole tree),
     * starts with no signal blocked (pel blocks SIGCHLD, SIGINT, ...), and with the
     * default action for every signal pel or its caller may have changed. */
    sigset_t none, def;
    sigemptyset(&none);
    sigemptyset(&def);
    static const int changed[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD,
                                  SIGUSR1, SIGUSR2, SIGALRM, SIGTTIN, SIGTTOU, SIGTSTP};
    for (size_t i = 0; i < sizeof changed / sizeof changed[0]; i++)
        sigaddset(&def, changed[i]);
    posix_spawnattr_init(&s->attr);
    posix_spawnattr_setflags(&s->attr, POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK |
                                           POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setpgroup(&s->attr, 0);
    posix_spawnattr_setsigmask(&s->attr, &none);
    posix_spawnattr_setsigdefault(&s->attr, &def);
    return s;
}

void exec__spawner_destroy(exec_spawner *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->cap; i++) {
        free(s->cache[i].name);
        free(s->cache[i].path);
    }
    free(s->cache);
    free(s->buf);
    free(s->words);
    free(s->envp);
    posix_spawnattr_destroy(&s->attr);
    close(s->devnull);
    free(s);
}

/* --- shell strings ------------------------------------------------------------------ */

static int plain_char(unsigned char c)
{
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
        return 1;
    return c != '\0' && strchr("_./,:+@%^=- \t", c) != NULL;
}

/* Words the shell gives a meaning a program of that name would not have. */
static const char *const shell_words[] = {
    "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case",
    "esac", "in", "!", "{", "}", "cd", "exit", "export", "set", "unset", "shift", ".",
    "source", "exec", "eval", "trap", "umask", "ulimit", "wait", "read", "readonly",
    "return", "break", "continue", "times", "alias", "unalias", "type", "command", "hash",
    "getopts", "local", ":", NULL};

int exec__shell_is_plain(const char *s)
{
    for (const char *p = s; *p; p++)
        if (!plain_char((unsigned char)*p))
            return 0;
    s += strspn(s, " \t");
    size_t len = strcspn(s, " \t");
    if (len == 0 || memchr(s, '=', len))
        return 0; /* empty (sh does nothing), or an assignment */
    for (const char *const *k = shell_words; *k; k++)
        if (strlen(*k) == len && memcmp(*k, s, len) == 0)
            return 0;
    return 1;
}

/* Split a plain shell string into s->words (NULL-terminated). NULL when out of memory. */
static const char *const *split_words(exec_spawner *s, const char *str)
{
    size_t len = strlen(str);
    if (grow(&s->buf, &s->buf_cap, len + 1, 1) < 0 ||
        grow(&s->words, &s->words_cap, len / 2 + 2, sizeof *s->words) < 0)
        return NULL;
    memcpy(s->buf, str, len + 1);
    size_t n = 0;
    for (char *p = s->buf; *p;) {
        p += strspn(p, " \t");
        if (!*p)
            break;
        s->words[n++] = p;
        p += strcspn(p, " \t");
        if (*p)
            *p++ = '\0';
    }
    s->words[n] = NULL;
    return s->words;
}

/* --- environment ----------------------------------------------------------------- */

/* environ with the task's KEY=VALUE entries replacing or adding to it, in s->envp. */
static const char *const *task_env(exec_spawner *s, const char *const *env)
{
    size_t n = 0, k = 0;
    while (environ && environ[n])
        n++;
    while (env[k])
        k++;
    if (grow(&s->envp, &s->envp_cap, n + k + 1, sizeof *s->envp) < 0)
        return NULL;
    memcpy(s->envp, environ, n * sizeof *s->envp);
    for (size_t i = 0; i < k; i++) {
        const char *eq = strchr(env[i], '=');
        size_t keylen = eq ? (size_t)(eq - env[i]) + 1 : strlen(env[i]);
        size_t j = 0;
        while (j < n && strncmp(s->envp[j], env[i], keylen) != 0)
            j++;
        s->envp[j] = env[i];
        n += j == n;
    }
    s->envp[n] = NULL;
    return s->envp;
}

/* The PATH a task sees: its own when its env sets one. */
static const char *task_path(const wf_task *t)
{
    for (const char *const *e = t->env; e && *e; e++)
        if (strncmp(*e, "PATH=", 5) == 0)
            return *e + 5;
    return NULL;
}

/* --- PATH lookup ------------------------------------------------------------------- */

static int executable_file(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
           faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0;
}

/* Search PATH for name into out (PATH_MAX). Relative PATH entries (and empty ones, which
 * mean the current directory) are skipped: they would depend on each task's dir. */
static int path_search(const char *path, const char *name, char *out)
{
    if (!path)
        path = "/usr/local/bin:/usr/bin:/bin";
    for (const char *p = path; *p;) {
        size_t len = strcspn(p, ":");
        if (len > 0 && p[0] == '/' &&
            snprintf(out, PATH_MAX, "%.*s/%s", (int)len, p, name) < PATH_MAX &&
            executable_file(out))
            return 0;
        p += len;
        p += *p == ':';
    }
    return -1;
}

static size_t name_hash(const char *s)
{
    size_t h = 14695981039346656037u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int cache_insert(exec_spawner *s, const char *name, const char *path)
{
    if (2 * (s->n + 1) > s->cap) {
        size_t cap = s->cap ? 2 * s->cap : 64;
        path_entry *t = calloc(cap, sizeof *t);
        if (!t)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (!s->cache[i].name)
                continue;
            size_t j = name_hash(s->cache[i].name) & (cap - 1);
            while (t[j].name)
                j = (j + 1) & (cap - 1);
            t[j] = s->cache[i];
        }
        free(s->cache);
        s->cache = t;
        s->cap = cap;
    }
    size_t j = name_hash(name) & (s->cap - 1);
    while (s->cache[j].name)
        j = (j + 1) & (s->cap - 1);
    s->cache[j].name = strdup(name);
    s->cache[j].path = strdup(path);
    if (!s->cache[j].name || !s->cache[j].path) {
        free(s->cache[j].name);
        free(s->cache[j].path);
        s->cache[j].name = s->cache[j].path = NULL;
        return -1;
    }
    s->n++;
    return 0;
}

/* The file to execute for argv[0]: as is when it holds a '/' (relative to the task's
 * dir, which the child enters first), else found in PATH. Found names are cached for the
 * run; names not found are not, so a retry sees a program created meanwhile. NULL when
 * not found. */
static const char *resolve(exec_spawner *s, const wf_task *t, const char *name, char *tmp)
{
    if (strchr(name, '/'))
        return name;
    const char *own = task_path(t);
    if (own)
        return path_search(own, name, tmp) == 0 ? tmp : NULL;
    if (s->cap) {
        for (size_t j = name_hash(name) & (s->cap - 1); s->cache[j].name;
             j = (j + 1) & (s->cap - 1))
            if (strcmp(s->cache[j].name, name) == 0)
                return s->cache[j].path;
    }
    if (path_search(getenv("PATH"), name, tmp) < 0)
        return NULL;
    cache_insert(s, name, tmp); /* out of memory only costs a later lookup */
    return tmp;
}

/* --- spawning ---------------------------------------------------------------------- */

__attribute__((format(printf, 4, 5))) static void fail(exec_result *r, exec_outcome o,
                                                       int code, const char *fmt, ...)
{
    va_list ap;
    r->outcome = o;
    r->code = code;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof r->message, fmt, ap);
    va_end(ap);
}

/* posix_spawn reports a failed chdir and a failed exec alike; look at the directory to
 * tell them apart (only on this error path). */
static void spawn_failed(const wf_task *t, const char *prog, int err, exec_result *r)
{
    struct stat st;
    int dir_err = 0;
    if (stat(t->dir, &st) != 0)
        dir_err = errno;
    else if (!S_ISDIR(st.st_mode))
        dir_err = ENOTDIR;
    else if (faccessat(AT_FDCWD, t->dir, X_OK, AT_EACCESS) != 0)
        dir_err = errno;
    if (dir_err)
        fail(r, EXEC_SPAWN_ERROR, dir_err, "cannot enter directory %s: %s", t->dir,
             strerror(dir_err));
    else if (err == ENOENT)
        fail(r, EXEC_NOT_FOUND, 127, "command not found: %s", prog);
    else if (err == EACCES)
        fail(r, EXEC_NOT_FOUND, 127, "cannot execute %s: %s", prog, strerror(err));
    else
        fail(r, EXEC_SPAWN_ERROR, err, "cannot run %s: %s", prog, strerror(err));
}

pid_t exec__spawn(exec_spawner *s, const wf_task *t, const char *log_path, exec_result *r)
{
    const char **sh_argv = s->sh_argv;
    const char *const *argv = t->argv;
    const char *prog;
    char tmp[PATH_MAX];

    if (!argv && exec__shell_is_plain(t->shell))
        argv = split_words(s, t->shell);
    else if (!argv) {
        sh_argv[0] = "/bin/sh";
        sh_argv[1] = "-c";
        sh_argv[2] = t->shell;
        argv = sh_argv;
    }
    const char *const *envp = t->env ? task_env(s, t->env) : (const char *const *)environ;
    if (!argv || !envp) {
        fail(r, EXEC_SPAWN_ERROR, ENOMEM, "cannot start %s: %s", t->name, strerror(ENOMEM));
        return 0;
    }
    prog = argv == sh_argv ? "/bin/sh" : resolve(s, t, argv[0], tmp);
    if (!prog) {
        fail(r, EXEC_NOT_FOUND, 127, "command not found: %s", argv[0]);
        return 0;
    }

    int fd = -1;
    if (log_path) {
        fd = fd_above_stdio(open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644));
        if (fd < 0) {
            fail(r, EXEC_SPAWN_ERROR, errno, "cannot open log file %s: %s", log_path,
                 strerror(errno));
            return 0;
        }
    }
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, s->devnull, 0);
    if (fd >= 0) {
        posix_spawn_file_actions_adddup2(&fa, fd, 1);
        posix_spawn_file_actions_adddup2(&fa, fd, 2);
    }
    posix_spawn_file_actions_addchdir_np(&fa, t->dir);
    pid_t pid = 0;
    int err = posix_spawn(&pid, prog, &fa, &s->attr, (char *const *)argv,
                          (char *const *)envp);
    posix_spawn_file_actions_destroy(&fa);
    if (fd >= 0)
        close(fd);
    if (err) {
        spawn_failed(t, argv[0], err, r);
        return 0;
    }
    return pid;
}
