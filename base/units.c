/* units.c: sizes and durations as manifests and the CLI spell them. */
#include "base.h"

#include <ctype.h>
#include <inttypes.h>
#include <string.h>

/* The text comes from manifests and command lines: keep messages on one line and short. */
static const char *quote(const char *text, char *buf, size_t size)
{
    size_t o = 0;
    for (const char *p = text; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (o + 8 >= size) {
            memcpy(buf + o, "...", 4);
            return buf;
        }
        if (c < 0x20 || c == 0x7f)
            o += (size_t)snprintf(buf + o, size - o, "\\x%02x", c);
        else
            buf[o++] = (char)c;
    }
    buf[o] = '\0';
    return buf;
}

static int scale_for(char c, uint64_t *mult)
{
    switch (tolower((unsigned char)c)) {
    case 'b':
        *mult = 1;
        return 0;
    case 'k':
        *mult = 1ull << 10;
        return 0;
    case 'm':
        *mult = 1ull << 20;
        return 0;
    case 'g':
        *mult = 1ull << 30;
        return 0;
    case 't':
        *mult = 1ull << 40;
        return 0;
    default:
        return -1;
    }
}

/* A size is digits, an optional fraction, and one optional unit b/k/m/g/t (any case),
 * optionally followed by "b" or "ib" as in "64MB" or "2GiB". */
int viv_parse_size(const char *input, uint64_t *bytes, struct viv_error *err)
{
    const char *p = input;
    char shown[80];
    const char *text = quote(input, shown, sizeof(shown));
    uint64_t whole = 0, frac = 0, fracdiv = 1;
    if (!isdigit((unsigned char)*p))
        return viv_fail(err, 0,
                        "invalid size '%s': expected a number with an optional unit "
                        "(b, k, m, g, t), as in 512m or 2G",
                        text);
    for (; isdigit((unsigned char)*p); p++)
        if (__builtin_mul_overflow(whole, 10, &whole) ||
            __builtin_add_overflow(whole, (uint64_t)(*p - '0'), &whole))
            return viv_fail(err, 0, "invalid size '%s': too large", text);
    if (*p == '.') {
        p++;
        if (!isdigit((unsigned char)*p))
            return viv_fail(err, 0, "invalid size '%s': digits must follow the point", text);
        for (; isdigit((unsigned char)*p); p++)
            if (fracdiv < 1000000000ull) {
                frac = frac * 10 + (uint64_t)(*p - '0');
                fracdiv *= 10;
            }
    }
    uint64_t mult = 1;
    bool has_frac = frac || fracdiv > 1;
    if (*p) {
        if (scale_for(*p, &mult) < 0)
            return viv_fail(err, 0, "invalid size '%s': unknown unit '%s' (b, k, m, g, t)", text,
                            quote(p, (char[40]){0}, 40));
        if (tolower((unsigned char)*p) != 'b') {
            p++;
            /* "ib" only as a pair: "2GiB" yes, "2Gi" no. */
            if ((*p == 'i' || *p == 'I') && (p[1] == 'b' || p[1] == 'B'))
                p += 2;
            else if (*p == 'b' || *p == 'B')
                p++;
        } else {
            p++;
        }
        if (*p)
            return viv_fail(err, 0, "invalid size '%s': trailing '%s'", text,
                            quote(p, (char[40]){0}, 40));
    }
    /* Fractions of a byte mean nothing; of a larger unit they round down to whole bytes. */
    if (has_frac && mult == 1)
        return viv_fail(err, 0, "invalid size '%s': a fraction needs a unit of k or more", text);
    uint64_t v;
    if (__builtin_mul_overflow(whole, mult, &v))
        return viv_fail(err, 0, "invalid size '%s': too large", text);
    if (frac) {
        /* frac/fracdiv of the unit; the unit is at most 2^40 and fracdiv at most 10^9. */
        unsigned __int128 part = (unsigned __int128)frac * mult / fracdiv;
        if (__builtin_add_overflow(v, (uint64_t)part, &v))
            return viv_fail(err, 0, "invalid size '%s': too large", text);
    }
    *bytes = v;
    return 0;
}

