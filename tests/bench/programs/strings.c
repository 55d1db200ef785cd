/* strings.c: memcpy, memcmp, strlen and strchr over a 1 MiB text, 64 rounds. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(void)
{
    size_t n = 1u << 20;
    char *a = malloc(n + 1), *b = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        a[i] = (char)('a' + (i * 7 + i / 13) % 26);
    a[n] = '\0';
    unsigned long sum = 0;
    for (int round = 0; round < 64; round++) {
        memcpy(b, a, n + 1);
        b[(size_t)round * 4099 % n] = 'Z';
        sum += (unsigned long)memcmp(a, b, n) & 0xff;
        sum += strlen(b);
        sum += (unsigned long)(strchr(b, 'Z') - b);
    }
    printf("sum %lu\n", sum);
    free(a);
    free(b);
    return 0;
}
