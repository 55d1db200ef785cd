/* sys_fs.c: file-descriptor calls: guest fds are host fds, passed through after checks. */
#include "sys_internal.h"

#include <fcntl.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <linux/close_range.h>
#include <linux/sockios.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

XLAT_SYS(openat)
{
    struct xlat_path r;
    int e = xlat_path_get(p, (int64_t)a[0], a[1], &r);
    if (e < 0)
        return e;
    if (r.buf[0] == '/' && (e = xlat_procfs_open(p, r.buf, (int)a[2])) != XLAT_PROCFS_NOT_OURS)
        return e;
    /* The open flags of asm-generic/fcntl.h, which riscv64 uses, have x86-64's values. */
    return xlat_path_open(&r, (int)a[2], (unsigned)a[3]);
}

XLAT_SYS(close)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(close((int)a[0]));
}

/* A guest buffer the host call may write (W) or read (R): EFAULT before any host call. */
#define BUF_OR_EFAULT(var, addr, len, need)                                                        \
    void *var = xlat_mem_ptr(p->mem, (addr), (len), (need));                                       \
    if (!var)                                                                                      \
        return -EFAULT

XLAT_SYS(read)
{
    FD_OR_EBADF(a[0]);
    BUF_OR_EFAULT(buf, a[1], a[2], XLAT_PG_W);
    int64_t n = XLAT_RET(read((int)a[0], buf, a[2]));
    xlat_signalfd_read(p, (int)a[0], buf, n);
    return n;
}

XLAT_SYS(write)
{
    FD_OR_EBADF(a[0]);
    BUF_OR_EFAULT(buf, a[1], a[2], XLAT_PG_R);
    return XLAT_RET(write((int)a[0], buf, a[2]));
}

XLAT_SYS(pread64)
{
    FD_OR_EBADF(a[0]);
    BUF_OR_EFAULT(buf, a[1], a[2], XLAT_PG_W);
    return XLAT_RET(pread((int)a[0], buf, a[2], (off_t)a[3]));
}

XLAT_SYS(pwrite64)
{
    FD_OR_EBADF(a[0]);
    BUF_OR_EFAULT(buf, a[1], a[2], XLAT_PG_R);
    return XLAT_RET(pwrite((int)a[0], buf, a[2], (off_t)a[3]));
}

/* The guest's n iovecs at g in host form: struct iovec is two 64-bit words on both sides; each
 * base is checked and translated, for the host call to write (to_guest) or read. */
static int64_t iov_in(struct xlat_proc *p, uint64_t g, uint64_t n, bool to_guest, struct iovec *iov)
{
    if (n > IOV_MAX)
        return -EINVAL;
    for (uint64_t i = 0; i < n; i++) {
        uint64_t w[2];
        if (xlat_mem_read(p->mem, g + i * 16, w, 16) < 0)
            return -EFAULT;
        iov[i].iov_base = xlat_mem_ptr(p->mem, w[0], w[1], to_guest ? XLAT_PG_W : XLAT_PG_R);
        iov[i].iov_len = w[1];
        if (!iov[i].iov_base)
            return -EFAULT;
    }
    return 0;
}

/* readv, writev and the positioned forms: the raw preadv2 and pwritev2 take every one of them
 * (offset -1 is the file's own position; on a 64-bit kernel the offset's high word is unused,
 * pos_from_hilo). */
static int64_t iov_call(struct xlat_proc *p, const uint64_t *a, bool to_guest, int64_t off,
                        int flags)
{
    FD_OR_EBADF(a[0]);
    struct iovec iov[IOV_MAX];
    int64_t e = iov_in(p, a[1], a[2], to_guest, iov);
    if (e < 0)
        return e;
    long nr = to_guest ? SYS_preadv2 : SYS_pwritev2;
    return XLAT_RET(syscall(nr, (int)a[0], iov, (int)a[2], (long)off, 0L, flags));
}

XLAT_SYS(readv)
{
    return iov_call(p, a, true, -1, 0);
}

XLAT_SYS(writev)
{
    return iov_call(p, a, false, -1, 0);
}

