/* sys_x86_64.c: the calls only x86-64 has: the legacy path and fd calls that the generic ABI
 * replaced with *at forms (served by those), and arch_prctl. */
#include "sys_internal.h"

#include <fcntl.h>

#define ARCH_SET_FS 0x1002 /* arch/x86/include/uapi/asm/prctl.h */
#define ARCH_GET_FS 0x1003
#define X86_USER_TOP (1ull << 47)

XLAT_SYS(open)
{
    return xlat_sys_openat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], a[2]});
}

XLAT_SYS(stat)
{
    return xlat_sys_newfstatat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], 0});
}

XLAT_SYS(lstat)
{
    return xlat_sys_newfstatat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], AT_SYMLINK_NOFOLLOW});
}

XLAT_SYS(access)
{
    return xlat_sys_faccessat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1]});
}

XLAT_SYS(pipe)
{
    return xlat_sys_pipe2(p, (const uint64_t[]){a[0], 0});
}

XLAT_SYS(dup2)
{
    /* dup2(2): the same fd twice is that fd when it is open; dup3 would say EINVAL. */
    if (a[0] == a[1]) {
        if (xlat_fd_reserved(p, (int64_t)a[0]) || fcntl((int)a[0], F_GETFD) < 0)
            return -EBADF;
        return (int64_t)a[1];
    }
    return xlat_sys_dup3(p, (const uint64_t[]){a[0], a[1], 0});
}

XLAT_SYS(mkdir)
{
    return xlat_sys_mkdirat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1]});
}

XLAT_SYS(rmdir)
{
    return xlat_sys_unlinkat(p, (const uint64_t[]){XLAT_CWD, a[0], AT_REMOVEDIR});
}

XLAT_SYS(unlink)
{
    return xlat_sys_unlinkat(p, (const uint64_t[]){XLAT_CWD, a[0], 0});
}

XLAT_SYS(rename)
{
    return xlat_sys_renameat(p, (const uint64_t[]){XLAT_CWD, a[0], XLAT_CWD, a[1]});
}

XLAT_SYS(readlink)
{
    return xlat_sys_readlinkat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], a[2]});
}

XLAT_SYS(symlink)
{
    return xlat_sys_symlinkat(p, (const uint64_t[]){a[0], XLAT_CWD, a[1]});
}

XLAT_SYS(chmod)
{
    return xlat_sys_fchmodat(p, (const uint64_t[]){XLAT_CWD, a[0], a[1], 0});
}

/* The FS base is the thread's TLS pointer; the engine loads it into its hart. */
XLAT_SYS(arch_prctl)
{
    struct xlat_thread *t = xlat_thread_cur(p);
    switch (a[0]) {
    case ARCH_SET_FS: {
        /* Linux refuses a base outside the user half (do_arch_prctl_64: EPERM). */
        if (a[1] >= X86_USER_TOP)
            return -EPERM;
        if (!p->hooks.set || !p->hooks.h.set_fs || !t->hart)
            return -EINVAL;
        int e = p->hooks.h.set_fs(t->hart, a[1]);
        if (e < 0)
            return e;
        t->fs_base = a[1];
        return 0;
    }
    case ARCH_GET_FS:
        return xlat_mem_write(p->mem, a[1], &t->fs_base, sizeof(t->fs_base));
    default:
        return -EINVAL;
    }
}
