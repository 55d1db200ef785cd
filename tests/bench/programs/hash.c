/* hash.c: integer work: FNV-1a and a xorshift generator over a 4 MiB buffer, 24 rounds. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int main(void)
{
    size_t n = 4u << 20;
    uint8_t *buf = malloc(n);
    uint64_t x = 88172645463325252ull;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        buf[i] = (uint8_t)x;
    }
    uint64_t h = 1469598103934665603ull;
    for (int round = 0; round < 24; round++)
        for (size_t i = 0; i < n; i++)
            h = (h ^ buf[i] ^ (uint64_t)round) * 1099511628211ull;
    printf("hash %016llx\n", (unsigned long long)h);
    free(buf);
    return 0;
}