/* preadv and pwritev have no "current position": a negative offset is EINVAL. */
XLAT_SYS(preadv)
{
    return (int64_t)a[3] < 0 ? -EINVAL : iov_call(p, a, true, (int64_t)a[3], 0);
}

XLAT_SYS(pwritev)
{
    return (int64_t)a[3] < 0 ? -EINVAL : iov_call(p, a, false, (int64_t)a[3], 0);
}

XLAT_SYS(preadv2)
{
    return iov_call(p, a, true, (int64_t)a[3], (int)a[5]);
}

XLAT_SYS(pwritev2)
{
    return iov_call(p, a, false, (int64_t)a[3], (int)a[5]);
}

XLAT_SYS(lseek)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(lseek((int)a[0], (off_t)a[1], (int)a[2]));
}

XLAT_SYS(dup)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(dup((int)a[0]));
}

XLAT_SYS(dup3)
{
    FD_OR_EBADF(a[0]);
    FD_OR_EBADF(a[1]);
    return XLAT_RET(dup3((int)a[0], (int)a[1], (int)a[2]));
}

XLAT_SYS(fcntl)
{
    FD_OR_EBADF(a[0]);
    int cmd = (int)a[1];
    switch (cmd) {
    case F_DUPFD:
    case F_DUPFD_CLOEXEC:
    case F_GETFD:
    case F_SETFD:
    case F_GETFL:
    case F_SETFL:
    case F_GETPIPE_SZ:
    case F_SETPIPE_SZ:
    case F_GET_SEALS:
    case F_ADD_SEALS:
        /* Integer arguments only: nothing to translate. */
        return XLAT_RET(fcntl((int)a[0], cmd, (int)a[2]));
    case F_GETLK:
    case F_SETLK:
    case F_SETLKW: {
        /* struct flock of asm-generic is x86-64's: two shorts, then 64-bit start, len, pid. */
        struct flock fl;
        if (xlat_mem_read(p->mem, a[2], &fl, sizeof(fl)) < 0)
            return -EFAULT;
        if (fcntl((int)a[0], cmd, &fl) < 0)
            return -errno;
        return cmd == F_GETLK ? xlat_mem_write(p->mem, a[2], &fl, sizeof(fl)) : 0;
    }
    default:
        return -EINVAL;
    }
}

XLAT_SYS(pipe2)
{
    int fds[2];
    if (!xlat_mem_ptr(p->mem, a[0], sizeof(fds), XLAT_PG_W))
        return -EFAULT;
    if (pipe2(fds, (int)a[1]) < 0)
        return -errno;
    return xlat_mem_write(p->mem, a[0], fds, sizeof(fds));
}

