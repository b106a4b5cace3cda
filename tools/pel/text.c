/* text.c — escaping, number formatting and name colours (see text.h). */
#include "text.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

void xml_puts(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': fputs("&amp;", f); break;
        case '<': fputs("&lt;", f); break;
        case '>': fputs("&gt;", f); break;
        case '"': fputs("&quot;", f); break;
        case '\'': fputs("&#39;", f); break;
        default:
            /* Tab, newline and carriage return are legal XML; other C0 controls are not
             * representable at all in XML 1.0. */
            if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
                fputc('?', f);
            else
                fputc(c, f);
        }
    }
}

void json_puts(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '"': fputs("\\\"", f); break;
        case '\\': fputs("\\\\", f); break;
        case '\n': fputs("\\n", f); break;
        case '\r': fputs("\\r", f); break;
        case '\t': fputs("\\t", f); break;
        default:
            if (c < 0x20)
                fprintf(f, "\\u%04x", c);
            else
                fputc(c, f);
        }
    }
    fputc('"', f);
}

void dot_puts(FILE *f, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\')
            fputc('\\', f), fputc(c, f);
        else if (c == '\n')
            fputs("\\n", f);
        else if (c < 0x20)
            fputc(' ', f);
        else
            fputc(c, f);
    }
}

const char *fmt_us(char *buf, int64_t ns)
{
    /* Split on the magnitude as unsigned so INT64_MIN has no overflow. */
    uint64_t m = ns < 0 ? (uint64_t)0 - (uint64_t)ns : (uint64_t)ns;
    snprintf(buf, 32, "%s%" PRIu64 ".%03" PRIu64, ns < 0 ? "-" : "", m / 1000, m % 1000);
    return buf;
}

const char *fmt_duration(char *buf, int64_t ns, const char *micro)
{
    double v = (double)ns;
    double a = fabs(v);
    if (a < 1e3)
        snprintf(buf, 32, "%" PRId64 " ns", ns);
    else if (a < 1e6)
        snprintf(buf, 32, "%.*f %ss", a < 1e4 ? 2 : 1, v / 1e3, micro);
    else if (a < 1e9)
        snprintf(buf, 32, "%.*f ms", a < 1e7 ? 2 : 1, v / 1e6);
    else
        snprintf(buf, 32, "%.*f s", a < 1e10 ? 2 : 1, v / 1e9);
    return buf;
}

/* FNV-1a: small, and well spread enough for choosing hues. */
static uint32_t fnv1a(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

static void hsl_hex(double h, double s, double l, char out[8])
{
    double c = (1 - fabs(2 * l - 1)) * s;
    double hp = h / 60.0;
    double x = c * (1 - fabs(fmod(hp, 2.0) - 1));
    double r = 0, g = 0, b = 0;
    if (hp < 1) r = c, g = x;
    else if (hp < 2) r = x, g = c;
    else if (hp < 3) g = c, b = x;
    else if (hp < 4) g = x, b = c;
    else if (hp < 5) r = x, b = c;
    else r = c, b = x;
    double m = l - c / 2;
    snprintf(out, 8, "#%02x%02x%02x", (unsigned)lround((r + m) * 255),
             (unsigned)lround((g + m) * 255), (unsigned)lround((b + m) * 255));
}

void name_colour(const char *name, char out[8])
{
    /* FNV-1a's low bits barely change between names that differ in one letter
     * ("potrf", "syrk" landed on neighbouring greens): murmur3's finaliser spreads them. */
    uint32_t h = fnv1a(name);
    h ^= h >> 16;
    h *= 0x85ebca6bu;
    h ^= h >> 13;
    h *= 0xc2b2ae35u;
    h ^= h >> 16;
    /* Hue from the low bits; saturation and lightness vary a little from the high bits so
     * that names whose hues collide still differ. Light colours keep black text (DAG labels)
     * and the red critical-path outline readable on every hue. */
    double hue = (double)(h % 360u);
    double sat = 0.5 + 0.2 * (double)((h >> 16) % 8u) / 7.0;
    double light = 0.62 + 0.1 * (double)((h >> 24) % 4u) / 3.0;
    hsl_hex(hue, sat, light, out);
}

void colour_mix_white(const char *hex, double f, char out[8])
{
    unsigned long v = strtoul(hex + 1, NULL, 16);
    unsigned rgb[3] = {(unsigned)(v >> 16) & 255u, (unsigned)(v >> 8) & 255u,
                       (unsigned)v & 255u};
    for (int i = 0; i < 3; i++)
        rgb[i] = (unsigned)lround(rgb[i] + (255.0 - rgb[i]) * f);
    snprintf(out, 8, "#%02x%02x%02x", rgb[0], rgb[1], rgb[2]);
}
