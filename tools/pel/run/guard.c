/* guard.c — no orphans, even when pel is killed with kill -9.
 *
 * exec_guard_start forks. The process the user started (the guardian) becomes a child
 * subreaper first, so that whatever its descendants leave behind is reparented to it
 * rather than to init; then it only waits. The child (the worker) runs pel.
 *
 * - The guardian is killed: the worker holds the read end of a pipe whose write end only
 *   the guardian holds. The kernel closes it when the guardian dies however it dies, the
 *   worker's event loop sees EOF, kills every running task's process group and exits.
 * - The worker is killed: its tasks are reparented to the guardian, which sees the
 *   worker die by a signal, SIGKILLs the process group of each child it now has (again
 *   and again, since killing a task reparents its children in turn), reaps them all and
 *   exits with 128 + the signal.
 * - Otherwise the guardian exits with the worker's status; a task's background process
 *   that outlives its task is left alone, as make does.
 *
 * Signals: a terminal's SIGINT/SIGQUIT/SIGHUP reaches the worker directly (same
 * foreground process group), so the guardian ignores those that the kernel sent and
 * forwards those sent by a process (kill PID names the guardian, which is $! to a
 * script). SIGTERM is forwarded likewise.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "exec_internal.h"

static int guard_fd = -1;         /* worker: read end of the guardian's pipe */
static volatile pid_t worker_pid; /* guardian: whom to forward signals to */

int exec__guard_fd(void)
{
    return guard_fd;
}

static void forward_signal(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    if (si->si_code != SI_KERNEL) /* a terminal's signal already reached the worker */
        kill(worker_pid, sig);
}

/* The parent pid and process group of pid from /proc/PID/stat; -1 when gone. The command
 * name in parentheses may hold anything, so the fields are read after its last ')'. */
static int proc_parent(pid_t pid, pid_t *ppid, pid_t *pgrp)
{
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (n <= 0)
        return -1;
    buf[n] = '\0';
    char *p = strrchr(buf, ')');
    int pp, pg;
    if (!p || sscanf(p + 1, " %*c %d %d", &pp, &pg) != 2)
        return -1;
    *ppid = pp;
    *pgrp = pg;
    return 0;
}

/* SIGKILL every child of this process and its process group. The number signalled. */
static int kill_children(void)
{
    pid_t self = getpid();
    int n = 0;
    DIR *d = opendir("/proc");
    if (!d)
        return 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        char *end;
        long pid = strtol(e->d_name, &end, 10);
        pid_t ppid, pgrp;
        if (*end || pid <= 0 || proc_parent((pid_t)pid, &ppid, &pgrp) < 0 || ppid != self)
            continue;
        if (pgrp > 1 && pgrp != getpgrp())
            kill(-pgrp, SIGKILL);
        kill((pid_t)pid, SIGKILL);
        n++;
    }
    closedir(d);
    return n;
}

/* The guardian's life after the fork: wait for the worker, reaping whatever else is
 * reparented to it meanwhile; never returns. */
static void guardian(pid_t worker)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = forward_signal;
    /* No SA_RESTART: waitpid returns EINTR, which also lets a runtime that defers
     * handlers to a safe point (TSan) run this one promptly. */
    sa.sa_flags = SA_SIGINFO;
    sigemptyset(&sa.sa_mask);
    worker_pid = worker;
    static const int forwarded[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};
    for (size_t i = 0; i < sizeof forwarded / sizeof forwarded[0]; i++)
        sigaction(forwarded[i], &sa, NULL);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);

    int st = 0;
    for (;;) {
        pid_t p = waitpid(-1, &st, 0);
        if (p == worker)
            break;
        if (p < 0 && errno != EINTR)
            _exit(125); /* no worker to wait for: cannot happen */
    }
    if (!WIFSIGNALED(st))
        _exit(WIFEXITED(st) ? WEXITSTATUS(st) : 125);
    /* Kill and reap until no child is left; each round catches what the last one's
     * victims left behind. */
    for (;;) {
        kill_children();
        pid_t p = waitpid(-1, NULL, 0);
        if (p < 0 && errno == ECHILD)
            break;
    }
    _exit(128 + WTERMSIG(st));
}

int exec_guard_start(void)
{
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) < 0) {
        fprintf(stderr, "pel run: warning: cannot start the guard: pipe: %s\n",
                strerror(errno));
        return -1;
    }
    if (prctl(PR_SET_CHILD_SUBREAPER, 1) < 0) {
        fprintf(stderr, "pel run: warning: cannot start the guard: subreaper: %s\n",
                strerror(errno));
        close(fds[0]);
        close(fds[1]);
        return -1;
    }
    /* Signals wait until the guardian has its handlers; the worker gets its mask back. */
    sigset_t all, old;
    sigfillset(&all);
    sigprocmask(SIG_SETMASK, &all, &old);
    fflush(NULL); /* the guardian never writes: nothing buffered may be written twice */
    pid_t pid = fork();
    if (pid < 0) {
        int err = errno;
        sigprocmask(SIG_SETMASK, &old, NULL);
        prctl(PR_SET_CHILD_SUBREAPER, 0);
        close(fds[0]);
        close(fds[1]);
        fprintf(stderr, "pel run: warning: cannot start the guard: fork: %s\n",
                strerror(err));
        return -1;
    }
    if (pid > 0) {
        close(fds[0]);
        guardian(pid); /* keeps fds[1] open until it exits: that is the point */
    }
    close(fds[1]);
    guard_fd = fds[0];
    /* The worker is not a subreaper: its tasks' orphans go to the guardian. SIGCHLD
     * stays blocked in every thread the worker creates from here on, so that the kernel
     * cannot hand it to a thread that is not waiting for it; exec_run reads it from a
     * signalfd. */
    prctl(PR_SET_CHILD_SUBREAPER, 0);
    sigaddset(&old, SIGCHLD);
    sigprocmask(SIG_SETMASK, &old, NULL);
    return 0;
}
