/* strings.c: the C library's string, memory and formatting functions on known input. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    char text[] = "the quick brown fox jumps over the lazy dog while vivarium translates riscv64";
    char *words[32];
    int n = 0;
    for (char *save = NULL, *w = strtok_r(text, " ", &save); w && n < 32;
         w = strtok_r(NULL, " ", &save))
        words[n++] = w;
    qsort(words, (size_t)n, sizeof(words[0]), by_name);
    for (int i = 0; i < n; i++)
        printf("%2d %-12s|%5zu|%c\n", i, words[i], strlen(words[i]), toupper(words[i][0]));
    char buf[4096];
    for (int i = 0; i < 4096; i++)
        buf[i] = (char)('a' + i % 26);
    memmove(buf + 3, buf, 1000);
    buf[4095] = '\0';
    printf("memmove %.30s len %zu\n", buf, strlen(buf));
    printf("strstr %s\n", strstr("hay needle stack", "needle"));
    printf("strtol %ld %ld %lu\n", strtol("-12345", NULL, 10), strtol("ff", NULL, 16),
           strtoul("18446744073709551615", NULL, 10));
    char out[128];
    int len = snprintf(out, sizeof(out), "[%08.3f|%-6d|%+d|%#o|%s|%c|%%]", 3.14159, 42, 255, 8,
                       "str", 'z');
    printf("snprintf %d %s\n", len, out);
    char *dup = strdup("duplicate me");
    for (char *c = dup; *c; c++)
        *c = (char)toupper((unsigned char)*c);
    printf("strdup %s cmp %d\n", dup, strcmp(dup, "DUPLICATE ME"));
    free(dup);
    /* Heap traffic: many sizes, so that malloc uses brk and mmap both. */
    size_t total = 0;
    for (int i = 1; i <= 200; i++) {
        size_t sz = (size_t)i * (size_t)i * 97;
        char *p = malloc(sz);
        memset(p, i, sz);
        total += (unsigned char)p[sz - 1];
        free(p);
    }
    char *big = malloc(8 << 20);
    memset(big, 7, 8 << 20);
    big = realloc(big, 16 << 20);
    total += (unsigned char)big[(8 << 20) - 1];
    free(big);
    printf("heap %zu\n", total);
    return 0;
}
