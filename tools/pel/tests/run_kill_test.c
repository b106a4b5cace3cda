/* run_kill_test.c — `pel run` killed with kill -9 at random moments, then resumed.
 *
 *   run_kill_test PEL TRIALS [SEED]
 *
 * A workflow of 200 tasks in layers writes one file each: a first line, a pause, then a
 * checksum of its inputs (so a task killed in its pause leaves a half-written file), and
 * every start appends the task's number to runs.log. A clean run gives the reference
 * outputs. Then each trial, in a fresh directory: start pel, kill -9 it (the process we
 * started, or on odd trials its worker child) after a random delay, and check
 *   - no orphan: within 3 s no process is left whose working directory is the trial's,
 *     and pel's other half exits too;
 *   - what `pel run -n` calls up to date has the reference content (no half-written
 *     output trusted);
 *   - resuming exits 0, runs none of the up-to-date tasks (0 completed tasks re-run) and
 *     every other task exactly once (0 lost), and leaves outputs equal to the reference.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define TASKS 200
#define WIDTH 20 /* tasks per layer; task i >= WIDTH reads the outputs of two tasks above */

static const char *pel;
static char root[PATH_MAX];

#define FAIL(...)                                                                          \
    do {                                                                                   \
        fprintf(stderr, "FAIL: " __VA_ARGS__);                                             \
        fputc('\n', stderr);                                                               \
        exit(1);                                                                           \
    } while (0)

