/* error.c: the error object that libraries fill and only main prints. */
#include "base.h"

#include <errno.h>
#include <string.h>

int viv_fail(struct viv_error *err, int errnum, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
    va_end(ap);
    if (errnum && n >= 0 && (size_t)n < sizeof(err->msg))
        snprintf(err->msg + n, sizeof(err->msg) - (size_t)n, ": %s", strerror(errnum));
    err->code = errnum;
    return -1;
}

int viv_wrap(struct viv_error *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char prefix[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof(prefix), fmt, ap);
    va_end(ap);
    char old[sizeof(err->msg)];
    memcpy(old, err->msg, sizeof(old));
    /* Truncation keeps the outer context, which says most about where it failed. */
    size_t n = strnlen(prefix, sizeof(prefix));
    memcpy(err->msg, prefix, n);
    if (n + 2 < sizeof(err->msg)) {
        err->msg[n] = ':';
        err->msg[n + 1] = ' ';
        size_t rest = sizeof(err->msg) - n - 3;
        size_t ol = strnlen(old, rest);
        memcpy(err->msg + n + 2, old, ol);
        err->msg[n + 2 + ol] = '\0';
    } else {
        err->msg[n] = '\0';
    }
    return -1;
}

void viv_error_clear(struct viv_error *err)
{
    err->code = 0;
    err->msg[0] = '\0';
}

static void oom(void)
{
    static const char m[] = "viv: out of memory\n";
    (void)!write(2, m, sizeof(m) - 1);
    _exit(125);
}

void *viv_xmalloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        oom();
    return p;
}

void *viv_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        oom();
    return p;
}

void *viv_xrealloc(void *p, size_t n)
{
    p = realloc(p, n ? n : 1);
    if (!p)
        oom();
    return p;
}

char *viv_xstrdup(const char *s)
{
    char *p = strdup(s);
    if (!p)
        oom();
    return p;
}

char *viv_xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s;
    va_start(ap, fmt);
    int n = vasprintf(&s, fmt, ap);
    va_end(ap);
    if (n < 0)
        oom();
    return s;
}
