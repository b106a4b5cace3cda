/* bench/workflow/spawn_floor.c — the ceiling of any job runner on this machine: start
 * JOBS processes of one command with posix_spawn, keeping SLOTS of them running, and
 * nothing else (no parsing, no scheduling, no logs, no shell, no PATH look-up).
 *
 *     bench-workflow-spawn-floor JOBS SLOTS PROGRAM [ARG...]
 *
 * PROGRAM is a path (/usr/bin/true). Exits 0 when every job exited 0, 1 otherwise, 2 on
 * a usage or spawn error. The workflow group runs it as the system "spawn_floor". */
#define _GNU_SOURCE
#include <errno.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: %s JOBS SLOTS PROGRAM [ARG...]\n", argv[0]);
        return 2;
    }
    long jobs = atol(argv[1]), slots = atol(argv[2]);
    if (jobs < 0 || slots < 1) {
        fprintf(stderr, "%s: JOBS must be >= 0 and SLOTS >= 1\n", argv[0]);
        return 2;
    }
    long started = 0, running = 0, failed = 0;
    while (started < jobs || running > 0) {
        while (started < jobs && running < slots) {
            pid_t pid;
            int rc = posix_spawn(&pid, argv[3], NULL, NULL, argv + 3, environ);
            if (rc != 0) {
                fprintf(stderr, "%s: %s: %s\n", argv[0], argv[3], strerror(rc));
                return 2;
            }
            started++;
            running++;
        }
        int status;
        pid_t done = waitpid(-1, &status, 0);
        if (done < 0) {
            if (errno == EINTR)
                continue;
            perror("waitpid");
            return 2;
        }
        running--;
        failed += !(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    }
    return failed ? 1 : 0;
}
