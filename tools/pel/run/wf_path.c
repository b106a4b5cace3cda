#include "wf_path.h"

#include <string.h>

size_t wf_path_normalise(const char *src, size_t len, char *dst)
{
    size_t n = 0;
    size_t i = 0;
    while (i < len) {
        while (i < len && src[i] == '/') i++;
        size_t start = i;
        while (i < len && src[i] != '/') i++;
        size_t clen = i - start;
        if (clen == 0 || (clen == 1 && src[start] == '.')) continue;
        if (clen == 2 && src[start] == '.' && src[start + 1] == '.') {
            while (n > 0 && dst[n - 1] != '/') n--;
            if (n > 0) n--; /* the '/' before the dropped component */
            continue;
        }
        dst[n++] = '/';
        memmove(dst + n, src + start, clen);
        n += clen;
    }
    if (n == 0) dst[n++] = '/';
    dst[n] = '\0';
    return n;
}

const char *wf_path_resolve(wf_arena *a, const char *dir, const char *p, size_t len)
{
    size_t dlen = (len > 0 && p[0] == '/') ? 0 : strlen(dir);
    char *buf = wf_arena_chars(a, dlen + 1 + len + 2);
    if (!buf) return NULL;
    /* Normalising only ever shortens, so it can run in place over the joined text. */
    memcpy(buf, dir, dlen);
    buf[dlen] = '/';
    memcpy(buf + dlen + 1, p, len);
    size_t n = wf_path_normalise(buf, dlen + 1 + len, buf);
    wf_arena_trim(a, buf, n + 1);
    return buf;
}
