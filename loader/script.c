/* script.c: the interpreter line of a #! script, as Linux's binfmt_script reads it. */
#include "loader.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

bool script_line(int fd, char *interp, size_t ilen, char *arg, size_t alen)
{
    char buf[256];
    ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
    if (n < 2 || buf[0] != '#' || buf[1] != '!')
        return false;
    buf[n] = '\0';
    char *end = strchr(buf, '\n');
    if (end)
        *end = '\0';
    char *s = buf + 2;
    while (*s == ' ' || *s == '\t')
        s++;
    char *e = s;
    while (*e && *e != ' ' && *e != '\t')
        e++;
    if (e == s || (size_t)(e - s) >= ilen)
        return false;
    snprintf(interp, ilen, "%.*s", (int)(e - s), s);
    while (*e == ' ' || *e == '\t')
        e++;
    size_t al = strlen(e);
    while (al && (e[al - 1] == ' ' || e[al - 1] == '\t'))
        al--;
    snprintf(arg, alen, "%.*s", (int)al, e);
    return true;
}
