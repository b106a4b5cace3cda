/* test_diagnose.c — pel_diagnose on a flow that is stuck behind a blocked task, and the
 * SIGUSR1 route to the same report.
 *
 * A task named "blocker" waits until the test releases it; "after" reads what it
 * writes, so it waits for it; "free" is independent and finishes. The report must name
 * the worker running "blocker", list "after" as waiting for 1 dependency, namely
 * "blocker", and not list "free". Then SIGUSR1 must print the same report to stderr.
 */
#include <pel.h>
#include <signal.h>
#include <stdatomic.h>
#include <unistd.h>

#include "check.h"

static atomic_int release_blocker, blocker_started, free_done;

static int blocker(pel_flow_task *task, void *arg)
{
    (void)task;
    (void)arg;
    atomic_store(&blocker_started, 1);
    while (!atomic_load(&release_blocker)) usleep(1000);
    return 0;
}

static int quick(pel_flow_task *task, void *arg)
{
    (void)task;
    if (arg) atomic_store((atomic_int *)arg, 1);
    return 0;
}

/* Run the diagnosis into a string. */
static char *diagnose_to_string(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *mem = open_memstream(&buf, &len);
    CHECK(mem != NULL);
    CHECK_EQ(pel_diagnose(mem), PEL_OK);
    fclose(mem);
    return buf;
}

int main(void)
{
    int workers = test_workers();
    if (workers < 2) workers = 2; /* one worker is blocked; one must stay free */
    pel_config cfg;
    pel_config_init(&cfg);
    cfg.num_workers = workers;
    pel_runtime *rt;
    CHECK_EQ(pel_runtime_create(&cfg, &rt), PEL_OK);
    CHECK_EQ(pel_diagnose(NULL), PEL_EINVAL);

    pel_flow *f;
    CHECK_EQ(pel_flow_create(rt, NULL, &f), PEL_OK);
    int x = 0, y = 0;
    pel_data hx, hy;
    CHECK_EQ(pel_data_register(f, &x, sizeof x, &hx), PEL_OK);
    CHECK_EQ(pel_data_register(f, &y, sizeof y, &hy), PEL_OK);
    pel_access wx[] = {{hx, PEL_WRITE}}, rx[] = {{hx, PEL_READ}}, wy[] = {{hy, PEL_WRITE}};
    CHECK_EQ(pel_submit(f, &(pel_task_desc){.fn = blocker, .access = wx, .naccess = 1,
                                            .name = "blocker"}), PEL_OK);
    CHECK_EQ(pel_submit(f, &(pel_task_desc){.fn = quick, .access = rx, .naccess = 1,
                                            .name = "after"}), PEL_OK);
    CHECK_EQ(pel_submit(f, &(pel_task_desc){.fn = quick, .arg = &free_done, .access = wy,
                                            .naccess = 1, .name = "free"}), PEL_OK);
    while (!atomic_load(&blocker_started) || !atomic_load(&free_done)) usleep(1000);
    /* "free" has returned; its worker finishes it (seals its record) right after. */
    char *report = diagnose_to_string();
    for (int tries = 0; tries < 5000 && strstr(report, "'free'"); tries++) {
        free(report);
        usleep(1000);
        report = diagnose_to_string();
    }
    fputs(report, stdout);
    CHECK(strstr(report, "running dataflow task 'blocker'") != NULL);
    char *after = strstr(report, "'after' (#");
    CHECK(after != NULL);
    char *line_end = strchr(after, '\n');
    CHECK(line_end != NULL);
    *line_end = 0;
    CHECK(strstr(after, "waiting, for 1: 'blocker'") != NULL);
    *line_end = '\n';
    CHECK(strstr(report, "'free'") == NULL);
    CHECK(strstr(report, "2 pending tasks") != NULL);
    for (int i = 0; i < workers; i++) {
        char label[32];
        snprintf(label, sizeof label, "  worker %d: ", i);
        CHECK(strstr(report, label) != NULL);
    }
    free(report);

    /* SIGUSR1: the same report, on stderr (redirected to a file here). */
    char path[] = "/tmp/pel_diagnose_XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    CHECK(dup2(fd, 2) == 2);
    CHECK_EQ(raise(SIGUSR1), 0);
    char text[8192] = {0};
    for (int tries = 0; tries < 500 && !strstr(text, "'after'"); tries++) {
        usleep(10000);
        ssize_t n = pread(fd, text, sizeof text - 1, 0);
        if (n > 0) text[n] = 0;
    }
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    unlink(path);
    CHECK(strstr(text, "running dataflow task 'blocker'") != NULL);
    CHECK(strstr(text, "'after'") != NULL);

    atomic_store(&release_blocker, 1);
    CHECK_EQ(pel_flow_wait(f), PEL_OK);
    char *done = diagnose_to_string();
    CHECK(strstr(done, "0 pending tasks") != NULL);
    free(done);
    CHECK_EQ(pel_flow_destroy(f), PEL_OK);
    CHECK_EQ(pel_runtime_destroy(rt), PEL_OK);
    return 0;
}
