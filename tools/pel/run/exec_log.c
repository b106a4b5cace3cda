/* exec_log.c — log file names (exec_log_path) and the tail of a log (exec_log_tail). */
#include "exec_log.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "exec.h"

static int log_name_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '.' || c == '_' || c == '-';
}

/* FNV-1a: only needs to make two different names that sanitize alike differ. */
static uint32_t name_hash(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

/* Room for the name part of a log file: NAME_MAX less ".log" and the "-" + 8 hex digits of
 * the name hash that a changed name gets. */
#define LOG_NAME_MAX (NAME_MAX - 4 - 9)

const char *exec_log_path(const char *log_dir, const char *task_name, char *buf)
{
    char name[LOG_NAME_MAX + 10];
    size_t n = 0;
    int changed = 0;
    const char *p;

    for (p = task_name; *p && n < LOG_NAME_MAX; p++) {
        unsigned char c = (unsigned char)*p;
        name[n++] = log_name_char(c) ? (char)c : '_';
        changed |= !log_name_char(c);
    }
    /* Truncated, empty, or "."/".." (which would not be plain files next to others):
     * all need the hash to stay unique. */
    changed |= *p != '\0' || n == 0 || strcmp(task_name, ".") == 0 ||
               strcmp(task_name, "..") == 0;
    if (changed)
        n += (size_t)snprintf(name + n, sizeof name - n, "-%08x", name_hash(task_name));
    name[n] = '\0';
    snprintf(buf, PATH_MAX, "%s/%s.log", log_dir, name);
    return buf;
}

const char *exec_outcome_name(exec_outcome o)
{
    static const char *const names[] = {
        [EXEC_OK] = "ok",
        [EXEC_EXIT] = "exit",
        [EXEC_SIGNAL] = "signal",
        [EXEC_TIMEOUT] = "timeout",
        [EXEC_NOT_FOUND] = "not found",
        [EXEC_SPAWN_ERROR] = "spawn error",
        [EXEC_REJECTED] = "rejected",
        [EXEC_INTERRUPTED] = "interrupted",
    };
    if ((unsigned)o < sizeof names / sizeof names[0] && names[o])
        return names[o];
    return "unknown";
}

/* Where the last `lines` lines of fd start: read backwards in blocks, counting newlines
 * (a newline that ends the file does not start a line). */
static off_t tail_start(int fd, off_t size, unsigned lines)
{
    char block[4096];
    off_t end = size;
    unsigned seen = 0;

    while (end > 0) {
        size_t len = end < (off_t)sizeof block ? (size_t)end : sizeof block;
        off_t at = end - (off_t)len;
        ssize_t got = pread(fd, block, len, at);
        if (got != (ssize_t)len)
            return -1;
        for (size_t i = len; i-- > 0;) {
            if (block[i] != '\n' || at + (off_t)i == size - 1)
                continue;
            if (++seen == lines)
                return at + (off_t)i + 1;
        }
        end = at;
    }
    return 0;
}

int exec_log_tail(const char *path, unsigned lines, FILE *out)
{
    char block[4096];
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    off_t size = lseek(fd, 0, SEEK_END);
    off_t at = size > 0 && lines > 0 ? tail_start(fd, size, lines) : size;
    char last = '\n';
    int rc = 0;

    while (rc == 0 && at >= 0 && at < size) {
        ssize_t got = pread(fd, block, sizeof block, at);
        if (got <= 0)
            break;
        if (fwrite(block, 1, (size_t)got, out) != (size_t)got)
            rc = -1;
        last = block[got - 1];
        at += got;
    }
    if (at < 0 || size < 0)
        rc = -1;
    int saved = errno;
    close(fd);
    if (rc == 0 && last != '\n' && fputc('\n', out) == EOF)
        rc = -1;
    errno = saved;
    return rc;
}
