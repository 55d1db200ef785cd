/* trace.c: --trace categories, off by default at the cost of one branch. */
#include "base.h"

#include <time.h>

#include <string.h>

unsigned viv_trace_mask;
/* Traces carry the time since tracing was turned on, so that they say where the time goes. */
static int64_t trace_start_us;

static int64_t now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static const struct {
    const char *name;
    unsigned bit;
} trace_names[] = {
    {"img", VIV_TRACE_IMG}, {"sys", VIV_TRACE_SYS},   {"vm", VIV_TRACE_VM},
    {"run", VIV_TRACE_RUN}, {"xlat", VIV_TRACE_XLAT}, {"all", ~0u},
};

int viv_trace_parse(const char *list, struct viv_error *err)
{
    char *copy = viv_xstrdup(list), *save = NULL;
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        size_t i;
        for (i = 0; i < VIV_ARRAY_SIZE(trace_names); i++)
            if (strcmp(tok, trace_names[i].name) == 0)
                break;
        if (i == VIV_ARRAY_SIZE(trace_names)) {
            viv_fail(err, 0, "--trace: unknown category '%s' (img, sys, vm, run, xlat, all)", tok);
            free(copy);
            return -1;
        }
        viv_trace_mask |= trace_names[i].bit;
    }
    free(copy);
    trace_start_us = now_us();
    return 0;
}

void viv_trace_printf(const char *cat, const char *fmt, ...)
{
    char line[4096];
    int64_t us = now_us() - trace_start_us;
    int n = snprintf(line, sizeof(line), "viv[%s +%lld.%03lldms]: ", cat, (long long)(us / 1000),
                     (long long)(us % 1000));
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof(line) - (size_t)n, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    if (len < sizeof(line) - 1)
        line[len++] = '\n';
    (void)!write(2, line, len);
}

int64_t viv_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
