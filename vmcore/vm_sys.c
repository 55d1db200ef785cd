/* vm_sys.c: the hypercall dispatcher: x86-64 Linux system calls of the guest, served with host
 * calls. The host ABI is the guest's (same numbers, same structures), so results pass through
 * unconverted; what is checked is every guest pointer, every fd and every path. */
#include "vmcore.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

#define ARCH_SET_FS 0x1002
#define ARCH_GET_FS 0x1003
#define VM_IO_MAX (1u << 30) /* one read or write moves at most this, as Linux's MAX_RW_COUNT */
#define VM_IOV_MAX 1024

static int64_t ret_of(int64_t r)
{
    return r < 0 ? -(int64_t)errno : r;
}

void vm_proc_init(struct vm_proc *p, struct vm_mem *m, int root_fd, const char *hostname)
{
    memset(p, 0, sizeof(*p));
    p->mem = m;
    p->root_fd = root_fd;
    p->hostname = hostname;
    snprintf(p->cwd, sizeof(p->cwd), "/");
    p->ss_flags = 2; /* SS_DISABLE: no alternate signal stack until sigaltstack */
    for (int i = 0; i < VM_MAX_FDS; i++)
        p->fds[i] = i < 3 ? -(i + 2) : -1; /* -2..-4: host 0..2, borrowed */
}

int vm_host_fd(const struct vm_proc *p, int64_t gfd)
{
    if (gfd < 0 || gfd >= VM_MAX_FDS || p->fds[gfd] == -1)
        return -1;
    return p->fds[gfd] < -1 ? -(p->fds[gfd] + 2) : p->fds[gfd];
}

void vm_proc_release(struct vm_proc *p)
{
    for (int i = 0; i < VM_MAX_FDS; i++) {
        if (p->fds[i] >= 0)
            close(p->fds[i]);
        p->fds[i] = -1;
    }
}

int vm_proc_set_fd(struct vm_proc *p, int gfd, int hfd)
{
    if (gfd < 0 || gfd >= VM_MAX_FDS)
        return -EBADF;
    if (p->fds[gfd] >= 0)
        close(p->fds[gfd]);
    p->fds[gfd] = hfd;
    return 0;
}

/* The lowest free guest fd for a new host fd (owned): the fd, or -EMFILE (hfd closed). */
int vm_install_fd(struct vm_proc *p, int hfd)
{
    for (int i = 0; i < VM_MAX_FDS; i++) {
        if (p->fds[i] == -1) {
            p->fds[i] = hfd;
            return i;
        }
    }
    close(hfd);
    return -EMFILE;
}

/* Open a guest path inside the root. Absolute paths and paths relative to the working folder
 * resolve from the root fd with RESOLVE_IN_ROOT: "..", absolute symlinks and all stay inside
 * (openat2(2)). Paths relative to another fd stay beneath it (RESOLVE_BENEATH): stricter than
 * Linux where they would climb out of that folder, never wider. */
static int open_path(struct vm_proc *p, int64_t gdirfd, uint64_t gpath, int flags, unsigned mode,
                     bool empty_ok)
{
    char path[4096];
    long n = xlat_mem_string(&p->mem->user, gpath, path, sizeof(path));
    if (n < 0)
        return (int)n;
    struct open_how how = {.flags = (uint64_t)(flags | O_CLOEXEC),
                           .mode = (flags & (O_CREAT | __O_TMPFILE)) ? (mode & 07777) : 0,
                           .resolve = RESOLVE_NO_MAGICLINKS};
    if (n == 0) {
        if (!empty_ok)
            return -ENOENT;
        how.flags |= O_PATH;
    }
    int base;
    char joined[8192];
    const char *name = path;
    if (path[0] == '/' || gdirfd == AT_FDCWD) {
        base = p->root_fd;
        how.resolve |= RESOLVE_IN_ROOT;
        if (path[0] != '/') {
            snprintf(joined, sizeof(joined), "%s/%s", p->cwd, n ? path : ".");
            name = joined;
        }
    } else {
        base = vm_host_fd(p, (int32_t)gdirfd);
        if (base < 0)
            return -EBADF;
        how.resolve |= RESOLVE_BENEATH;
        if (n == 0)
            name = ".";
    }
    long fd = syscall(SYS_openat2, base, name, &how, sizeof(how));
    return fd < 0 ? -errno : (int)fd;
}

static VM_SYS(read)
{
    int fd = vm_host_fd(p, a[0]);
    if (fd < 0)
        return -EBADF;
    uint64_t len = a[2] > VM_IO_MAX ? VM_IO_MAX : a[2];
    void *h = xlat_mem_ptr(&p->mem->user, a[1], len, XLAT_PG_W);
    if (!h)
        return -EFAULT;
    return ret_of(read(fd, h, len));
}

static VM_SYS(write)
{
    int fd = vm_host_fd(p, a[0]);
    if (fd < 0)
        return -EBADF;
    uint64_t len = a[2] > VM_IO_MAX ? VM_IO_MAX : a[2];
    const void *h = xlat_mem_ptr(&p->mem->user, a[1], len, XLAT_PG_R);
    if (!h)
        return -EFAULT;
    return ret_of(write(fd, h, len));
}

