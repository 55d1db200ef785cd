/* args.c: what a program is started with: argv, the environment and the auxiliary vector. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    printf("argc %d\n", argc);
    for (int i = 1; i < argc; i++)
        printf("argv[%d] '%s'\n", i, argv[i]);
    const char *v = getenv("VIV_TEST_VALUE");
    printf("env VIV_TEST_VALUE %s\n", v ? v : "(unset)");
    printf("env MISSING %s\n", getenv("VIV_TEST_MISSING") ? "set" : "(unset)");
    printf("pagesz %lu sysconf %ld\n", getauxval(AT_PAGESZ), sysconf(_SC_PAGESIZE));
    const unsigned char *rnd = (const unsigned char *)getauxval(AT_RANDOM);
    int nonzero = 0;
    for (int i = 0; rnd && i < 16; i++)
        nonzero |= rnd[i];
    printf("random present %d\n", rnd != NULL && nonzero != 0);
    printf("secure %lu uid-match %d\n", getauxval(AT_SECURE), getauxval(AT_UID) == getuid());
    const char *execfn = (const char *)getauxval(AT_EXECFN);
    printf("execfn names argv[0] %d\n", execfn && strcmp(execfn, argv[0]) == 0);
    printf("sp aligned %d\n", ((unsigned long)__builtin_frame_address(0) & 15) == 0);
    if (argc > 1 && strcmp(argv[1], "segv") == 0) {
        fflush(stdout);
        volatile int *volatile bad = (int *)(unsigned long)atoi("8");
        *bad = 1;
    }
    if (argc > 1 && strcmp(argv[1], "abort") == 0) {
        fflush(stdout);
        abort();
    }
    if (argc > 2 && strcmp(argv[1], "exit") == 0)
        return atoi(argv[2]);
    return 0;
}
