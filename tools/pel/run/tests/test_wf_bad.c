/* test_wf_bad — every workflow in tests/bad/ must fail to load (or to build its graph)
 * with the message in its .err file: a substring of the error, which begins with the
 * file's own path, so the .err can start at "name.yaml:LINE:COL:". */
#include <dirent.h>
#include <limits.h>
#include <stdlib.h>

#include "check.h"
#include "wf.h"

static int check_file(const char *dir, const char *name)
{
    char path[2 * PATH_MAX], errpath[2 * PATH_MAX], want[1024], err[WF_ERR_LEN];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(errpath, sizeof errpath, "%.*s.err", (int)(strlen(path) - 5), path);
    FILE *f = fopen(errpath, "r");
    if (!f) {
        fprintf(stderr, "%s: no .err file beside it\n", path);
        return 1;
    }
    size_t n = fread(want, 1, sizeof want - 1, f);
    fclose(f);
    while (n > 0 && (want[n - 1] == '\n' || want[n - 1] == '\r')) n--;
    want[n] = '\0';
    CHECK_GT(n, 0);
    wf *w = NULL;
    int rc = wf_load_file(path, &w, err);
    if (rc == 0) {
        rc = wf_graph_build(w, err);
        wf_free(w);
    }
    if (rc == 0) {
        fprintf(stderr, "%s: loaded without error, expected: %s\n", name, want);
        return 1;
    }
    if (!strstr(err, want) || strncmp(err, path, strlen(path)) != 0) {
        fprintf(stderr, "%s:\n  got:      %s\n  expected: ...%s\n", name, err, want);
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    CHECK_EQ(argc, 2);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/bad", argv[1]);
    DIR *d = opendir(dir);
    CHECK(d != NULL);
    int files = 0, failed = 0;
    for (struct dirent *e; (e = readdir(d));) {
        size_t len = strlen(e->d_name);
        if (len < 6 || strcmp(e->d_name + len - 5, ".yaml") != 0) continue;
        files++;
        failed += check_file(dir, e->d_name);
    }
    closedir(d);
    CHECK_GE(files, 20); /* the corpus is there: an empty folder must not pass */
    CHECK_EQ(failed, 0);
    printf("test_wf_bad: %d files ok\n", files);
    return 0;
}