static VM_SYS(writev)
{
    int fd = vm_host_fd(p, a[0]);
    if (fd < 0)
        return -EBADF;
    if (a[2] > VM_IOV_MAX)
        return -EINVAL;
    struct iovec iov[VM_IOV_MAX];
    uint64_t total = 0;
    for (uint64_t i = 0; i < a[2]; i++) {
        uint64_t g[2];
        if (xlat_mem_read(&p->mem->user, a[1] + 16 * i, g, 16) < 0 || a[1] + 16 * i < a[1])
            return -EFAULT;
        if (g[1] > VM_IO_MAX - total)
            return -EINVAL;
        total += g[1];
        iov[i].iov_base = xlat_mem_ptr(&p->mem->user, g[0], g[1], XLAT_PG_R);
        iov[i].iov_len = g[1];
        if (!iov[i].iov_base)
            return -EFAULT;
    }
    return ret_of(writev(fd, iov, (int)a[2]));
}

static VM_SYS(openat)
{
    int fd = open_path(p, (int32_t)a[0], a[1], (int)a[2], (unsigned)a[3], false);
    return fd < 0 ? fd : vm_install_fd(p, fd);
}

static VM_SYS(open)
{
    uint64_t b[4] = {(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], a[2]};
    return vm_sys_openat(p, b);
}

static VM_SYS(close)
{
    if (vm_host_fd(p, a[0]) < 0)
        return -EBADF;
    int fd = p->fds[a[0]];
    p->fds[a[0]] = -1;
    if (fd >= 0)
        close(fd);
    return 0;
}

static VM_SYS(lseek)
{
    int fd = vm_host_fd(p, a[0]);
    if (fd < 0)
        return -EBADF;
    return ret_of(lseek(fd, (off_t)a[1], (int)a[2]));
}

static int64_t put_stat(struct vm_proc *p, int fd, uint64_t gst)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return -errno;
    /* The host's struct stat is the x86-64 guest's (asm/stat.h): copied as is. */
    return xlat_mem_write(&p->mem->user, gst, &st, sizeof(st));
}

static VM_SYS(fstat)
{
    int fd = vm_host_fd(p, a[0]);
    if (fd < 0)
        return -EBADF;
    return put_stat(p, fd, a[1]);
}

static VM_SYS(newfstatat)
{
    int flags = (int)a[3];
    if (flags & ~(AT_SYMLINK_NOFOLLOW | AT_EMPTY_PATH | AT_NO_AUTOMOUNT))
        return -EINVAL;
    char c;
    if ((flags & AT_EMPTY_PATH) && xlat_mem_read(&p->mem->user, a[1], &c, 1) == 0 && c == 0) {
        if ((int32_t)a[0] == AT_FDCWD) {
            int fd = open_path(p, AT_FDCWD, a[1], O_PATH, 0, true);
            if (fd < 0)
                return fd;
            int64_t r = put_stat(p, fd, a[2]);
            close(fd);
            return r;
        }
        return vm_sys_fstat(p, (uint64_t[]){a[0], a[2]});
    }
    int fd = open_path(p, (int32_t)a[0], a[1],
                       O_PATH | ((flags & AT_SYMLINK_NOFOLLOW) ? O_NOFOLLOW : 0), 0, false);
    if (fd < 0)
        return fd;
    int64_t r = put_stat(p, fd, a[2]);
    close(fd);
    return r;
}

static VM_SYS(stat)
{
    return vm_sys_newfstatat(p, (uint64_t[]){(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], 0});
}

static VM_SYS(lstat)
{
    return vm_sys_newfstatat(
        p, (uint64_t[]){(uint64_t)(int64_t)AT_FDCWD, a[0], a[1], AT_SYMLINK_NOFOLLOW});
}

static VM_SYS(exit_group)
{
    p->exited = true;
    p->exit_status = (int)(a[0] & 0xff);
    return 0;
}

static VM_SYS(uname)
{
    struct utsname u;
    if (uname(&u) < 0)
        return -errno;
    /* The guest has its own host name, as in native mode's UTS namespace. */
    snprintf(u.nodename, sizeof(u.nodename), "%s", p->hostname ? p->hostname : "localhost");
    return xlat_mem_write(&p->mem->user, a[0], &u, sizeof(u));
}

static VM_SYS(clock_gettime)
{
    struct timespec ts;
    if (clock_gettime((clockid_t)a[0], &ts) < 0)
        return -errno;
    return xlat_mem_write(&p->mem->user, a[1], &ts, sizeof(ts));
}

static VM_SYS(gettimeofday)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int64_t tv[2] = {ts.tv_sec, ts.tv_nsec / 1000};
    if (a[0] && xlat_mem_write(&p->mem->user, a[0], tv, sizeof(tv)) < 0)
        return -EFAULT;
    return 0;
}

/* The guest sees what it sees in native mode, where the instance's init is pid 1 and the
 * program its child: pid and tid 2, parent 1, root. */
