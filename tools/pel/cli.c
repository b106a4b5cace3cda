/* cli.c — messages, option helpers and output files shared by the subcommands. */
#include "cli.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

void pel_error(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pel: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

void pel_warn(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("pel: warning: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

int cli_is_help(const char *arg)
{
    return strcmp(arg, "-h") == 0 || strcmp(arg, "--help") == 0;
}

int cli_opt_value(int argc, char **argv, int *i, const char *shortopt, const char *longopt,
                  const char **value)
{
    const char *a = argv[*i];
    size_t n = strlen(longopt);
    if (strncmp(a, longopt, n) == 0 && a[n] == '=') {
        *value = a + n + 1;
        return 1;
    }
    if (strcmp(a, longopt) != 0 && (shortopt == NULL || strcmp(a, shortopt) != 0))
        return 0;
    if (*i + 1 >= argc) {
        pel_error("option %s needs a value", a);
        return -1;
    }
    *value = argv[++*i];
    return 1;
}

int cli_parse_ulong(const char *opt, const char *s, unsigned long min, unsigned long max,
                    unsigned long *out)
{
    char *end;
    errno = 0;
    /* strtoul accepts a sign and wraps "-1" around: refuse anything but digits. */
    if (*s < '0' || *s > '9') {
        pel_error("%s: '%s' is not a number", opt, s);
        return -1;
    }
    unsigned long v = strtoul(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < min || v > max) {
        pel_error("%s: '%s' is not a number from %lu to %lu", opt, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

/* Remove a half-written output, but only a regular file: as root, removing a device
 * such as /dev/full (or a FIFO) would damage the system. */
static void remove_partial(const char *path)
{
    struct stat st;
    if (stat(path, &st) == 0 && S_ISREG(st.st_mode))
        remove(path);
}

FILE *out_open(const char *path)
{
    if (strcmp(path, "-") == 0)
        return stdout;
    FILE *f = fopen(path, "w");
    if (f == NULL)
        pel_error("%s: cannot write: %s", path, strerror(errno));
    return f;
}

int out_close(FILE *f, const char *path)
{
    int bad = fflush(f) != 0 || ferror(f);
    int err = errno;
    if (f == stdout) {
        if (bad)
            pel_error("standard output: write error: %s", strerror(err));
        return bad ? -1 : 0;
    }
    if (fclose(f) != 0 && !bad) {
        bad = 1;
        err = errno;
    }
    if (bad) {
        pel_error("%s: write error: %s", path, strerror(err));
        remove_partial(path);
        return -1;
    }
    return 0;
}

void out_abandon(FILE *f, const char *path)
{
    if (f == stdout) {
        fflush(f);
        return;
    }
    fclose(f);
    remove_partial(path);
}

int mkdir_p(const char *dir)
{
    char buf[PATH_MAX];
    size_t n = strlen(dir);
    if (n == 0 || n >= sizeof buf)
        return errno = n ? ENAMETOOLONG : ENOENT, -1;
    memcpy(buf, dir, n + 1);
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(buf, 0777) != 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) != 0 && errno != EEXIST)
        return -1;
    struct stat st;
    if (stat(buf, &st) != 0)
        return -1;
    return S_ISDIR(st.st_mode) ? 0 : (errno = ENOTDIR, -1);
}
