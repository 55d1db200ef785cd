/* seccomp_policy.c: native mode's default seccomp policy: what a guest may not ask the host
 * kernel to do. docs/sandbox.md gives the reason for each rule; keep the two in step. */
#include "sandbox.h"
#include "syscall-xlat/syscall-xlat.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/sched.h>
#include <linux/seccomp.h>
#include <seccomp.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>

/* Refused outright with EPERM: the calls no guest may make in any mode (xlat_refused_calls,
 * with the reason for each), and personality(2) flags that weaken the guest's own memory safety
 * (xlat_personality_refused). Everything else is allowed: the policy is a denylist so that the
 * kernel's per-syscall cache can skip the filter for every unconditionally allowed call (the
 * hot path of any guest), and argument checks are kept to the few calls that need them.
 * ADDR_NO_RANDOMIZE (setarch -R) stays allowed. libseccomp cannot say "not one of these values"
 * in one rule, so each personality flag is its own rule; the mask includes bit 31 so the query
 * 0xffffffff (every bit set) never matches, and values with bit 31 set have rules of their own. */

static int add(scmp_filter_ctx ctx, uint32_t action, int nr, unsigned n, struct scmp_arg_cmp *cmp,
               struct viv_error *err)
{
    int rc = seccomp_rule_add_array(ctx, action, nr, n, cmp);
    if (rc < 0) {
        char *name = seccomp_syscall_resolve_num_arch(SCMP_ARCH_NATIVE, nr);
        viv_fail(err, -rc, "seccomp rule for %s", name ? name : "?");
        free(name);
        return -1;
    }
    return 0;
}

/* Refused calls newer than the libseccomp viv is built with (open_tree_attr, Linux 6.15, is
 * unknown to libseccomp 2.5, which will not take a rule for a number it cannot name). They are
 * refused by a few instructions put before libseccomp's program, at the number the personality's
 * x86-64 table gives them. A call numbered from 424 on has that one number in every Linux ABI
 * but alpha's, i386's included, so one compare serves both of the policy's sections; an older
 * call libseccomp does not know is an error, as it always was. */
#define NEWER_CALLS_MAX 8
#define FIRST_SHARED_NR 424

struct newer_calls {
    uint32_t nr[NEWER_CALLS_MAX];
    const char *name[NEWER_CALLS_MAX];
    size_t n;
};

static int newer_call_add(struct newer_calls *newer, const char *name, struct viv_error *err)
{
    long nr = xlat_syscall_number(&xlat_abi_x86_64, name);
    if (nr < FIRST_SHARED_NR || newer->n == NEWER_CALLS_MAX)
        return viv_fail(err, EINVAL, "seccomp policy: libseccomp knows no call %s", name);
    newer->nr[newer->n] = (uint32_t)nr;
    newer->name[newer->n++] = name;
    return 0;
}

/* The instructions that refuse the newer calls with EPERM on x86_64 and i386 and fall through
 * to the rest of the program otherwise: at most NEWER_CALLS_MAX + 8. Every call below the
 * lowest of them leaves after two instructions: the kernel runs the program once for each call
 * number of each ABI when it is loaded, to find the calls it may allow without running it (its
 * action cache), and that pass is most of what a longer program adds to a load. Relative jumps
 * only, so libseccomp's program after them needs no change. */
static size_t newer_calls_prefix(const struct newer_calls *newer, struct sock_filter *out)
{
    size_t n = newer->n, k = 0;
    if (n == 0)
        return 0;
    uint32_t lowest = newer->nr[0];
    for (size_t i = 1; i < n; i++)
        lowest = newer->nr[i] < lowest ? newer->nr[i] : lowest;
    /* From each jump, the distance to the first instruction after the prefix (skip) and to the
     * refusal, its last (skip - 1). */
    const size_t len = n + 8;
#define TO_END(at) ((uint8_t)(len - (at)-1))
    out[k++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, lowest, 0, TO_END(k));
    k++;
    out[k++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch));
    out[k++] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0);
    out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_I386, 0, TO_END(k));
    k++;
    out[k++] =
        (struct sock_filter)BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr));
    for (size_t i = 0; i < n; i++, k++)
        out[k] = (struct sock_filter)BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, newer->nr[i],
                                              (uint8_t)(TO_END(k) - 1), 0);
    out[k] = (struct sock_filter)BPF_STMT(BPF_JMP | BPF_JA, TO_END(k));
    k++;
    out[k++] = (struct sock_filter)BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM);
#undef TO_END
    return k;
}