XLAT_SYS(ioctl)
{
    /* No typing into the caller's terminal, whatever the fd, as native mode's policy refuses
     * it (runner/seccomp_policy.c); the request is an int, its upper bits ignored. */
    if ((uint32_t)a[1] == TIOCSTI || (uint32_t)a[1] == TIOCLINUX)
        return -EPERM;
    FD_OR_EBADF(a[0]);
    /* Only requests whose argument size is known: the terminal ones a libc's isatty, stdio and
     * line editing use. struct termios of asm-generic (riscv64) and x86-64 are the same 36
     * bytes; request numbers are the generic ones on both. */
    size_t size;
    bool out;
    switch ((unsigned long)a[1]) {
    case TCGETS:
        size = 36, out = true;
        break;
    case TCSETS:
    case TCSETSW:
    case TCSETSF:
        size = 36, out = false;
        break;
    case TIOCGWINSZ:
        size = sizeof(struct winsize), out = true;
        break;
    case TIOCSWINSZ:
        size = sizeof(struct winsize), out = false;
        break;
    case TIOCGPGRP:
    case FIONREAD:
    case TIOCOUTQ:   /* SIOCOUTQ */
    case SIOCATMARK: /* the socket ioctls of socket(7), tcp(7), udp(7) */
        size = sizeof(int), out = true;
        break;
    case TIOCSPGRP:
    case FIONBIO: /* Python's setblocking, among others */
    case FIOASYNC:
        size = sizeof(int), out = false;
        break;
    case FIOCLEX:
    case FIONCLEX:
        size = 0, out = false;
        break;
    /* An interface by name or index (netdevice(7)): struct ifreq, 40 bytes of values on both
     * ABIs. Not SIOCGIFCONF, SIOCETHTOOL or the private ones, whose ifreq holds a pointer. */
    case SIOCGIFNAME:
    case SIOCGIFINDEX:
    case SIOCGIFFLAGS:
    case SIOCGIFADDR:
    case SIOCGIFDSTADDR:
    case SIOCGIFBRDADDR:
    case SIOCGIFNETMASK:
    case SIOCGIFMTU:
    case SIOCGIFHWADDR:
    case SIOCGIFTXQLEN:
        size = 40, out = true;
        break;
    default:
        return -ENOTTY;
    }
    BUF_OR_EFAULT(buf, a[2], size, out ? XLAT_PG_W : XLAT_PG_R);
    if ((unsigned long)a[1] == TIOCSPGRP || (unsigned long)a[1] == TIOCGPGRP) {
        /* The terminal's foreground group, under the ids the guest knows (sys_pgrp.c). */
        int g = 0;
        memcpy(&g, buf, sizeof(g));
        g = xlat_pid_to_host(p, g);
        if (ioctl((int)a[0], (unsigned long)a[1], &g) < 0)
            return -errno;
        g = xlat_pid_to_guest(p, g);
        if (out)
            memcpy(buf, &g, sizeof(g));
        return 0;
    }
    return XLAT_RET(ioctl((int)a[0], (unsigned long)a[1], buf));
}

XLAT_SYS(getdents64)
{
    /* struct linux_dirent64 has one layout on every architecture. */
    FD_OR_EBADF(a[0]);
    BUF_OR_EFAULT(buf, a[1], a[2], XLAT_PG_W);
    int64_t n = XLAT_RET(syscall(SYS_getdents64, (int)a[0], buf, (unsigned)a[2]));
    return xlat_procfs_dents(p, (int)a[0], buf, n);
}

XLAT_SYS(ftruncate)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(ftruncate((int)a[0], (off_t)a[1]));
}

XLAT_SYS(fsync)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(fsync((int)a[0]));
}

XLAT_SYS(fchmod)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(fchmod((int)a[0], (mode_t)a[1]));
}

/* The name is at most 249 bytes (memfd_create(2)); the flags have the same values everywhere. */
XLAT_SYS(memfd_create)
{
    char name[250];
    long n = xlat_mem_string(p->mem, a[0], name, sizeof(name));
    if (n < 0)
        return n == -ENAMETOOLONG ? -EINVAL : n;
    return XLAT_RET(memfd_create(name, (unsigned)a[1]));
}

/* close_range never reaches the engine's fds: the range stops below XLAT_FD_FLOOR, and the
 * reserved ones below it split it. CLOSE_RANGE_UNSHARE would give this host thread an fd table
 * of its own, which the engine's threads must share: the range closes in the shared one, which
 * is what a process with one thread, the flag's usual caller, sees either way. */
XLAT_SYS(close_range)
{
    unsigned first = (unsigned)a[0], last = (unsigned)a[1], flags = (unsigned)a[2];
    if (first > last || (flags & ~(unsigned)(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC)))
        return -EINVAL;
    flags &= ~(unsigned)CLOSE_RANGE_UNSHARE;
    if (last >= XLAT_FD_FLOOR)
        last = XLAT_FD_FLOOR - 1;
    for (unsigned lo = first; lo <= last && lo < XLAT_FD_FLOOR;) {
        if (xlat_fd_reserved(p, lo)) {
            lo++;
            continue;
        }
        unsigned hi = lo;
        while (hi < last && !xlat_fd_reserved(p, hi + 1))
            hi++;
        if (syscall(SYS_close_range, lo, hi, flags) < 0)
            return -errno;
        lo = hi + 1;
    }
    return 0;
}