/* out = dir + "/" + printf(fmt, ...): paths here are short, under the test's mkdtemp. */
static void __attribute__((format(printf, 3, 4))) pathf(char out[PATH_MAX], const char *dir,
                                                         const char *fmt, ...)
{
    char tail[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(tail, sizeof tail, fmt, ap);
    va_end(ap);
    if ((size_t)snprintf(out, PATH_MAX, "%s/%s", dir, tail) >= PATH_MAX)
        FAIL("path too long: %s/%s", dir, tail);
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void write_workflow(const char *dir)
{
    char path[PATH_MAX];
    pathf(path, dir, "wf.yaml");
    FILE *f = fopen(path, "w");
    if (!f)
        FAIL("cannot write %s: %s", path, strerror(errno));
    fprintf(f, "tasks:\n");
    for (int i = 0; i < TASKS; i++) {
        fprintf(f, "  - name: t%d\n", i);
        if (i < WIDTH) {
            fprintf(f, "    run: echo %d >> runs.log; { echo %d; sleep 0.01; echo %d | cksum; } "
                       "> out/%d.txt\n", i, i, i * 7, i);
        } else {
            int a = i - WIDTH, b = i - WIDTH + 1 - (i % WIDTH == WIDTH - 1 ? WIDTH : 0);
            fprintf(f, "    run: echo %d >> runs.log; { echo %d; sleep 0.01; cat out/%d.txt "
                       "out/%d.txt | cksum; } > out/%d.txt\n", i, i, a, b, i);
            fprintf(f, "    inputs: [out/%d.txt, out/%d.txt]\n", a, b);
        }
        fprintf(f, "    outputs: [out/%d.txt]\n", i);
    }
    if (fclose(f) != 0)
        FAIL("cannot write %s", path);
}

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t cap = 0, n = 0, r;
    do {
        if (n + 4096 + 1 > cap && !(buf = realloc(buf, cap = 2 * cap + 8192)))
            FAIL("out of memory");
        r = fread(buf + n, 1, 4096, f);
        n += r;
    } while (r > 0);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Start `pel run ARGS... DIR/wf.yaml` with stdout to DIR/OUT; returns its pid. */
static pid_t start_pel(const char *dir, const char *out, int dry_run)
{
    fflush(stdout); /* the child's freopen would write our buffered lines again */
    pid_t pid = fork();
    if (pid < 0)
        FAIL("fork: %s", strerror(errno));
    if (pid == 0) {
        char wf[PATH_MAX], o[PATH_MAX];
        pathf(wf, dir, "wf.yaml");
        pathf(o, dir, "%s", out);
        if (!freopen(o, "w", stdout))
            _exit(126);
        if (dry_run)
            execl(pel, pel, "run", "-n", "-j", "3", wf, (char *)NULL);
        else
            execl(pel, pel, "run", "-q", "-j", "3", "--kill-grace", "0.5", wf, (char *)NULL);
        _exit(127);
    }
    return pid;
}

static int wait_status(pid_t pid)
{
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            FAIL("waitpid: %s", strerror(errno));
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static void run_pel(const char *dir, const char *out, int dry_run)
{
    int rc = wait_status(start_pel(dir, out, dry_run));
    if (rc != 0)
        FAIL("pel run%s in %s exited %d", dry_run ? " -n" : "", dir, rc);
}

/* Processes whose working directory is `dir` (the tasks run there), other than us. */
static int processes_in(const char *dir, char *first, size_t len)
{
    DIR *d = opendir("/proc");
    if (!d)
        FAIL("opendir /proc: %s", strerror(errno));
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        if (*end || pid <= 0 || pid == getpid())
            continue;
        char link[64], cwd[PATH_MAX];
        snprintf(link, sizeof link, "/proc/%ld/cwd", pid);
        ssize_t r = readlink(link, cwd, sizeof cwd - 1);
        if (r <= 0)
            continue;
        cwd[r] = '\0';
        if (strcmp(cwd, dir) == 0 && n++ == 0) {
            char cmd[PATH_MAX];
            snprintf(link, sizeof link, "/proc/%ld/cmdline", pid);
            FILE *f = fopen(link, "r");
            size_t m = f ? fread(cmd, 1, sizeof cmd - 1, f) : 0;
            if (f)
                fclose(f);
            for (size_t k = 0; k < m; k++)
                cmd[k] = cmd[k] ? cmd[k] : ' ';
            cmd[m] = '\0';
            snprintf(first, len, "pid %ld: %s", pid, cmd);
        }
    }
    closedir(d);
    return n;
}

static void expect_no_orphans(const char *dir, const char *when)
{
    char first[PATH_MAX + 64] = "";
    double t0 = now();
    while (processes_in(dir, first, sizeof first) > 0) {
        if (now() - t0 > 3.0)
            FAIL("%s: orphan processes left in %s (%s)", when, dir, first);
        usleep(10000);
    }
}

/* The worker: pel's only child (the guard splits pel in two). 0 if none yet. */
static pid_t worker_of(pid_t pel_pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/task/%d/children", pel_pid, pel_pid);
    FILE *f = fopen(path, "r");
    int child = 0;
    if (f) {
        if (fscanf(f, "%d", &child) != 1)
            child = 0;
        fclose(f);
    }
    return child;
}

/* Every process pel left behind comes to us (we are a subreaper): its worker, when the
 * process we started was the one killed, must stop its tasks and exit within 5 s. */
static void reap_all(const char *when)
{
    double t0 = now();
    for (;;) {
        pid_t p = waitpid(-1, NULL, WNOHANG);
        if (p < 0 && errno == ECHILD)
            return;
        if (p == 0) {
            if (now() - t0 > 5.0)
                FAIL("%s: a process pel started is still running after 5 s", when);
            usleep(5000);
        }
    }
}

static char *reference[TASKS];

static void check_trial(const char *dir, int trial)
{
    char path[PATH_MAX];
    /* Which tasks does pel trust now? */
    run_pel(dir, "plan.txt", 1);
    pathf(path, dir, "plan.txt");
    char *plan = read_file(path);
    if (!plan)
        FAIL("trial %d: no dry-run output", trial);
    int done[TASKS] = {0}, n_done = 0;
    for (char *line = strtok(plan, "\n"); line; line = strtok(NULL, "\n")) {
        int i;
        if (sscanf(line, "skip t%d:", &i) == 1 && i >= 0 && i < TASKS) {
            done[i] = 1;
            n_done++;
        }
    }
    free(plan);
    for (int i = 0; i < TASKS; i++) {
        if (!done[i])
            continue;
        pathf(path, dir, "out/%d.txt", i);
        char *got = read_file(path);
        if (!got || strcmp(got, reference[i]) != 0)
            FAIL("trial %d: t%d is trusted but out/%d.txt is %s", trial, i, i,
                 got ? "not the reference content" : "missing");
        free(got);
    }
    /* Resume, counting executions from here on. */
    pathf(path, dir, "runs.log");
    if (truncate(path, 0) != 0 && errno != ENOENT)
        FAIL("truncate %s: %s", path, strerror(errno));
    run_pel(dir, "resume.txt", 0);
    expect_no_orphans(dir, "after the resumed run");
    int runs[TASKS] = {0};
    char *log = read_file(path);
    for (char *line = log ? strtok(log, "\n") : NULL; line; line = strtok(NULL, "\n")) {
        int i = atoi(line);
        if (i >= 0 && i < TASKS)
            runs[i]++;
    }
    free(log);
    for (int i = 0; i < TASKS; i++) {
        if (done[i] && runs[i] != 0)
            FAIL("trial %d: t%d was complete but ran again", trial, i);
        if (!done[i] && runs[i] != 1)
            FAIL("trial %d: t%d ran %d times on resume (expected once)", trial, i, runs[i]);
        pathf(path, dir, "out/%d.txt", i);
        char *got = read_file(path);
        if (!got || strcmp(got, reference[i]) != 0)
            FAIL("trial %d: after resume out/%d.txt differs from a clean run", trial, i);
        free(got);
    }
    printf("trial %d: %d tasks complete at the kill, %d re-run\n", trial, n_done, TASKS - n_done);
}

static void make_dir(char *out, size_t len, const char *name)
{
    (void)len;
    pathf(out, root, "%s", name);
    if (mkdir(out, 0777) != 0)
        FAIL("mkdir %s: %s", out, strerror(errno));
    write_workflow(out);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s PEL TRIALS [SEED]\n", argv[0]);
        return 2;
    }
    pel = argv[1];
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
        FAIL("prctl(PR_SET_CHILD_SUBREAPER): %s", strerror(errno));
    int trials = atoi(argv[2]);
    unsigned seed = argc > 3 ? (unsigned)atoi(argv[3]) : (unsigned)time(NULL);
    srand(seed);
    printf("seed %u\n", seed);
    char tmpl[] = "/tmp/pel-kill-test.XXXXXX";
    if (!mkdtemp(tmpl))
        FAIL("mkdtemp: %s", strerror(errno));
    if (!realpath(tmpl, root))
        FAIL("realpath: %s", strerror(errno));

    char dir[PATH_MAX], path[PATH_MAX];
    make_dir(dir, sizeof dir, "clean");
    double t0 = now();
    run_pel(dir, "out.txt", 0);
    double clean = now() - t0;
    for (int i = 0; i < TASKS; i++) {
        pathf(path, dir, "out/%d.txt", i);
        if (!(reference[i] = read_file(path)))
            FAIL("clean run: out/%d.txt missing", i);
    }
    printf("clean run: %.2f s\n", clean);

    for (int trial = 0; trial < trials; trial++) {
        char name[32];
        snprintf(name, sizeof name, "trial-%d", trial);
        make_dir(dir, sizeof dir, name);
        pid_t pid = start_pel(dir, "out.txt", 0);
        double delay = clean * 1.1 * rand() / (double)RAND_MAX;
        usleep((useconds_t)(delay * 1e6));
        pid_t victim = pid;
        if (trial % 2 == 1 && (victim = worker_of(pid)) == 0)
            victim = pid;
        kill(victim, SIGKILL);
        int rc = wait_status(pid);
        (void)rc; /* killed, or already finished if the delay outlasted the run */
        expect_no_orphans(dir, "after kill -9");
        reap_all("after kill -9");
        check_trial(dir, trial);
        char cmd[PATH_MAX + 16];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            FAIL("cannot remove %s", dir);
    }
    char cmd[PATH_MAX + 16];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (system(cmd) != 0)
        FAIL("cannot remove %s", root);
    for (int i = 0; i < TASKS; i++)
        free(reference[i]);
    printf("%d trials passed\n", trials);
    return 0;
}