static VM_SYS(getpid)
{
    (void)p, (void)a;
    return VM_GUEST_PID;
}

static VM_SYS(getppid)
{
    (void)p, (void)a;
    return VM_GUEST_PPID;
}

static VM_SYS(getuid)
{
    (void)p, (void)a;
    return 0;
}

static VM_SYS(arch_prctl)
{
    switch (a[0]) {
    case ARCH_SET_FS:
        /* Linux refuses a base outside the user half (do_arch_prctl_64: EPERM). */
        if (a[1] >= (1ull << 47))
            return -EPERM;
        p->fs_base = a[1];
        p->fs_dirty = true;
        return 0;
    case ARCH_GET_FS:
        return xlat_mem_write(&p->mem->user, a[1], &p->fs_base, 8);
    default:
        return -EINVAL;
    }
}

static VM_SYS(set_tid_address)
{
    p->tid_address = a[0];
    return 2;
}

/* x86-64 numbers: arch/x86/entry/syscalls/syscall_64.tbl. */
static const struct {
    const char *name;
    int64_t (*fn)(struct vm_proc *p, const uint64_t *a);
} table[] = {
    [0] = {"read", vm_sys_read},
    [1] = {"write", vm_sys_write},
    [2] = {"open", vm_sys_open},
    [3] = {"close", vm_sys_close},
    [4] = {"stat", vm_sys_stat},
    [5] = {"fstat", vm_sys_fstat},
    [6] = {"lstat", vm_sys_lstat},
    [8] = {"lseek", vm_sys_lseek},
    [9] = {"mmap", vm_sys_mmap},
    [10] = {"mprotect", vm_sys_mprotect},
    [11] = {"munmap", vm_sys_munmap},
    [12] = {"brk", vm_sys_brk},
    [13] = {"rt_sigaction", vm_sys_rt_sigaction},
    [14] = {"rt_sigprocmask", vm_sys_rt_sigprocmask},
    [15] = {"rt_sigreturn", vm_sys_rt_sigreturn},
    [20] = {"writev", vm_sys_writev},
    [22] = {"pipe", vm_sys_pipe},
    [25] = {"mremap", vm_sys_mremap},
    [32] = {"dup", vm_sys_dup},
    [33] = {"dup2", vm_sys_dup2},
    [72] = {"fcntl", vm_sys_fcntl},
    [39] = {"getpid", vm_sys_getpid},
    [60] = {"exit", vm_sys_exit_group},
    [62] = {"kill", vm_sys_kill},
    [63] = {"uname", vm_sys_uname},
    [96] = {"gettimeofday", vm_sys_gettimeofday},
    [102] = {"getuid", vm_sys_getuid},
    [104] = {"getgid", vm_sys_getuid},
    [107] = {"geteuid", vm_sys_getuid},
    [108] = {"getegid", vm_sys_getuid},
    [110] = {"getppid", vm_sys_getppid},
    [127] = {"rt_sigpending", vm_sys_rt_sigpending},
    [131] = {"sigaltstack", vm_sys_sigaltstack},
    [158] = {"arch_prctl", vm_sys_arch_prctl},
    [186] = {"gettid", vm_sys_getpid},
    [200] = {"tkill", vm_sys_tkill},
    [218] = {"set_tid_address", vm_sys_set_tid_address},
    [228] = {"clock_gettime", vm_sys_clock_gettime},
    [231] = {"exit_group", vm_sys_exit_group},
    [234] = {"tgkill", vm_sys_tgkill},
    [257] = {"openat", vm_sys_openat},
    [262] = {"newfstatat", vm_sys_newfstatat},
    [292] = {"dup3", vm_sys_dup3},
    [293] = {"pipe2", vm_sys_pipe2},
};

const char *vm_syscall_name(uint64_t nr)
{
    return nr < VIV_ARRAY_SIZE(table) && table[nr].name ? table[nr].name : NULL;
}

enum vm_sys_result vm_syscall(struct vm_proc *p, uint64_t nr, const uint64_t a[6], int64_t *ret)
{
    p->calls++;
    if (nr < VIV_ARRAY_SIZE(p->by_nr))
        p->by_nr[nr]++;
    if (nr >= VIV_ARRAY_SIZE(table) || !table[nr].fn) {
        p->unimplemented++;
        *ret = -ENOSYS;
        viv_trace(VIV_TRACE_SYS, "sys", "syscall_%llu(%#llx, %#llx, %#llx) = -ENOSYS",
                  (unsigned long long)nr, (unsigned long long)a[0], (unsigned long long)a[1],
                  (unsigned long long)a[2]);
        return VM_SYS_DONE;
    }
    *ret = table[nr].fn(p, a);
    viv_trace(VIV_TRACE_SYS, "sys", "%s(%#llx, %#llx, %#llx, %#llx) = %lld", table[nr].name,
              (unsigned long long)a[0], (unsigned long long)a[1], (unsigned long long)a[2],
              (unsigned long long)a[3], (long long)*ret);
    return p->exited ? VM_SYS_EXIT : VM_SYS_DONE;
}
