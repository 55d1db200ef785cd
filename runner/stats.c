/* stats.c: the metering report of one instance (--stats, --stats=json), printed at exit. */
#include "sandbox.h"
#include "vm_engine.h"

static double tv_sec(struct timeval tv)
{
    return (double)tv.tv_sec + (double)tv.tv_usec / 1e6;
}

void stats_print(FILE *out, const struct viv_run_stats *st, bool json)
{
    double wall = (double)st->wall_ns / 1e9;
    double user = tv_sec(st->ru.ru_utime), sys = tv_sec(st->ru.ru_stime);
    if (json) {
        json_t *o = json_pack("{s:f, s:f, s:f, s:I, s:s, s:I, s:i, s:b, s:b}", "wall_seconds",
                              wall, "user_seconds", user, "system_seconds", sys,
                              "peak_memory_bytes", (json_int_t)st->peak_memory,
                              "peak_memory_source", st->peak_source ? st->peak_source : "none",
                              "trapped_syscalls", (json_int_t)st->trapped, "exit_status",
                              st->status, "timed_out", st->timed_out, "oom_killed",
                              st->oom_killed);
        if (st->vm)
            json_object_set_new(o, "vm", vm_engine_stats_json(st->vm));
        json_dumpf(o, out, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(6));
        fputc('\n', out);
        json_decref(o);
        return;
    }
    char peak[32];
    viv_format_bytes_human(st->peak_memory, peak, sizeof(peak));
    fprintf(out,
            "viv: stats: wall %.3fs, user %.3fs, system %.3fs, peak memory %s (%s), "
            "trapped calls %llu, exit status %d%s%s\n",
            wall, user, sys, peak, st->peak_source ? st->peak_source : "unknown",
            (unsigned long long)st->trapped, st->status, st->timed_out ? " (timed out)" : "",
            st->oom_killed ? " (out of memory)" : "");
    if (st->vm)
        vm_engine_stats_print(out, st->vm);
}
