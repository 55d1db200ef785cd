/* uname.c: what a program learns about the machine it runs on; differs from native by design
 * (the machine is riscv64, char is unsigned), so it is compared with qemu-riscv64. */
#include <limits.h>
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(void)
{
    struct utsname u;
    if (uname(&u) != 0)
        return 1;
    printf("sysname %s\n", u.sysname);
    printf("machine %s\n", u.machine);
    printf("page size %ld\n", sysconf(_SC_PAGESIZE));
    printf("char is %s\n", CHAR_MIN < 0 ? "signed" : "unsigned");
    printf("long %zu bits, pointer %zu bits\n", sizeof(long) * 8, sizeof(void *) * 8);
    unsigned one = 1;
    printf("byte order %s\n", *(unsigned char *)&one ? "little-endian" : "big-endian");
    printf("long double %zu bytes\n", sizeof(long double));
    return 0;
}
