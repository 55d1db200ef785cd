/* fuzz_vm_hypercall.c: the vm hypercall dispatcher (the personality with the x86-64 ABI over VM
 * memory) with hostile registers and guest memory, as a guest could set them before its
 * `syscall`. The host side must never fault, and an answer must be a result or -errno. No KVM:
 * the dispatcher is called directly.
 *
 * Input: nr (2 bytes), six argument registers (8 bytes each), the rights of a 16-page window
 * (16 bytes: PROT_* bits, bit 3 mapped), then the window's bytes. An argument whose top nibble is
 * 0xa points into the window, so that pointers are as often almost right as wildly wrong. */
#include "vmcore/vmcore.h"

#include <fcntl.h>
#include <sanitizer/common_interface_defs.h>
#include <stdint.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/socket.h>

#define GUEST (16ull << 20)
#define WINDOW 0x10000ull
#define WINDOW_PAGES 16
#define GUEST_SOCK 60
#define GUEST_EPOLL 61

static struct vm_mem m;
static char root[] = "/tmp/viv-fuzz-vm.XXXXXX";
static int hart;
static int cwd_fd = -1; /* the fuzzer's working folder, where its corpus paths start */
static int report_fd = -1;

/* Calls that would stop or replace the fuzzer itself are answered without running. epoll_wait
 * and the socket calls run: the only epoll set and socket the guest has are always ready. */
static bool harmless(uint64_t nr)
{
    switch (nr) {
    case 35: case 230:         /* nanosleep, clock_nanosleep: minutes of nothing */
    case 62: case 200: case 234: /* kill, tkill, tgkill: the fuzzer is the guest's self */
    case 129: case 297:        /* rt_sigqueueinfo, rt_tgsigqueueinfo: the same */
    case 130: case 34:         /* rt_sigsuspend, pause: wait for a signal */
    case 13: case 14:          /* rt_sigaction, rt_sigprocmask: the fuzzer's own signals */
    case 36: case 38:          /* getitimer, setitimer: SIGALRM is the fuzzer's timeout */
    case 202:                  /* futex: FUTEX_WAIT on a word that never changes */
    case 61: case 247:         /* wait4, waitid */
    case 56: case 57: case 58: /* clone, fork, vfork: a copy of the fuzzer per input */
    case 59:                   /* execve: replaces the fuzzer with a host program */
    case 7: case 23: case 270: case 271: /* poll, select and friends: they wait */
    case 109: case 112:        /* setpgid, setsid: the fuzzer's own process group */
    case 128:                  /* rt_sigtimedwait: waits for a signal */
    case 222: case 223:        /* timer_create, timer_settime: timers that signal the fuzzer */
    case 424:                  /* pidfd_send_signal: the fuzzer is the guest's self */
    case 149: case 151: case 325: /* mlock, mlockall, mlock2: the whole window, locked */
    case 436:                  /* close_range: the fuzzer's fds it has not reserved */
    case 122: case 123: case 126: /* setfsuid, setfsgid, capset: the fuzzer's credentials */
    case 105: case 106: case 113: case 114: /* setuid, setgid, setreuid, setregid: the same */
    case 116: case 117: case 119: /* setgroups, setresuid, setresgid */
    case 160: case 302:        /* setrlimit, prlimit64: a CPU or file limit ends the fuzzer */
    case 142: case 144: case 314: /* sched_set*: a real-time fuzzer would hog the CPU */
    case 64: case 65: case 66: case 220: /* SysV semaphores: the host's, and semop waits */
    case 68: case 69: case 70: case 71:  /* SysV message queues: likewise, and msgrcv waits */
        return false;
    default:
        return true;
    }
}

static int no_fs(void *h, uint64_t base)
{
    (void)h, (void)base;
    return 0;
}

static void no_kick(void *h)
{
    (void)h;
}

static void cleanup(void)
{
    struct viv_error err;
    viv_rm_rf(root, &err);
}

