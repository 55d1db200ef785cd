/* test_units.c: sizes and durations, parsed, formatted and round-tripped; SHA-256 digests. */
#include "base/base.h"

#include <check.h>

#include "unit.h"
#include <string.h>

struct size_case {
    const char *text;
    uint64_t bytes;
    const char *formatted;
};

static const struct size_case size_ok[] = {
    {"512", 512, "512"},
    {"0", 0, "0"},
    {"64m", 64ull << 20, "64M"},
    {"64M", 64ull << 20, "64M"},
    {"2G", 2ull << 30, "2G"},
    {"2g", 2ull << 30, "2G"},
    {"3t", 3ull << 40, "3T"},
    {"1k", 1024, "1K"},
    {"1536k", 1536 * 1024, "1536K"},
    {"1024k", 1 << 20, "1M"},
    {"1.5G", 1536ull << 20, "1536M"},
    {"0.5k", 512, "512"},
    {"64MB", 64ull << 20, "64M"},
    {"2GiB", 2ull << 30, "2G"},
    {"2gib", 2ull << 30, "2G"},
    {"100b", 100, "100"},
    {"100B", 100, "100"},
    {"1025", 1025, "1025"},
    {"16777215T", 16777215ull << 40, "16777215T"},
    {"18446744073709551615", UINT64_MAX, "18446744073709551615"},
};

START_TEST(size_parses)
{
    const struct size_case *c = &size_ok[_i];
    struct viv_error err = {0};
    uint64_t v = 1;
    ck_assert_msg(viv_parse_size(c->text, &v, &err) == 0, "%s: %s", c->text, err.msg);
    ck_assert_uint_eq(v, c->bytes);
    char buf[64];
    viv_format_size(v, buf, sizeof(buf));
    ck_assert_str_eq(buf, c->formatted);
    /* The formatted spelling parses back to the same number. */
    uint64_t back = 0;
    ck_assert_int_eq(viv_parse_size(buf, &back, &err), 0);
    ck_assert_uint_eq(back, v);
}
END_TEST

struct bad_case {
    const char *text;
    const char *msg;
};

static const struct bad_case size_bad[] = {
    {"", "invalid size '': expected a number with an optional unit (b, k, m, g, t), as in 512m "
         "or 2G"},
    {"x", "invalid size 'x': expected a number with an optional unit (b, k, m, g, t), as in 512m "
          "or 2G"},
    {"-1", "invalid size '-1': expected a number with an optional unit (b, k, m, g, t), as in "
           "512m or 2G"},
    {" 1", "invalid size ' 1': expected a number with an optional unit (b, k, m, g, t), as in "
           "512m or 2G"},
    {"99999999999999999999G", "invalid size '99999999999999999999G': too large"},
    {"18446744073709551616", "invalid size '18446744073709551616': too large"},
    {"16777216T", "invalid size '16777216T': too large"},
    {"17179869184G", "invalid size '17179869184G': too large"},
    {"1x", "invalid size '1x': unknown unit 'x' (b, k, m, g, t)"},
    {"1 G", "invalid size '1 G': unknown unit ' G' (b, k, m, g, t)"},
    {"1Gx", "invalid size '1Gx': trailing 'x'"},
    {"2Gi", "invalid size '2Gi': trailing 'i'"},
    {"1bb", "invalid size '1bb': trailing 'b'"},
    {"1.", "invalid size '1.': digits must follow the point"},
    {"1.5", "invalid size '1.5': a fraction needs a unit of k or more"},
    {"1.0b", "invalid size '1.0b': a fraction needs a unit of k or more"},
    {"1\n", "invalid size '1\\x0a': unknown unit '\\x0a' (b, k, m, g, t)"},
};

START_TEST(size_refused)
{
    const struct bad_case *c = &size_bad[_i];
    struct viv_error err = {0};
    uint64_t v = 77;
    ck_assert_int_eq(viv_parse_size(c->text, &v, &err), -1);
    ck_assert_str_eq(err.msg, c->msg);
    ck_assert_uint_eq(v, 77);
}
END_TEST

struct dur_case {
    const char *text;
    uint64_t ms;
    const char *formatted;
};

static const struct dur_case dur_ok[] = {
    {"90", 90000, "90s"},
    {"90s", 90000, "90s"},
    {"30m", 1800000, "30m"},
    {"1h30m", 5400000, "90m"},
    {"2h", 7200000, "2h"},
    {"1d", 86400000, "24h"},
    {"1d1h1m1s1ms", 90061001, "90061001ms"},
    {"1m30s", 90000, "90s"},
    {"1500ms", 1500, "1500ms"},
    {"0", 0, "0s"},
    {"60s", 60000, "1m"},
    {"120m", 7200000, "2h"},
    {"36500d", 36500ull * 86400000, "876000h"},
};

START_TEST(duration_parses)
{
    const struct dur_case *c = &dur_ok[_i];
    struct viv_error err = {0};
    uint64_t v = 1;
    ck_assert_msg(viv_parse_duration(c->text, &v, &err) == 0, "%s: %s", c->text, err.msg);
    ck_assert_uint_eq(v, c->ms);
    char buf[64];
    viv_format_duration(v, buf, sizeof(buf));
    ck_assert_str_eq(buf, c->formatted);
    uint64_t back = 1;
    ck_assert_int_eq(viv_parse_duration(buf, &back, &err), 0);
    ck_assert_uint_eq(back, v);
}
END_TEST