/* A duration is one or more number+unit groups (ms, s, m, h, d), each unit at most once and
 * from the largest to the smallest ("1h30m", not "30m1h"); a bare number alone means seconds.
 * "1h30" is refused: it could mean seconds or minutes. */
int viv_parse_duration(const char *input, uint64_t *msec, struct viv_error *err)
{
    char shown[80];
    const char *text = quote(input, shown, sizeof(shown));
    static const struct {
        const char *name;
        uint64_t ms;
    } units[] = {{"d", 86400000}, {"h", 3600000}, {"ms", 1}, {"m", 60000}, {"s", 1000}};
    const char *p = input;
    uint64_t total = 0, last = UINT64_MAX;
    if (!*p)
        return viv_fail(err, 0,
                        "invalid duration '': expected a number of seconds or a unit "
                        "(ms, s, m, h, d), as in 90s or 30m");
    while (*p) {
        if (!isdigit((unsigned char)*p))
            return viv_fail(err, 0,
                            "invalid duration '%s': expected a number of seconds or a "
                            "unit (ms, s, m, h, d), as in 90s or 30m",
                            text);
        uint64_t n = 0;
        for (; isdigit((unsigned char)*p); p++)
            if (__builtin_mul_overflow(n, 10, &n) ||
                __builtin_add_overflow(n, (uint64_t)(*p - '0'), &n))
                return viv_fail(err, 0, "invalid duration '%s': too large", text);
        uint64_t mult = 0;
        if (*p == '.')
            return viv_fail(err, 0,
                            "invalid duration '%s': no fractions; use a smaller unit, as in "
                            "1500ms",
                            text);
        if (*p == '\0') {
            if (p != input + strspn(input, "0123456789"))
                return viv_fail(err, 0, "invalid duration '%s': the last number has no unit", text);
            mult = 1000;
        }
        for (size_t i = 0; i < VIV_ARRAY_SIZE(units) && !mult; i++) {
            size_t l = strlen(units[i].name);
            if (strncmp(p, units[i].name, l) == 0) {
                mult = units[i].ms;
                p += l;
            }
        }
        if (!mult)
            return viv_fail(err, 0, "invalid duration '%s': unknown unit '%s' (ms, s, m, h, d)",
                            text, quote(p, (char[40]){0}, 40));
        if (mult >= last)
            return viv_fail(err, 0,
                            "invalid duration '%s': units must go from the largest to "
                            "the smallest, each once, as in 1h30m",
                            text);
        last = mult;
        if (__builtin_mul_overflow(n, mult, &n) || __builtin_add_overflow(total, n, &total))
            return viv_fail(err, 0, "invalid duration '%s': too large", text);
    }
    /* Nanoseconds past the monotonic clock's now must still fit in 64 bits. */
    if (total > VIV_DURATION_MAX_MS)
        return viv_fail(err, 0, "invalid duration '%s': too large (at most 36500d)", text);
    *msec = total;
    return 0;
}

void viv_format_size(uint64_t bytes, char *buf, size_t len)
{
    static const char units[] = "TGMK";
    for (int i = 0; i < 4; i++) {
        uint64_t m = 1ull << (10 * (4 - i));
        if (bytes && bytes % m == 0) {
            snprintf(buf, len, "%" PRIu64 "%c", bytes / m, units[i]);
            return;
        }
    }
    snprintf(buf, len, "%" PRIu64, bytes);
}

void viv_format_duration(uint64_t msec, char *buf, size_t len)
{
    if (msec % 1000)
        snprintf(buf, len, "%" PRIu64 "ms", msec);
    else if (msec && msec % 3600000 == 0)
        snprintf(buf, len, "%" PRIu64 "h", msec / 3600000);
    else if (msec && msec % 60000 == 0)
        snprintf(buf, len, "%" PRIu64 "m", msec / 60000);
    else
        snprintf(buf, len, "%" PRIu64 "s", msec / 1000);
}

void viv_format_bytes_human(uint64_t bytes, char *buf, size_t len)
{
    static const char *units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
    double v = (double)bytes;
    int i = 0;
    while (v >= 1024 && i < 4) {
        v /= 1024;
        i++;
    }
    if (i == 0)
        snprintf(buf, len, "%" PRIu64 " B", bytes);
    else
        snprintf(buf, len, "%.1f %s", v, units[i]);
}
