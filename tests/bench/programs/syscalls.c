/* syscalls.c: system-call heavy: 200,000 small writes to /dev/null and getppid calls. */
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>

int main(void)
{
    int fd = open("/dev/null", O_WRONLY);
    long sum = 0;
    for (int i = 0; i < 200000; i++) {
        sum += write(fd, "x", 1);
        sum += getppid() > 0;
    }
    close(fd);
    printf("sum %ld\n", sum);
    return 0;
}
