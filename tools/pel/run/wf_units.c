#include "wf_units.h"

#include <ctype.h>
#include <math.h>
#include <string.h>

int wf_parse_int(const char *s, size_t len, int64_t *out)
{
    size_t i = 0;
    int neg = 0;
    if (i < len && (s[i] == '+' || s[i] == '-')) neg = s[i++] == '-';
    if (i == len) return -1;
    uint64_t v = 0;
    const uint64_t lim = neg ? (uint64_t)INT64_MAX + 1 : (uint64_t)INT64_MAX;
    for (; i < len; i++) {
        if (s[i] < '0' || s[i] > '9') return -1;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (lim - d) / 10) return -1;
        v = v * 10 + d;
    }
    *out = neg ? (v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v) : (int64_t)v;
    return 0;
}

/* An unsigned decimal number with an optional fraction and exponent, from s[*i]. Sets
 * *exact when it is a plain integer that fits in 64 bits (sizes are then exact). */
static int scan_number(const char *s, size_t len, size_t *i, double *d, uint64_t *exact,
                       int *is_exact)
{
    size_t j = *i;
    double v = 0;
    uint64_t iv = 0;
    int ok_int = 1, digits = 0;
    for (; j < len && isdigit((unsigned char)s[j]); j++, digits++) {
        v = v * 10 + (s[j] - '0');
        if (iv > (UINT64_MAX - (uint64_t)(s[j] - '0')) / 10) ok_int = 0;
        else iv = iv * 10 + (uint64_t)(s[j] - '0');
    }
    if (j < len && s[j] == '.') {
        ok_int = 0;
        double scale = 0.1;
        for (j++; j < len && isdigit((unsigned char)s[j]); j++, digits++) {
            v += (s[j] - '0') * scale;
            scale /= 10;
        }
    }
    if (digits == 0) return -1;
    if (j + 1 < len && (s[j] == 'e' || s[j] == 'E') &&
        (isdigit((unsigned char)s[j + 1]) ||
         (j + 2 < len && (s[j + 1] == '+' || s[j + 1] == '-') &&
          isdigit((unsigned char)s[j + 2])))) {
        ok_int = 0;
        j++;
        int eneg = 0;
        if (s[j] == '+' || s[j] == '-') eneg = s[j++] == '-';
        int e = 0;
        for (; j < len && isdigit((unsigned char)s[j]); j++)
            if (e < 10000) e = e * 10 + (s[j] - '0');
        v *= pow(10, eneg ? -e : e);
    }
    if (!isfinite(v)) return -1;
    *i = j;
    *d = v;
    *exact = iv;
    *is_exact = ok_int;
    return 0;
}

static size_t skip_spaces(const char *s, size_t len, size_t i)
{
    while (i < len && (s[i] == ' ' || s[i] == '\t')) i++;
    return i;
}

int wf_parse_duration(const char *s, size_t len, double *out)
{
    static const struct {
        const char *name;
        double seconds;
    } units[] = {{"ms", 0.001}, {"s", 1}, {"m", 60}, {"h", 3600}, {"d", 86400}};
    size_t i = skip_spaces(s, len, 0);
    double total = 0;
    int parts = 0;
    while (i < len) {
        double v;
        uint64_t iv;
        int ex;
        if (scan_number(s, len, &i, &v, &iv, &ex) != 0) return -1;
        i = skip_spaces(s, len, i);
        size_t u = i;
        while (i < len && isalpha((unsigned char)s[i])) i++;
        if (u == i) {
            /* A bare number is seconds, and only on its own. */
            if (parts > 0 || skip_spaces(s, len, i) != len) return -1;
            total = v;
            parts = 1;
            break;
        }
        size_t k = 0, n = sizeof units / sizeof units[0];
        for (; k < n; k++)
            if (strlen(units[k].name) == i - u && memcmp(units[k].name, s + u, i - u) == 0)
                break;
        if (k == n) return -1;
        total += v * units[k].seconds;
        parts++;
        i = skip_spaces(s, len, i);
    }
    if (parts == 0 || !isfinite(total)) return -1;
    *out = total;
    return 0;
}

int wf_parse_size(const char *s, size_t len, uint64_t *out)
{
    size_t i = skip_spaces(s, len, 0);
    double v;
    uint64_t iv;
    int exact;
    if (scan_number(s, len, &i, &v, &iv, &exact) != 0) return -1;
    i = skip_spaces(s, len, i);
    unsigned shift = 0;
    if (i < len) {
        static const char letters[] = "bkmgt";
        const char *p = strchr(letters, tolower((unsigned char)s[i]));
        if (!p || !*p) return -1;
        shift = 10 * (unsigned)(p - letters);
        i++;
        if (shift > 0 && i < len && tolower((unsigned char)s[i]) == 'i') {
            i++;
            if (i >= len || tolower((unsigned char)s[i]) != 'b') return -1;
            i++;
        } else if (shift > 0 && i < len && tolower((unsigned char)s[i]) == 'b') {
            i++;
        }
        i = skip_spaces(s, len, i);
        if (i != len) return -1;
    }
    if (exact) {
        if (shift && iv > (UINT64_MAX >> shift)) return -1;
        *out = iv << shift;
        return 0;
    }
    double bytes = floor(ldexp(v, (int)shift) + 0.5);
    if (!(bytes < 18446744073709551616.0)) return -1;
    *out = (uint64_t)bytes;
    return 0;
}
