/* illegal.c: an illegal instruction raises SIGILL: a handler sees it, and without one the program
 * dies of it (exit status 128 + 4). */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

static void on_ill(int sig, siginfo_t *si, void *uc)
{
    (void)uc;
    /* si_code differs by design (riscv64 Linux says ILL_ILLOPC, x86-64 ud2 ILL_ILLOPN). */
    printf("caught signal %d, address given %d\n", sig, si->si_addr != NULL);
    fflush(stdout);
    _exit(0);
}

static void illegal(void)
{
#if defined(__riscv)
    /* The all-zero parcel is defined illegal (unprivileged spec, "Base Instruction-Length
     * Encoding"). */
    __asm__ volatile(".2byte 0");
#else
    __asm__ volatile("ud2");
#endif
}

int main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "handled") == 0) {
        struct sigaction sa;
        memset(&sa, 0, sizeof(sa));
        sa.sa_sigaction = on_ill;
        sa.sa_flags = SA_SIGINFO;
        sigaction(SIGILL, &sa, NULL);
    }
    printf("before\n");
    fflush(stdout);
    illegal();
    printf("after\n");
    return 1;
}