static int policy_build(bool trap_chown, scmp_filter_ctx *out, struct newer_calls *newer,
                        struct viv_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return viv_fail(err, ENOMEM, "seccomp_init");
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    /* 32-bit x86 system calls (int 0x80) get the same rules rather than a way around them.
     * x32 calls (numbers with bit 30 set) are killed by the x86_64 section libseccomp generates,
     * as is any other ABI: x32 binaries are rare enough not to pay for a third section. */
    int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
    if (rc < 0 && rc != -EEXIST)
        goto fail_rc;
    /* A binary tree of syscall numbers instead of a linear chain: a handful of compares for
     * calls the kernel's cache cannot decide alone. */
    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_OPTIMIZE, 2);
    seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);

    newer->n = 0;
    for (size_t i = 0; i < xlat_refused_count; i++) {
        int nr = seccomp_syscall_resolve_name(xlat_refused_calls[i]);
        if (nr == __NR_SCMP_ERROR) {
            if (newer_call_add(newer, xlat_refused_calls[i], err) < 0)
                goto fail;
        } else if (add(ctx, eperm, nr, 0, NULL, err) < 0)
            goto fail;
    }

    /* No nested user namespaces: inside one a guest would get a full capability set over new
     * mount and network namespaces, the entry point of most recent kernel exploits. clone and
     * unshare carry the flags in a register the filter can check; clone3 carries them in memory
     * it cannot, so it gets ENOSYS, which makes libc fall back to clone. */
    struct scmp_arg_cmp newuser = SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_NEWUSER, CLONE_NEWUSER);
    if (add(ctx, eperm, SCMP_SYS(clone), 1, &newuser, err) < 0 ||
        add(ctx, eperm, SCMP_SYS(unshare), 1, &newuser, err) < 0 ||
        add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0, NULL, err) < 0)
        goto fail;

    /* No typing into the caller's terminal (TIOCSTI pushes input that the caller's shell then
     * runs; TIOCLINUX can do the same on a virtual console). The request is an int: the kernel
     * ignores the upper 32 bits of the register, so the compare must too. */
    static const unsigned long tty_requests[] = {TIOCSTI, TIOCLINUX};
    for (size_t i = 0; i < VIV_ARRAY_SIZE(tty_requests); i++) {
        struct scmp_arg_cmp req = SCMP_A1(SCMP_CMP_MASKED_EQ, 0xffffffffu, tty_requests[i]);
        if (add(ctx, eperm, SCMP_SYS(ioctl), 1, &req, err) < 0)
            goto fail;
    }

    for (size_t i = 0; i < xlat_personality_refused_count; i++) {
        unsigned long flag = xlat_personality_refused[i];
        struct scmp_arg_cmp p = SCMP_A0(SCMP_CMP_MASKED_EQ, flag | 0x80000000ul, flag);
        if (add(ctx, eperm, SCMP_SYS(personality), 1, &p, err) < 0)
            goto fail;
    }
    /* With bit 31 set, only the query itself: any other such value sets a persona like any
     * value, refused flags included, and no persona has a use for bit 31. Some bit is clear in
     * each of them, one rule per bit. */
    for (unsigned bit = 0; bit < 31; bit++) {
        struct scmp_arg_cmp p =
            SCMP_A0(SCMP_CMP_MASKED_EQ, 0x80000000ul | 1ul << bit, 0x80000000ul);
        if (add(ctx, eperm, SCMP_SYS(personality), 1, &p, err) < 0)
            goto fail;
    }

    if (trap_chown) {
        struct xlat_trap_config tc = {.rootless = true};
        size_t n;
        const int *nrs = xlat_trap_syscalls(&tc, &n);
        for (size_t i = 0; i < n; i++)
            if (add(ctx, SCMP_ACT_NOTIFY, nrs[i], 0, NULL, err) < 0)
                goto fail;
    }
    *out = ctx;
    return 0;
fail_rc:
    viv_fail(err, -rc, "seccomp policy");
fail:
    seccomp_release(ctx);
    return -1;
}

int seccomp_policy_compile(bool trap_chown, void *buf, size_t max, size_t *len,
                           struct viv_error *err)
{
    scmp_filter_ctx ctx;
    struct newer_calls newer;
    if (policy_build(trap_chown, &ctx, &newer, err) < 0)
        return -1;
    struct sock_filter prefix[NEWER_CALLS_MAX + 8];
    size_t head = newer_calls_prefix(&newer, prefix) * sizeof(struct sock_filter);
    /* libseccomp 2.5 exports to an fd only. */
    _cleanup_close_ int fd = memfd_create("seccomp-bpf", MFD_CLOEXEC);
    int rc = fd < 0 ? -errno : seccomp_export_bpf(ctx, fd);
    seccomp_release(ctx);
    if (rc < 0)
        return viv_fail(err, -rc, "compile the seccomp policy");
    off_t size = lseek(fd, 0, SEEK_END);
    if (size <= 0 || head + (size_t)size > max)
        return viv_fail(err, EFBIG, "compile the seccomp policy: %zu bytes",
                        head + (size_t)(size > 0 ? size : 0));
    memcpy(buf, prefix, head);
    if (pread(fd, (char *)buf + head, (size_t)size, 0) != size)
        return viv_fail(err, errno, "read the compiled seccomp policy");
    *len = head + (size_t)size;
    return 0;
}

