/* hello.c: the smallest translated program: one line on stdout, exit status 0. */
#include <stdio.h>

int main(void)
{
    printf("hello from riscv64\n");
    return 0;
}
