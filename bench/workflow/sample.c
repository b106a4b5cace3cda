/* bench/workflow/sample.c — one sample: one run of a system's command, timed from just
 * before posix_spawn to the end of wait4.
 *
 * The command runs in its own process group (a timeout kills the whole group) with stdin
 * from /dev/null, stdout to /dev/null (or to a file, for the warm-up of the 100k case,
 * whose lines are counted) and stderr to `stderr.log` in its directory (shown when it
 * fails). wait4's resource usage covers the process and every descendant it waited for,
 * so cpu_s is the CPU time of the whole tree (the tool and all its jobs) and max_rss_kb
 * the largest resident set of any process in it. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../driver.h"
#include "workflow.h"

extern char **environ;

/* Wait for pid for at most timeout_s seconds (a pidfd, where the kernel has them);
 * 0 when it has ended, -1 when the time ran out. */
static int wait_exit(pid_t pid, double timeout_s)
{
#ifdef SYS_pidfd_open
    int fd = (int)syscall(SYS_pidfd_open, pid, 0);
    if (fd >= 0) {
        double end = now_s() + timeout_s;
        int r;
        do {
            struct pollfd p = {fd, POLLIN, 0};
            int left_ms = (int)((end - now_s()) * 1000);
            r = left_ms > 0 ? poll(&p, 1, left_ms) : 0;
        } while (r < 0 && errno == EINTR);
        close(fd);
        return r > 0 ? 0 : -1;
    }
#endif
    (void)pid;
    (void)timeout_s;
    return 0; /* no pidfd: wait4 blocks without a limit */
}

static void show_stderr(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return;
    char tail[2048];
    if (fseek(f, -(long)(sizeof tail - 1), SEEK_END) != 0)
        rewind(f);
    size_t got = fread(tail, 1, sizeof tail - 1, f);
    tail[got] = '\0';
    fclose(f);
    if (got)
        fprintf(stderr, "bench: its stderr ends with:\n%s%s", tail,
                tail[got - 1] == '\n' ? "" : "\n");
}

void wf_run(const wf_command *cmd, int to_file, wf_sample *out)
{
    *out = (wf_sample){0, 0, 0, -1};
    char err_path[4200];
    snprintf(err_path, sizeof err_path, "%s/stderr.log", cmd->dir);
    const char *out_path = to_file && cmd->stdout_path[0] ? cmd->stdout_path : "/dev/null";

    posix_spawn_file_actions_t fa;
    posix_spawnattr_t attr;
    posix_spawn_file_actions_init(&fa);
    posix_spawnattr_init(&attr);
    posix_spawn_file_actions_addchdir_np(&fa, cmd->dir);
    posix_spawn_file_actions_addopen(&fa, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, out_path, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawn_file_actions_addopen(&fa, STDERR_FILENO, err_path, O_WRONLY | O_CREAT | O_TRUNC,
                                     0644);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
    posix_spawnattr_setpgroup(&attr, 0);

    pid_t pid;
    double t0 = now_s();
    int rc = posix_spawnp(&pid, cmd->argv[0], &fa, &attr, cmd->argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&attr);
    if (rc != 0) {
        fail("cannot run %s: %s", cmd->argv[0], strerror(rc));
        return;
    }
    int timed_out = wait_exit(pid, WF_SAMPLE_TIMEOUT_S) != 0;
    if (timed_out)
        kill(-pid, SIGKILL);
    int status;
    struct rusage ru;
    while (wait4(pid, &status, 0, &ru) < 0 && errno == EINTR) {
    }
    double t1 = now_s();
    if (timed_out) {
        fail("%s timed out after %d s (in %s)", cmd->argv[0], WF_SAMPLE_TIMEOUT_S, cmd->dir);
        return;
    }
    out->wall_s = t1 - t0;
    out->cpu_s = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
                 (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
    out->max_rss_kb = ru.ru_maxrss;
    out->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (out->status != 0) {
        fprintf(stderr, "bench: error: `");
        for (int i = 0; cmd->argv[i]; i++)
            fprintf(stderr, "%s%s", i ? " " : "", cmd->argv[i]);
        fprintf(stderr, "` (in %s) exited with status %d\n", cmd->dir, out->status);
        exit_status = 1;
        show_stderr(err_path);
    }
}

static int remove_one(const char *path, const struct stat *st, int type, struct FTW *ftw)
{
    (void)st;
    (void)ftw;
    return (type == FTW_DP ? rmdir(path) : unlink(path)) == 0 || errno == ENOENT ? 0 : -1;
}

int wf_remove_tree(const char *path)
{
    if (access(path, F_OK) != 0)
        return 0;
    return nftw(path, remove_one, 32, FTW_DEPTH | FTW_PHYS);
}

long wf_count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    long lines = 0;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof buf, f)) > 0)
        for (size_t i = 0; i < got; i++)
            lines += buf[i] == '\n';
    fclose(f);
    return lines;
}
