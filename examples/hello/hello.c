/* hello: the smallest appliance: a static program that greets and reports where it runs. */
#include <stdio.h>
#include <sys/utsname.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    struct utsname u;
    uname(&u);
    printf("hello from vivarium: pid %d on %s (%s)\n", (int)getpid(), u.nodename, u.machine);
    for (int i = 1; i < argc; i++)
        printf("arg %d: %s\n", i, argv[i]);
    return 0;
}
