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
        fprintf(out,
                "{\"wall_seconds\":%.6f,\"user_seconds\":%.6f,\"system_seconds\":%.6f,"
                "\"peak_memory_bytes\":%llu,\"peak_memory_source\":\"%s\","
                "\"trapped_syscalls\":%llu,\"exit_status\":%d,\"timed_out\":%s,"
                "\"oom_killed\":%s",
                wall, user, sys, (unsigned long long)st->peak_memory,
                st->peak_source ? st->peak_source : "none", (unsigned long long)st->trapped,
                st->status, st->timed_out ? "true" : "false", st->oom_killed ? "true" : "false");
        if (st->vm)
            vm_engine_stats_print(out, st->vm, true);
        fprintf(out, "}\n");
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
        vm_engine_stats_print(out, st->vm, false);
}
