/* journal_codec.c — the journal's bytes: encoding records and decoding them defensively.
 *
 * Every integer is little-endian and fixed-width; strings are a u32 length then the bytes
 * (no NUL); a double travels as the u64 of its bits. Decoding trusts nothing: each length
 * is checked against both its bound (JR_MAX_*) and the bytes actually left before anything
 * is read, the checksum must match, and the payload must be consumed exactly. So a record
 * decodes only if it is byte for byte one that jr_encode_* wrote (up to a 2^-64 chance of
 * an XXH3 collision), and damage at any byte only ends the valid prefix there.
 */
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "journal_internal.h"

int jr_buf_reserve(jr_buf *b, size_t more)
{
    if (b->cap - b->len >= more) return 0;
    size_t cap = b->cap ? b->cap : 4096;
    while (cap - b->len < more) cap *= 2;
    uint8_t *p = realloc(b->p, cap);
    if (!p) {
        errno = ENOMEM;
        return -1;
    }
    b->p = p;
    b->cap = cap;
    return 0;
}

void jr_buf_free(jr_buf *b)
{
    free(b->p);
    b->p = NULL;
    b->len = b->cap = 0;
}

/* Writers: the caller reserved the room (jr_encode_* compute the exact size first). */
static uint8_t *put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static uint8_t *put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++) p[i] = (uint8_t)(v >> (8 * i));
    return p + 8;
}

static uint8_t *put_str(uint8_t *p, const char *s, size_t len)
{
    p = put_u32(p, (uint32_t)len);
    memcpy(p, s, len);
    return p + len;
}

static uint64_t double_bits(double d)
{
    uint64_t u;
    memcpy(&u, &d, sizeof u);
    return u;
}

static uint8_t *put_fp(uint8_t *p, const jr_fp *fp)
{
    *p++ = fp->exists ? 1 : 0;
    p = put_u64(p, fp->size);
    p = put_u64(p, (uint64_t)fp->mtime_ns);
    p = put_u64(p, fp->ino);
    return put_u64(p, fp->hash);
}

