/* refused.c: the system calls no guest may make, in any mode: native mode's seccomp policy
 * refuses them with EPERM (runner/seccomp_policy.c builds its rules from this list), and the
 * personality answers them with EPERM too (the ABI tables' R entries), so that a guest sees the
 * same refusal natively, translated and in the VM. docs/sandbox.md gives the reason for each. */
#include "sys_internal.h"

const char *const xlat_refused_calls[] = {
    /* The guest must not rearrange its own view of the filesystem (it could uncover what the
     * sandbox hid under its mounts) or build new mounts from devices or images. */
    "mount",
    "umount2",
    /* i386's umount (int 0x80 number 22), which x86_64 never had: the same call by another
     * number. */
    "umount",
    "pivot_root",
    "move_mount",
    "open_tree",
    "fsopen",
    "fsmount",
    "fsconfig",
    "fspick",
    "mount_setattr",
    "open_tree_attr",
    /* Loading kernel code or a new kernel. */
    "kexec_load",
    "kexec_file_load",
    "init_module",
    "finit_module",
    "delete_module",
    /* Large kernel attack surface and cross-tenant information (BPF programs, perf counters). */
    "bpf",
    "perf_event_open",
    /* Kernel keyrings are not namespaced: a guest could read or plant the host user's keys. */
    "keyctl",
    "add_key",
    "request_key",
    /* File handles skip path resolution entirely and can open any inode of a mounted
     * filesystem, including ones outside the guest's root. */
    "open_by_handle_at",
    "name_to_handle_at",
    /* Not ptrace: natively a guest may trace its own processes (gdb, strace, LeakSanitizer), as
     * under podman. The pid namespace hides every other process, viv-init is not dumpable, and
     * since Linux 4.8 seccomp checks a call after a tracer has changed it. Translated and in
     * the VM, where a guest's process is no host process to trace, the ABI tables refuse it. */
    /* Joining other namespaces. */
    "setns",
    /* Host-wide state that namespaces do not cover. */
    "reboot",
    "stime", /* i386's, number 25 */
    "settimeofday",
    "clock_settime",
    "clock_adjtime",
    "adjtimex",
    "swapon",
    "swapoff",
    "acct",
    "quotactl",
    "quotactl_fd",
    "lookup_dcookie",
    "syslog",
    /* Terminal and hardware access. */
    "vhangup",
    "iopl",
    "ioperm",
    /* userfaultfd lets a guest stall the kernel mid-copy at will, the classic way to widen race
     * windows in exploits. */
    "userfaultfd",
    /* io_uring runs a guest's I/O from kernel threads, past the calls this policy sees, and has
     * been the kernel's largest source of exploitable flaws; programs that use it fall back to
     * plain system calls where it is refused. */
    "io_uring_setup",
    "io_uring_enter",
    "io_uring_register",
    /* The x86 local descriptor table: 16-bit and old 32-bit code alone (Wine, DOSEMU) needs it,
     * and it has a history of kernel flaws of its own. */
    "modify_ldt",
};
const size_t xlat_refused_count = VIV_ARRAY_SIZE(xlat_refused_calls);

const unsigned long xlat_personality_refused[] = {
    0x0400000, /* READ_IMPLIES_EXEC */
    0x0100000, /* MMAP_PAGE_ZERO */
    0x0200000, /* ADDR_COMPAT_LAYOUT */
    0x0800000, /* ADDR_LIMIT_32BIT */
    0x8000000, /* ADDR_LIMIT_3GB */
    0x0080000, /* FDPIC_FUNCPTRS */
    0x1000000, /* SHORT_INODE */
    0x2000000, /* WHOLE_SECONDS */
    0x4000000, /* STICKY_TIMEOUTS */
};
const size_t xlat_personality_refused_count = VIV_ARRAY_SIZE(xlat_personality_refused);

int64_t xlat_sys_refused(struct xlat_proc *p, const uint64_t *a)
{
    (void)p, (void)a;
    return -EPERM;
}

/* The persona the guest set: only its own, for its later queries; the flags that weaken memory
 * safety are refused as native mode refuses them. */
XLAT_SYS(personality)
{
    uint32_t want = (uint32_t)a[0];
    uint32_t old = p->persona;
    if (want == 0xffffffffu)
        return old;
    /* Bit 31 set is the query's alone, as native mode's policy has it. */
    if (want & 0x80000000u)
        return -EPERM;
    for (size_t i = 0; i < xlat_personality_refused_count; i++)
        if (want & xlat_personality_refused[i])
            return -EPERM;
    p->persona = want;
    return old;
}

/* Nested user namespaces are refused (see runner/seccomp_policy.c); the rest is the VMM's own
 * unshare, which its sandbox allows or refuses as it would the guest's. */
XLAT_SYS(unshare)
{
    (void)p;
    if (a[0] & CLONE_NEWUSER)
        return -EPERM;
    return XLAT_RET(unshare((int)a[0]));
}