int seccomp_policy_install(const void *bpf, size_t len, bool trap_chown, int *notify_fd,
                           struct viv_error *err)
{
    *notify_fd = -1;
    size_t n = len / sizeof(struct sock_filter);
    if (n == 0 || n > BPF_MAXINSNS || len % sizeof(struct sock_filter))
        return viv_fail(err, EINVAL, "the seccomp policy: %zu bytes is no BPF program", len);
    struct sock_fprog prog = {.len = (unsigned short)n, .filter = (struct sock_filter *)bpf};
    /* What seccomp_load would do with this program: no TSYNC (the instance has one thread),
     * no SPEC_ALLOW (the kernel's default speculation mitigations stay), and a listener only
     * when calls are trapped. no_new_privs is already set (sandbox_privs.c). */
    unsigned flags = trap_chown ? SECCOMP_FILTER_FLAG_NEW_LISTENER : 0;
    long rc = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, flags, &prog);
    if (rc < 0)
        return viv_fail(err, errno, "load the seccomp policy");
    if (trap_chown)
        *notify_fd = (int)rc; /* O_CLOEXEC, made so by the kernel */
    return 0;
}

int seccomp_policy_load(bool trap_chown, int *notify_fd, struct viv_error *err)
{
    *notify_fd = -1;
    /* As libseccomp's own load would: a process without CAP_SYS_ADMIN may load no filter
     * otherwise. */
    if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
        return viv_fail(err, errno, "set no_new_privs");
    /* The program the instances load, from the same cache. */
    const void *bpf;
    size_t len;
    if (seccomp_policy_program(trap_chown, &bpf, &len, err) < 0)
        return -1;
    return seccomp_policy_install(bpf, len, trap_chown, notify_fd, err);
}

/* The calls a guest's native process may make on its own processes but a translator or a VMM
 * never needs: each serves its guest's equivalents itself, on the guest's own terms. Should the
 * guest take over the engine's process, these would read or steal from the engine's siblings
 * (their memory, the /dev/kvm or root fd they hold), which under the guest's policy alone are
 * its own processes and open to it. */
static const char *const engine_refused[] = {"ptrace", "process_vm_readv", "process_vm_writev",
                                             "pidfd_getfd"};

int seccomp_engine_load(struct viv_error *err)
{
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx)
        return viv_fail(err, ENOMEM, "seccomp_init");
    int rc = seccomp_arch_add(ctx, SCMP_ARCH_X86);
    if (rc == -EEXIST)
        rc = 0;
    seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1);
    for (size_t i = 0; rc == 0 && i < VIV_ARRAY_SIZE(engine_refused); i++)
        rc = seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EPERM),
                              seccomp_syscall_resolve_name(engine_refused[i]), 0);
    if (rc == 0)
        rc = seccomp_load(ctx);
    seccomp_release(ctx);
    return rc < 0 ? viv_fail(err, -rc, "load the engine's seccomp filter") : 0;
}

char *seccomp_policy_describe(bool trap_chown)
{
    scmp_filter_ctx ctx;
    struct newer_calls newer;
    struct viv_error err;
    if (policy_build(trap_chown, &ctx, &newer, &err) < 0)
        return NULL;
    int fd = memfd_create("seccomp-pfc", MFD_CLOEXEC);
    char *text = NULL;
    size_t len;
    bool ok = fd >= 0 && seccomp_export_pfc(ctx, fd) == 0;
    /* The instructions before libseccomp's program, in its words. */
    if (ok && newer.n) {
        dprintf(fd, "#\n# before the program above, on x86_64 and x86:\n");
        for (size_t i = 0; i < newer.n; i++)
            dprintf(fd,
                    "# filter for syscall \"%s\" (%u)\nif ($syscall == %u)\n  action ERRNO(%d);\n",
                    newer.name[i], newer.nr[i], newer.nr[i], EPERM);
    }
    if (ok && lseek(fd, 0, SEEK_SET) == 0)
        viv_read_fd(fd, "seccomp-pfc", 1 << 20, &text, &len, &err);
    if (fd >= 0)
        close(fd);
    seccomp_release(ctx);
    return text;
}
