/* arith.c: integer arithmetic whose results C fixes: wrapping, division, shifts, widening. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* volatile: the compiler must not fold these, or the translator would never see the work. */
static volatile int64_t vals[] = {0, 1, -1, 7, -7, 123456789, INT64_MAX, INT64_MIN, 0x5555aaaa};
static volatile uint32_t w = 0x80000001u;

static int cmp(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    size_t n = sizeof(vals) / sizeof(vals[0]);
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        for (size_t j = 0; j < n; j++) {
            int64_t a = vals[i], b = vals[j];
            uint64_t ua = (uint64_t)a, ub = (uint64_t)b;
            sum = sum * 31 + ua * ub + (ua ^ ub) + (ua >> (j % 64)) + (uint64_t)(a >> (i % 64));
            if (b != 0 && !(a == INT64_MIN && b == -1))
                printf("%" PRId64 " / %" PRId64 " = %" PRId64 " rem %" PRId64 "\n", a, b, a / b,
                       a % b);
            if (ub != 0)
                printf("%" PRIu64 " /u %" PRIu64 " = %" PRIu64 "\n", ua, ub, ua / ub);
        }
    }
    unsigned __int128 wide = (unsigned __int128)(uint64_t)vals[6] * (uint64_t)vals[5];
    printf("wide %016" PRIx64 "%016" PRIx64 "\n", (uint64_t)(wide >> 64), (uint64_t)wide);
    int32_t sw = (int32_t)w;
    printf("w %" PRIu32 " %" PRId32 " %" PRId64 " %" PRIu64 "\n", w, sw, (int64_t)sw,
           (uint64_t)w << 31);
    printf("clz %d ctz %d pop %d\n", __builtin_clzll((uint64_t)vals[5]),
           __builtin_ctzll((uint64_t)vals[8]), __builtin_popcountll((uint64_t)vals[7]));
    int64_t sorted[9];
    for (size_t i = 0; i < n; i++)
        sorted[i] = vals[i];
    qsort(sorted, n, sizeof(sorted[0]), cmp);
    for (size_t i = 0; i < n; i++)
        printf("%s%" PRId64, i ? " " : "sorted ", sorted[i]);
    printf("\nsum %016" PRIx64 "\n", sum);
    return 0;
}