static uint32_t get_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_u64(const uint8_t *p)
{
    return (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
}

void jr_encode_header(uint8_t out[JR_HEADER_LEN])
{
    memcpy(out, JR_FILE_MAGIC, 8);
    put_u32(out + 8, JR_VERSION);
    put_u32(out + 12, 0);
}

/* Room for a record of `payload` bytes: 0 with the payload's start in *p, or -1. */
static int record_open(jr_buf *b, size_t payload, uint8_t **p)
{
    if (payload > JR_MAX_PAYLOAD) {
        errno = E2BIG;
        return -1;
    }
    if (jr_buf_reserve(b, JR_REC_HEADER_LEN + payload) < 0) return -1;
    *p = b->p + b->len + JR_REC_HEADER_LEN;
    return 0;
}

/* Fill the header in front of the payload that now ends at `end`; the record is kept. */
static void record_close(jr_buf *b, uint8_t *end)
{
    uint8_t *h = b->p + b->len;
    size_t payload = (size_t)(end - h) - JR_REC_HEADER_LEN;
    put_u32(h, JR_REC_MAGIC);
    put_u32(h + 4, (uint32_t)payload);
    put_u64(h + 8, XXH3_64bits(h + JR_REC_HEADER_LEN, payload));
    b->len += JR_REC_HEADER_LEN + payload;
}

static int name_ok(const char *name, size_t *len)
{
    *len = name ? strlen(name) : 0;
    if (!name || *len > JR_MAX_STR) {
        errno = name ? E2BIG : EINVAL;
        return 0;
    }
    return 1;
}

int jr_encode_start(jr_buf *b, const char *name, uint64_t cmd_hash)
{
    size_t nl;
    uint8_t *p;
    if (!name_ok(name, &nl) || record_open(b, 1 + 4 + nl + 8, &p) < 0) return -1;
    *p++ = JR_REC_START;
    p = put_str(p, name, nl);
    p = put_u64(p, cmd_hash);
    record_close(b, p);
    return 0;
}

int jr_encode_duration(jr_buf *b, const char *name, uint64_t cmd_hash, double duration)
{
    size_t nl;
    uint8_t *p;
    if (!name_ok(name, &nl) || record_open(b, 1 + 4 + nl + 8 + 8, &p) < 0) return -1;
    *p++ = JR_REC_DURATION;
    p = put_str(p, name, nl);
    p = put_u64(p, cmd_hash);
    p = put_u64(p, double_bits(duration));
    record_close(b, p);
    return 0;
}

/* The encoded size of a file list, or 0 with errno when it breaks a bound. */
static size_t files_size(uint32_t n, const char *const *paths, const jr_fp *fps)
{
    if (n > JR_MAX_FILES || (n && (!paths || !fps))) {
        errno = n > JR_MAX_FILES ? E2BIG : EINVAL;
        return 0;
    }
    size_t total = 4;
    for (uint32_t i = 0; i < n; i++) {
        size_t l;
        if (!name_ok(paths[i], &l)) return 0;
        total += 4 + l + JR_FP_LEN;
    }
    return total;
}

static uint8_t *put_files(uint8_t *p, uint32_t n, const char *const *paths, const jr_fp *fps)
{
    p = put_u32(p, n);
    for (uint32_t i = 0; i < n; i++) {
        p = put_str(p, paths[i], strlen(paths[i]));
        p = put_fp(p, &fps[i]);
    }
    return p;
}

int jr_encode_end(jr_buf *b, const char *name, uint64_t cmd_hash, int ok, int exit_code,
                  double duration, int64_t ended_at_ns, uint32_t n_in,
                  const char *const *in_paths, const jr_fp *in, uint32_t n_out,
                  const char *const *out_paths, const jr_fp *out)
{
    size_t nl, fin, fout;
    uint8_t *p;
    if (!name_ok(name, &nl)) return -1;
    if (!(fin = files_size(n_in, in_paths, in)) || !(fout = files_size(n_out, out_paths, out)))
        return -1;
    if (record_open(b, 1 + 4 + nl + 8 + 1 + 4 + 8 + 8 + fin + fout, &p) < 0) return -1;
    *p++ = JR_REC_END;
    p = put_str(p, name, nl);
    p = put_u64(p, cmd_hash);
    *p++ = ok ? 1 : 0;
    p = put_u32(p, (uint32_t)exit_code);
    p = put_u64(p, double_bits(duration));
    p = put_u64(p, (uint64_t)ended_at_ns);
    p = put_files(p, n_in, in_paths, in);
    p = put_files(p, n_out, out_paths, out);
    record_close(b, p);
    return 0;
}

/* ---- decoding: a cursor that turns every overrun into "invalid" ---- */

typedef struct cursor {
    const uint8_t *p;
    size_t left;
    int bad;
} cursor;

static const uint8_t *take(cursor *c, size_t n)
{
    if (c->bad || c->left < n) {
        c->bad = 1;
        return NULL;
    }
    const uint8_t *p = c->p;
    c->p += n;
    c->left -= n;
    return p;
}

static uint8_t take_u8(cursor *c)
{
    const uint8_t *p = take(c, 1);
    return p ? *p : 0;
}

static uint32_t take_u32(cursor *c)
{
    const uint8_t *p = take(c, 4);
    return p ? get_u32(p) : 0;
}

static uint64_t take_u64(cursor *c)
{
    const uint8_t *p = take(c, 8);
    return p ? get_u64(p) : 0;
}

/* A string: non-empty is not required, but no NUL inside (it becomes a C string). */
static const char *take_str(cursor *c, uint32_t *len)
{
    *len = take_u32(c);
    if (*len > JR_MAX_STR) c->bad = 1;
    const uint8_t *s = take(c, *len);
    if (s && memchr(s, 0, *len)) c->bad = 1;
    return (const char *)s;
}

static double take_duration(cursor *c)
{
    uint64_t u = take_u64(c);
    double d;
    memcpy(&d, &u, sizeof d);
    if (!isfinite(d) || d < 0) c->bad = 1; /* never written: journal_end refuses them */
    return d;
}

static void take_files(cursor *c, uint32_t *n)
{
    *n = take_u32(c);
    if (*n > JR_MAX_FILES) c->bad = 1;
    for (uint32_t i = 0; i < *n && !c->bad; i++) {
        uint32_t l;
        take_str(c, &l);
        const uint8_t *fp = take(c, JR_FP_LEN);
        if (fp && fp[0] > 1) c->bad = 1;
    }
}

static int decode_payload(const uint8_t *p, size_t len, jr_rec *r)
{
    cursor c = {p, len, 0};
    memset(r, 0, sizeof *r);
    r->type = (jr_rec_type)take_u8(&c);
    r->name = take_str(&c, &r->name_len);
    r->cmd_hash = take_u64(&c);
    switch (r->type) {
    case JR_REC_START:
        break;
    case JR_REC_DURATION:
        r->duration = take_duration(&c);
        break;
    case JR_REC_END:
        r->ok = take_u8(&c);
        if (r->ok > 1) c.bad = 1;
        r->exit_code = (int32_t)take_u32(&c);
        r->duration = take_duration(&c);
        r->ended_at_ns = (int64_t)take_u64(&c);
        r->files = c.p;
        take_files(&c, &r->n_in);
        take_files(&c, &r->n_out);
        r->files += 4; /* jr_files_next starts after the inputs' count */
        break;
    default:
        return 0;
    }
    return !c.bad && c.left == 0;
}

size_t jr_decode(const uint8_t *data, size_t avail, jr_rec *rec)
{
    if (avail < JR_REC_HEADER_LEN || get_u32(data) != JR_REC_MAGIC) return 0;
    uint32_t len = get_u32(data + 4);
    if (len > JR_MAX_PAYLOAD || len > avail - JR_REC_HEADER_LEN) return 0;
    const uint8_t *payload = data + JR_REC_HEADER_LEN;
    if (XXH3_64bits(payload, len) != get_u64(data + 8)) return 0;
    if (!decode_payload(payload, len, rec)) return 0;
    return JR_REC_HEADER_LEN + (size_t)len;
}

/* Walks what take_files validated: inputs, then a u32 count, then outputs. The caller
 * skips the outputs' count itself (4 bytes) after the last input. */
const uint8_t *jr_files_next(const uint8_t *p, const char **path, uint32_t *path_len,
                             jr_fp *fp)
{
    *path_len = get_u32(p);
    *path = (const char *)p + 4;
    p += 4 + *path_len;
    fp->exists = p[0];
    fp->size = get_u64(p + 1);
    fp->mtime_ns = (int64_t)get_u64(p + 9);
    fp->ino = get_u64(p + 17);
    fp->hash = get_u64(p + 25);
    return p + JR_FP_LEN;
}