static const struct bad_case dur_bad[] = {
    {"", "invalid duration '': expected a number of seconds or a unit (ms, s, m, h, d), as in "
         "90s or 30m"},
    {"m", "invalid duration 'm': expected a number of seconds or a unit (ms, s, m, h, d), as in "
          "90s or 30m"},
    {"1h30", "invalid duration '1h30': the last number has no unit"},
    {"30m1h", "invalid duration '30m1h': units must go from the largest to the smallest, each "
              "once, as in 1h30m"},
    {"1s1s", "invalid duration '1s1s': units must go from the largest to the smallest, each "
             "once, as in 1h30m"},
    {"1x", "invalid duration '1x': unknown unit 'x' (ms, s, m, h, d)"},
    {"1.5h", "invalid duration '1.5h': no fractions; use a smaller unit, as in 1500ms"},
    {"99999999999999999999", "invalid duration '99999999999999999999': too large"},
    {"213503982336d", "invalid duration '213503982336d': too large"},
    /* Each fits in 64 bits of milliseconds, but not as nanoseconds from now. */
    {"18446744074s", "invalid duration '18446744074s': too large (at most 36500d)"},
    {"9223372036854775807ms", "invalid duration '9223372036854775807ms': too large (at most "
                              "36500d)"},
    {"36501d", "invalid duration '36501d': too large (at most 36500d)"},
    {"18446744073709551615ms1", "invalid duration '18446744073709551615ms1': the last number has "
                                "no unit"},
};

START_TEST(duration_refused)
{
    const struct bad_case *c = &dur_bad[_i];
    struct viv_error err = {0};
    uint64_t v = 77;
    ck_assert_int_eq(viv_parse_duration(c->text, &v, &err), -1);
    ck_assert_str_eq(err.msg, c->msg);
    ck_assert_uint_eq(v, 77);
}
END_TEST

/* Every formatted size and duration parses back exactly, across unit boundaries. */
START_TEST(round_trips)
{
    struct viv_error err = {0};
    char buf[64];
    for (unsigned shift = 0; shift < 63; shift++) {
        uint64_t vals[] = {1ull << shift, (1ull << shift) + 1, (1ull << shift) * 3,
                           (1ull << shift) - 1};
        for (size_t i = 0; i < VIV_ARRAY_SIZE(vals); i++) {
            uint64_t back;
            viv_format_size(vals[i], buf, sizeof(buf));
            ck_assert_int_eq(viv_parse_size(buf, &back, &err), 0);
            ck_assert_uint_eq(back, vals[i]);
            if (vals[i] > VIV_DURATION_MAX_MS)
                continue;
            viv_format_duration(vals[i], buf, sizeof(buf));
            ck_assert_msg(viv_parse_duration(buf, &back, &err) == 0, "%s: %s", buf, err.msg);
            ck_assert_uint_eq(back, vals[i]);
        }
    }
}
END_TEST

START_TEST(human_bytes)
{
    char buf[32];
    viv_format_bytes_human(0, buf, sizeof(buf));
    ck_assert_str_eq(buf, "0 B");
    viv_format_bytes_human(1023, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1023 B");
    viv_format_bytes_human(1536ull << 20, buf, sizeof(buf));
    ck_assert_str_eq(buf, "1.5 GiB");
    viv_format_bytes_human(UINT64_MAX, buf, sizeof(buf));
    ck_assert_str_eq(buf, "16777216.0 TiB");
}
END_TEST

/* FIPS 180-2's example digests, and one large input fed in uneven pieces against one piece. */
START_TEST(sha256_digests)
{
    char hex[65];
    viv_sha256_hex("abc", 3, hex);
    ck_assert_str_eq(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    viv_sha256_hex("", 0, hex);
    ck_assert_str_eq(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    static unsigned char big[1 << 20];
    for (size_t i = 0; i < sizeof(big); i++)
        big[i] = (unsigned char)(i * 31 + (i >> 9));
    char whole[65];
    viv_sha256_hex(big, sizeof(big), whole);
    struct viv_sha256 *h = viv_sha256_new();
    for (size_t at = 0, step = 1; at < sizeof(big); at += step, step = step * 3 + 1)
        viv_sha256_update(h, big + at, step < sizeof(big) - at ? step : sizeof(big) - at);
    viv_sha256_final(h, hex);
    ck_assert_str_eq(hex, whole);
    ck_assert(viv_digest_valid(whole));
}
END_TEST

static Suite *units_suite(void)
{
    Suite *s = suite_create("units");
    TCase *tc = tcase_create("size");
    tcase_add_loop_test(tc, size_parses, 0, VIV_ARRAY_SIZE(size_ok));
    tcase_add_loop_test(tc, size_refused, 0, VIV_ARRAY_SIZE(size_bad));
    suite_add_tcase(s, tc);
    tc = tcase_create("duration");
    tcase_add_loop_test(tc, duration_parses, 0, VIV_ARRAY_SIZE(dur_ok));
    tcase_add_loop_test(tc, duration_refused, 0, VIV_ARRAY_SIZE(dur_bad));
    suite_add_tcase(s, tc);
    tc = tcase_create("format");
    tcase_add_test(tc, round_trips);
    tcase_add_test(tc, human_bytes);
    suite_add_tcase(s, tc);
    tc = tcase_create("sha256");
    tcase_add_test(tc, sha256_digests);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return unit_run(units_suite());
}
