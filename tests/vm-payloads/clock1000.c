/* clock1000.c: a thousand reads of each clock, as a program that timestamps its work makes them;
 * prints whether they moved forward and what the realtime clock said, in seconds. */
#include <stdio.h>
#include <sys/auxv.h>
#include <sys/time.h>
#include <time.h>

int main(void)
{
    struct timespec prev = {0}, now, real;
    int forward = 1;
    for (int i = 0; i < 1000; i++) {
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec < prev.tv_sec || (now.tv_sec == prev.tv_sec && now.tv_nsec < prev.tv_nsec))
            forward = 0;
        prev = now;
        clock_gettime(CLOCK_REALTIME, &real);
        struct timeval tv;
        gettimeofday(&tv, NULL);
        if (time(NULL) < real.tv_sec)
            forward = 0;
    }
    printf("vdso %s, monotonic forward %d, realtime %lld\n",
           getauxval(AT_SYSINFO_EHDR) ? "present" : "absent", forward, (long long)real.tv_sec);
    return 0;
}