static uint64_t get64(const uint8_t **d, size_t *n)
{
    uint64_t v = 0;
    size_t k = *n < 8 ? *n : 8;
    memcpy(&v, *d, k);
    *d += k;
    *n -= k;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct viv_error err = {0};
    if (!m.host) {
        if (vm_mem_init(&m, GUEST, &err) < 0 || !mkdtemp(root))
            return 0;
        cwd_fd = open(".", O_PATH | O_DIRECTORY | O_CLOEXEC);
        /* The sanitizers report where the fuzzer's stderr is, not the guest's /dev/null. */
        report_fd = fcntl(2, F_DUPFD_CLOEXEC, XLAT_FD_FLOOR + 64);
        __sanitizer_set_report_fd((void *)(intptr_t)report_fd);
        atexit(cleanup);
    }
    uint64_t nr = 0;
    if (size >= 2) {
        nr = (uint64_t)(data[0] | data[1] << 8) % 400;
        data += 2, size -= 2;
    }
    uint64_t a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = get64(&data, &size);
        if (a[i] >> 60 == 0xa)
            a[i] = WINDOW + (a[i] & (WINDOW_PAGES * VM_PAGE - 1));
    }
    for (unsigned i = 0; i < WINDOW_PAGES; i++) {
        uint8_t r = size ? *data : 0;
        if (size)
            data++, size--;
        if (r & 8)
            xlat_mem_map(&m.user, WINDOW + i * VM_PAGE, VM_PAGE, r & 7,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    /* The window's bytes go in whatever the rights, as the guest could have written them. */
    size_t n = size < WINDOW_PAGES * VM_PAGE ? size : WINDOW_PAGES * VM_PAGE;
    memcpy(m.host + WINDOW, data, n);

    if (!harmless(nr))
        nr = 999;
    struct xlat_proc_config pc = {.abi = &xlat_abi_x86_64, .mem = &m.user, .root = root,
                                  .brk_start = 0x200000, .brk_limit = m.user.size,
                                  .hostname = "fuzz", .alone = true};
    struct xlat_proc *p;
    if (xlat_proc_new(&pc, &p, &err) < 0)
        return 0;
    struct xlat_engine_hooks hooks = {.kick = no_kick, .set_fs = no_fs};
    xlat_proc_set_hooks(p, &hooks);
    struct xlat_thread *t = xlat_thread_first(p, &hart);
    /* The fuzzer's own fds stay out of the guest's reach, as a VMM's do; what the call opens
     * is closed after it. */
    bool was_open[64] = {false};
    for (int fd = 3; fd < 64; fd++)
        if ((was_open[fd] = fcntl(fd, F_GETFD) >= 0))
            xlat_proc_reserve_fd(p, fd);
    /* The guest's stdio is a scratch file of its own root: what it writes must not reach the
     * fuzzer's, and what it does to the file (fchmod, fchown, ...) must not reach a file of the
     * host's. It was /dev/null once, which a fuzzed fchmod(0, 0) left unusable for everyone. */
    xlat_proc_reserve_fd(p, report_fd);
    char scratch[sizeof(root) + 16];
    snprintf(scratch, sizeof(scratch), "%s/.stdio", root);
    /* Made anew: an earlier input may have replaced it with a symlink to a host file. */
    unlink(scratch);
    int io = open(scratch, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
    int saved[3];
    for (int fd = 0; fd < 3; fd++) {
        saved[fd] = fcntl(fd, F_DUPFD_CLOEXEC, XLAT_FD_FLOOR);
        xlat_proc_reserve_fd(p, saved[fd]);
        if (io < 0 || dup2(io, fd) < 0)
            close(fd); /* no stdio at all rather than the fuzzer's own */
    }
    if (io >= 0)
        close(io);
    /* Something for the socket and event calls to work on: a connected stream socket (it can
     * reach no other address) with bytes and an fd waiting, whose peer is the fuzzer's, and an
     * epoll set that watches it. Both are the guest's, closed after the call like its own. */
    int sv[2] = {-1, -1};
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) == 0) {
        xlat_proc_reserve_fd(p, sv[1]);
        char cbuf[CMSG_SPACE(sizeof(int))] = {0};
        struct iovec iov = {.iov_base = "ping", .iov_len = 4};
        struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = cbuf,
                            .msg_controllen = sizeof(cbuf)};
        struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
        c->cmsg_level = SOL_SOCKET;
        c->cmsg_type = SCM_RIGHTS;
        c->cmsg_len = CMSG_LEN(sizeof(int));
        memcpy(CMSG_DATA(c), &(int){0}, sizeof(int));
        (void)sendmsg(sv[1], &mh, MSG_NOSIGNAL);
        int ep = epoll_create1(EPOLL_CLOEXEC);
        struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT, .data.u64 = 7};
        if (ep >= 0)
            epoll_ctl(ep, EPOLL_CTL_ADD, sv[0], &ev);
        /* At fixed numbers, so that the corpus can name them: the socket 60, the set 61. */
        if (!was_open[GUEST_SOCK] && dup3(sv[0], GUEST_SOCK, O_CLOEXEC) == GUEST_SOCK)
            close(sv[0]);
        if (ep >= 0 && !was_open[GUEST_EPOLL] && dup3(ep, GUEST_EPOLL, O_CLOEXEC) == GUEST_EPOLL)
            close(ep);
    }
    struct xlat_regs regs;
    memset(&regs, 0, sizeof(regs));
    regs.x86.rsp = WINDOW + WINDOW_PAGES * VM_PAGE - 64;
    int64_t ret;
    enum xlat_sys_result res = xlat_thread_syscall(t, nr, a, &regs, &ret);
    if (res == XLAT_SYS_DONE && ret < -4095)
        __builtin_trap(); /* neither a result nor an errno */
    for (int fd = 0; fd < 3; fd++) {
        dup2(saved[fd], fd);
        close(saved[fd]);
    }
    for (int fd = 3; fd < 64; fd++)
        if (!was_open[fd])
            close(fd);
    if (sv[1] >= 64)
        close(sv[1]);
    xlat_thread_leave(t);
    xlat_proc_free(p);
    /* Everything the call or the input mapped goes, so each input starts alike. */
    xlat_mem_unmap(&m.user, 0, m.user.size);
    m.user.mmap_top = m.user.size;
    m.tlb_dirty = false;
    if (fchdir(cwd_fd) < 0)
        return 0; /* the call may have changed the working folder */
    return 0;
}
