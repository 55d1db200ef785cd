/* test_xlat_net.c: the personality's socket and event-fd calls for both ABIs: struct epoll_event
 * in each ABI's layout, addresses, messages and control messages copied with checks (EFAULT for
 * wild pointers, never a host fault), AF_UNIX names confined to the root, engine fds out of
 * reach. */
#include "syscall-xlat/syscall-xlat.h"

#include <check.h>

#include "unit.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <linux/filter.h>
#include <netinet/in.h>
#include <time.h>
#include <unistd.h>

#define GUEST (16ull << 20)
#define G 0x400000ull /* four read-write pages */
#define RO 0x404000ull /* one read-only page */
#define WILD 0xffff800000000000ull

static struct xlat_mem m;
static struct xlat_proc *p;
static struct xlat_thread *thr;
static char root[] = "/tmp/viv-nettest.XXXXXX";
static int engine_fd;
static int hart;

static void no_kick(void *h)
{
    (void)h;
}

static bool no_network;

static void start(const struct xlat_abi *abi)
{
    struct viv_error err = {0};
    ck_assert_int_eq(xlat_mem_init(&m, GUEST, &err), 0);
    ck_assert_int_eq(xlat_mem_map(&m, G, 4 * XLAT_PAGE, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 0);
    ck_assert_int_eq(xlat_mem_map(&m, RO, XLAT_PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1,
                                  0), 0);
    struct xlat_proc_config pc = {.abi = abi, .mem = &m, .root = root, .brk_start = 0x800000,
                                  .brk_limit = GUEST, .hostname = "box", .alone = true,
                                  .no_network = no_network};
    ck_assert_msg(xlat_proc_new(&pc, &p, &err) == 0, "%s", err.msg);
    engine_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    xlat_proc_reserve_fd(p, engine_fd);
    struct xlat_engine_hooks hooks = {.kick = no_kick};
    xlat_proc_set_hooks(p, &hooks);
    thr = xlat_thread_first(p, &hart);
}

static void setup(void)
{
    ck_assert_ptr_nonnull(mkdtemp(root));
}

static void teardown(void)
{
    if (p) {
        xlat_thread_leave(thr);
        xlat_proc_free(p);
        p = NULL;
        xlat_mem_destroy(&m);
        close(engine_fd);
    }
    struct viv_error err;
    viv_rm_rf(root, &err);
    strcpy(root, "/tmp/viv-nettest.XXXXXX");
}

static uint8_t *g(uint64_t addr)
{
    return m.base + addr;
}

static int64_t sys(uint64_t nr, uint64_t a0, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4,
                   uint64_t a5)
{
    uint64_t a[6] = {a0, a1, a2, a3, a4, a5};
    int64_t r;
    xlat_syscall(p, nr, a, &r);
    return r;
}

/* x86-64 and riscv64 (generic) numbers of the calls these tests make. */
struct nrs {
    uint64_t socketpair, bind, connect, listen, accept4, getsockname, sendmsg, recvmsg, recvfrom,
        setsockopt, getsockopt, epoll_create1, epoll_ctl, epoll_wait, epoll_pwait, eventfd2,
        timerfd_create, timerfd_settime, timerfd_gettime, signalfd4, write, close, socket, ioctl;
};
static const struct nrs X86 = {53, 49, 42, 50, 288, 51, 46, 47, 45, 54, 55, 291, 233, 232, 281,
                               290, 283, 286, 287, 289, 1, 3, 41, 16};
static const struct nrs RV = {199, 200, 203, 201, 242, 204, 211, 212, 207, 208, 209, 20, 21, 0,
                              22, 19, 85, 86, 87, 74, 64, 57, 198, 29};

/* epoll_event: 12 bytes, data at 4 on x86-64; 16 bytes, data at 8 on riscv64. */
static void epoll_layout(const struct xlat_abi *abi, const struct nrs *n, unsigned size)
{
    start(abi);
    int64_t ep = sys(n->epoll_create1, EPOLL_CLOEXEC, 0, 0, 0, 0, 0);
    int64_t ev = sys(n->eventfd2, 1, 0, 0, 0, 0, 0);
    ck_assert_int_ge(ep, 0);
    ck_assert_int_ge(ev, 0);
    uint32_t events = EPOLLIN;
    uint64_t data = 0x1122334455667788ull;
    memset(g(G), 0, 64);
    memcpy(g(G), &events, 4);
    memcpy(g(G) + size - 8, &data, 8);
    ck_assert_int_eq(sys(n->epoll_ctl, (uint64_t)ep, EPOLL_CTL_ADD, (uint64_t)ev, G, 0, 0), 0);
    /* Engine fds are neither watched nor watchers; the event must be readable memory. */
    ck_assert_int_eq(sys(n->epoll_ctl, (uint64_t)ep, EPOLL_CTL_ADD, (uint64_t)engine_fd, G, 0, 0),
                     -EBADF);
    ck_assert_int_eq(sys(n->epoll_ctl, (uint64_t)engine_fd, EPOLL_CTL_ADD, (uint64_t)ev, G, 0, 0),
                     -EBADF);
    ck_assert_int_eq(sys(n->epoll_ctl, (uint64_t)ep, EPOLL_CTL_MOD, (uint64_t)ev, WILD, 0, 0),
                     -EFAULT);
    /* Two slots, one event: the second slot is left as it was. */
    memset(g(G + 0x100), 0xee, 2 * size + 8);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G + 0x100, 2, 0, 0, 8), 1);
    uint32_t got_events;
    uint64_t got_data;
    memcpy(&got_events, g(G + 0x100), 4);
    memcpy(&got_data, g(G + 0x100) + size - 8, 8);
    ck_assert_uint_eq(got_events, EPOLLIN);
    ck_assert_uint_eq(got_data, data);
    ck_assert_uint_eq(g(G + 0x100)[size], 0xee);
    if (size == 16)
        ck_assert_uint_eq(g(G + 0x100)[4], 0); /* the padding */
    /* Wild arrays, a read-only one, bad counts, a sigset of the wrong size. */
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, WILD, 2, 0, 0, 8), -EFAULT);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, RO, 2, 0, 0, 8), -EFAULT);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G + 4 * XLAT_PAGE - size, 2, 0, 0, 8),
                     -EFAULT); /* runs into the read-only page */
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G, 0, 0, 0, 8), -EINVAL);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G, (uint64_t)-1, 0, 0, 8), -EINVAL);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)engine_fd, G, 1, 0, 0, 8), -EBADF);
    memset(g(G + 0x200), 0, 8);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G, 1, 0, G + 0x200, 4), -EINVAL);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G, 1, 0, WILD, 8), -EFAULT);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G, 1, 0, G + 0x200, 8), 1);
    if (n->epoll_wait)
        ck_assert_int_eq(sys(n->epoll_wait, (uint64_t)ep, G, 1, 0, 0, 0), 1);
    /* epoll_pwait2 (441 on both): a timespec that must be readable and valid. */
    int64_t ts[2] = {0, 0};
    memcpy(g(G + 0x280), ts, sizeof(ts));
    ck_assert_int_eq(sys(441, (uint64_t)ep, G, 1, G + 0x280, 0, 8), 1);
    ck_assert_int_eq(sys(441, (uint64_t)ep, G, 1, WILD, 0, 8), -EFAULT);
    ts[1] = 1000000000;
    memcpy(g(G + 0x280), ts, sizeof(ts));
    ck_assert_int_eq(sys(441, (uint64_t)ep, G, 1, G + 0x280, 0, 8), -EINVAL);
    ck_assert_int_eq(sys(n->epoll_ctl, (uint64_t)ep, EPOLL_CTL_DEL, (uint64_t)ev, 0, 0, 0), 0);
    ck_assert_int_eq(sys(n->epoll_pwait, (uint64_t)ep, G, 1, 0, 0, 8), 0);
    sys(n->close, (uint64_t)ep, 0, 0, 0, 0, 0);
    sys(n->close, (uint64_t)ev, 0, 0, 0, 0, 0);
}

START_TEST(epoll_x86_64)
{
    epoll_layout(&xlat_abi_x86_64, &X86, 12);
}
END_TEST

START_TEST(epoll_riscv64)
{
    epoll_layout(&xlat_abi_riscv64, &RV, 16);
}
END_TEST

/* struct msghdr of both ABIs, at guest address at. */
static void put_msghdr(uint64_t at, uint64_t name, uint32_t namelen, uint64_t iov, uint64_t iovlen,
                       uint64_t control, uint64_t controllen)
{
    memset(g(at), 0, 56);
    memcpy(g(at), &name, 8);
    memcpy(g(at) + 8, &namelen, 4);
    memcpy(g(at) + 16, &iov, 8);
    memcpy(g(at) + 24, &iovlen, 8);
    memcpy(g(at) + 32, &control, 8);
    memcpy(g(at) + 40, &controllen, 8);
}

static void put_iov(uint64_t at, uint64_t base, uint64_t len)
{
    memcpy(g(at), &base, 8);
    memcpy(g(at) + 8, &len, 8);
}

/* sendmsg and recvmsg with an fd passed: the guest's structures copied with checks, engine fds
 * refused, what comes back written in the guest's msghdr. */
static void messages(const struct xlat_abi *abi, const struct nrs *n)
{
    start(abi);
    ck_assert_int_eq(sys(n->socketpair, AF_UNIX, SOCK_STREAM, 0, G, 0, 0), 0);
    int sv[2];
    memcpy(sv, g(G), sizeof(sv));
    ck_assert_int_eq(sys(n->socketpair, AF_UNIX, SOCK_STREAM, 0, RO, 0, 0), -EFAULT);
    /* The socket ioctls of plain values; SIOCGIFCONF's struct holds a pointer: refused. */
    int one = 1;
    memcpy(g(G + 0x800), &one, 4);
    ck_assert_int_eq(sys(n->ioctl, (uint64_t)sv[0], FIONBIO, WILD, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->ioctl, (uint64_t)sv[0], FIONBIO, G + 0x800, 0, 0, 0), 0);
    ck_assert(fcntl(sv[0], F_GETFL) & O_NONBLOCK);
    one = 0;
    memcpy(g(G + 0x800), &one, 4);
    ck_assert_int_eq(sys(n->ioctl, (uint64_t)sv[0], FIONBIO, G + 0x800, 0, 0, 0), 0);
    ck_assert_int_eq(sys(n->ioctl, (uint64_t)sv[0], SIOCGIFCONF, G + 0x800, 0, 0, 0), -ENOTTY);
    /* Send "hello" and an fd of the guest's. */
    memcpy(g(G + 0x100), "hello", 5);
    put_iov(G + 0x80, G + 0x100, 5);
    struct cmsghdr c = {.cmsg_len = CMSG_LEN(sizeof(int)), .cmsg_level = SOL_SOCKET,
                        .cmsg_type = SCM_RIGHTS};
    memset(g(G + 0x200), 0, CMSG_SPACE(sizeof(int)));
    memcpy(g(G + 0x200), &c, sizeof(c));
    int passed = sv[0];
    memcpy(g(G + 0x200) + CMSG_LEN(0), &passed, sizeof(int));
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 1, G + 0x200, CMSG_SPACE(sizeof(int)));
    /* Refused before anything is sent: an engine fd, wild pointers, too many iovecs. */
    memcpy(g(G + 0x200) + CMSG_LEN(0), &engine_fd, sizeof(int));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), -EBADF);
    memcpy(g(G + 0x200) + CMSG_LEN(0), &passed, sizeof(int));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], WILD, 0, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)engine_fd, G + 0x300, 0, 0, 0, 0), -EBADF);
    put_iov(G + 0x90, WILD, 5);
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 2, G + 0x200, CMSG_SPACE(sizeof(int)));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), -EFAULT);
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 1025, G + 0x200, CMSG_SPACE(sizeof(int)));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), -EMSGSIZE);
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 1, WILD, CMSG_SPACE(sizeof(int)));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), -EFAULT);
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 1, G + 0x200, 1ull << 40);
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), -ENOBUFS);
    put_msghdr(G + 0x300, WILD, 16, G + 0x80, 1, G + 0x200, CMSG_SPACE(sizeof(int)));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), -EFAULT);
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 1, G + 0x200, CMSG_SPACE(sizeof(int)));
    ck_assert_int_eq(sys(n->sendmsg, (uint64_t)sv[0], G + 0x300, 0, 0, 0, 0), 5);
    /* Receive into a msghdr in read-only memory: EFAULT, and the message stays queued. */
    put_iov(G + 0x80, G + 0x400, 64);
    put_msghdr(G + 0x300, 0, 0, G + 0x80, 1, G + 0x500, 64);
    ck_assert_int_eq(sys(n->recvmsg, (uint64_t)sv[1], RO, 0, 0, 0, 0), -EFAULT);
    put_iov(G + 0x90, RO, 8);
    put_msghdr(G + 0x600, 0, 0, G + 0x80, 2, G + 0x500, 64);
    ck_assert_int_eq(sys(n->recvmsg, (uint64_t)sv[1], G + 0x600, 0, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->recvmsg, (uint64_t)sv[1], G + 0x300, MSG_CMSG_CLOEXEC, 0, 0, 0), 5);
    ck_assert(memcmp(g(G + 0x400), "hello", 5) == 0);
    uint64_t clen;
    memcpy(&clen, g(G + 0x300) + 40, 8);
    ck_assert_uint_eq(clen, CMSG_SPACE(sizeof(int)));
    struct cmsghdr rc;
    memcpy(&rc, g(G + 0x500), sizeof(rc));
    ck_assert_int_eq(rc.cmsg_type, SCM_RIGHTS);
    int got;
    memcpy(&got, g(G + 0x500) + CMSG_LEN(0), sizeof(int));
    ck_assert_int_ge(got, 0);
    ck_assert_int_ne(got, passed);
    ck_assert_int_ne(got, engine_fd);
    ck_assert_int_eq(fcntl(got, F_GETFD), FD_CLOEXEC);
    struct stat a, b;
    fstat(got, &a);
    fstat(passed, &b);
    ck_assert_uint_eq(a.st_ino, b.st_ino);
    close(got);
    /* recvfrom on a stream socket: no source; the buffer must be writable. */
    ck_assert_int_eq(sys(n->write, (uint64_t)sv[0], G + 0x100, 5, 0, 0, 0), 5);
    ck_assert_int_eq(sys(n->recvfrom, (uint64_t)sv[1], RO, 5, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->recvfrom, (uint64_t)sv[1], G + 0x700, 5, 0, 0, 0), 5);
    /* Options: values through guest memory, refused levels, wild lengths. */
    one = 1;
    memcpy(g(G + 0x800), &one, 4);
    ck_assert_int_eq(sys(n->setsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PASSCRED, G + 0x800, 4,
                         0), 0);
    ck_assert_int_eq(sys(n->setsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PASSCRED, WILD, 4, 0),
                     -EFAULT);
    ck_assert_int_eq(sys(n->setsockopt, (uint64_t)sv[0], 263 /* SOL_PACKET */, 18, G + 0x800, 4,
                         0), -ENOPROTOOPT);
    ck_assert_int_eq(sys(n->setsockopt, (uint64_t)sv[0], IPPROTO_IP, 64, G + 0x800, 4, 0),
                     -ENOPROTOOPT); /* netfilter's replace: holds a pointer */
    int len = 4;
    memcpy(g(G + 0x810), &len, 4);
    ck_assert_int_eq(sys(n->getsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PASSCRED, G + 0x820,
                         G + 0x810, 0), 0);
    ck_assert_int_eq(*(int *)g(G + 0x820), 1);
    ck_assert_int_eq(sys(n->getsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PASSCRED, G + 0x820, RO,
                         0), -EFAULT);
    ck_assert_int_eq(sys(n->getsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PASSCRED, WILD, G + 0x810,
                         0), -EFAULT);
    len = -1;
    memcpy(g(G + 0x810), &len, 4);
    ck_assert_int_eq(sys(n->getsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PASSCRED, G + 0x820,
                         G + 0x810, 0), -EINVAL);
    /* SO_PEERCRED: the peer is the guest itself, which knows itself as pid 2. */
    len = sizeof(struct ucred);
    memcpy(g(G + 0x810), &len, 4);
    ck_assert_int_eq(sys(n->getsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_PEERCRED, G + 0x820,
                         G + 0x810, 0), 0);
    ck_assert_int_eq(((struct ucred *)g(G + 0x820))->pid, XLAT_ALONE_PID);
    /* A classic BPF program: its instructions are read from guest memory, not at the address. */
    struct sock_filter accept_all = BPF_STMT(BPF_RET | BPF_K, 0xffff);
    memcpy(g(G + 0x900), &accept_all, sizeof(accept_all));
    uint64_t prog[2] = {1, G + 0x900};
    memcpy(g(G + 0x910), prog, sizeof(prog));
    ck_assert_int_eq(sys(n->setsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_ATTACH_FILTER, G + 0x910,
                         16, 0), 0);
    prog[1] = WILD;
    memcpy(g(G + 0x910), prog, sizeof(prog));
    ck_assert_int_eq(sys(n->setsockopt, (uint64_t)sv[0], SOL_SOCKET, SO_ATTACH_FILTER, G + 0x910,
                         16, 0), -EFAULT);
    sys(n->close, (uint64_t)sv[0], 0, 0, 0, 0, 0);
    sys(n->close, (uint64_t)sv[1], 0, 0, 0, 0, 0);
}

/* A timeout no clock reaches (found by the dispatcher's fuzz target: its nanoseconds
 * overflowed) waits as an unbounded one would, and what is left of it is written back. */
START_TEST(recvmmsg_endless_timeout)
{
    start(&xlat_abi_x86_64);
    const struct nrs *n = &X86;
    ck_assert_int_eq(sys(n->socketpair, AF_UNIX, SOCK_DGRAM, 0, G, 0, 0), 0);
    int32_t fds[2];
    memcpy(fds, g(G), sizeof(fds));
    memcpy(g(G + 0x100), "ping", 4);
    ck_assert_int_eq(sys(n->write, (uint64_t)fds[1], G + 0x100, 4, 0, 0, 0), 4);
    /* One mmsghdr at G+0x200 (64 bytes: msghdr, then msg_len) over one iovec at G+0x300. */
    struct iovec iov = {.iov_base = (void *)(G + 0x400), .iov_len = 16};
    memcpy(g(G + 0x300), &iov, sizeof(iov));
    struct msghdr mh = {.msg_iov = (struct iovec *)(G + 0x300), .msg_iovlen = 1};
    memset(g(G + 0x200), 0, 64);
    memcpy(g(G + 0x200), &mh, sizeof(mh));
    struct timespec ts = {.tv_sec = INT64_MAX, .tv_nsec = 999999999};
    memcpy(g(G + 0x500), &ts, sizeof(ts));
    ck_assert_int_eq(sys(299, (uint64_t)fds[0], G + 0x200, 1, MSG_DONTWAIT, G + 0x500, 0), 1);
    ck_assert_int_eq(memcmp(g(G + 0x400), "ping", 4), 0);
    memcpy(&ts, g(G + 0x500), sizeof(ts));
    ck_assert(ts.tv_sec > 0);
}
END_TEST

START_TEST(messages_x86_64)
{
    messages(&xlat_abi_x86_64, &X86);
}
END_TEST

START_TEST(messages_riscv64)
{
    messages(&xlat_abi_riscv64, &RV);
}
END_TEST

static uint64_t put_sun(uint64_t at, const char *path)
{
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    memcpy(un.sun_path, path, strlen(path));
    memcpy(g(at), &un, sizeof(un));
    return offsetof(struct sockaddr_un, sun_path) + strlen(path) + 1;
}

/* AF_UNIX names resolve in the guest's root: a bind creates the socket there, a connect follows
 * symlinks inside it, and a name that leads out of the root leads nowhere. */
START_TEST(unix_names_confined)
{
    start(&xlat_abi_x86_64);
    const struct nrs *n = &X86;
    char path[PATH_MAX], outside[] = "/tmp/viv-netout.XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(outside));
    snprintf(path, sizeof(path), "%s/srv", root);
    ck_assert_int_eq(mkdir(path, 0755), 0);
    int64_t srv = sys(n->socket, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0);
    ck_assert_int_ge(srv, 0);
    uint64_t len = put_sun(G, "/../srv/sock");
    ck_assert_int_eq(sys(n->bind, (uint64_t)srv, G, len, 0, 0, 0), 0);
    snprintf(path, sizeof(path), "%s/srv/sock", root);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert(S_ISSOCK(st.st_mode));
    ck_assert_int_eq(sys(n->listen, (uint64_t)srv, 4, 0, 0, 0, 0), 0);
    /* Bad lengths and pointers; an engine fd. */
    ck_assert_int_eq(sys(n->bind, (uint64_t)srv, G, 129, 0, 0, 0), -EINVAL);
    /* A name that runs past sun_path into the rest of a sockaddr_storage. */
    struct sockaddr_storage big = {.ss_family = AF_UNIX};
    memset((char *)&big + 2, 'a', sizeof(big) - 2);
    memcpy(g(G + 0x400), &big, sizeof(big));
    ck_assert_int_eq(sys(n->bind, (uint64_t)srv, G + 0x400, sizeof(big), 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sys(n->connect, (uint64_t)srv, G + 0x400, sizeof(struct sockaddr_un) + 1,
                         0, 0, 0), -EINVAL);
    ck_assert_int_eq(sys(n->bind, (uint64_t)srv, G, (uint64_t)-1, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sys(n->connect, (uint64_t)srv, WILD, 16, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->bind, (uint64_t)engine_fd, G, len, 0, 0, 0), -EBADF);
    /* A socket outside the root, and a symlink in the root that names it: connect follows the
     * symlink inside the root, where there is nothing. */
    int out = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un oun = {.sun_family = AF_UNIX};
    snprintf(oun.sun_path, sizeof(oun.sun_path), "%s/sock", outside);
    ck_assert_int_eq(bind(out, (struct sockaddr *)&oun, sizeof(oun)), 0);
    ck_assert_int_eq(listen(out, 1), 0);
    snprintf(path, sizeof(path), "%s/link", root);
    ck_assert_int_eq(symlink(oun.sun_path, path), 0);
    int64_t cl = sys(n->socket, AF_UNIX, SOCK_STREAM, 0, 0, 0, 0);
    len = put_sun(G, "/link");
    ck_assert_int_eq(sys(n->connect, (uint64_t)cl, G, len, 0, 0, 0), -ENOENT);
    len = put_sun(G, oun.sun_path);
    ck_assert_int_eq(sys(n->connect, (uint64_t)cl, G, len, 0, 0, 0), -ENOENT);
    /* A symlink that stays inside reaches the guest's own socket. */
    snprintf(path, sizeof(path), "%s/inner", root);
    ck_assert_int_eq(symlink("/srv/sock", path), 0);
    len = put_sun(G, "/inner");
    ck_assert_int_eq(sys(n->connect, (uint64_t)cl, G, len, 0, 0, 0), 0);
    /* accept: an address buffer that cannot be written is refused before the connection is
     * taken, which the next accept then gets. */
    int32_t alen = sizeof(struct sockaddr_un);
    memcpy(g(G + 0x100), &alen, 4);
    ck_assert_int_eq(sys(n->accept4, (uint64_t)srv, RO, G + 0x100, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->accept4, (uint64_t)srv, G + 0x200, RO, 0, 0, 0), -EFAULT);
    int64_t conn = sys(n->accept4, (uint64_t)srv, G + 0x200, G + 0x100, SOCK_CLOEXEC, 0, 0);
    ck_assert_int_ge(conn, 0);
    ck_assert_int_ne(conn, engine_fd);
    memcpy(&alen, g(G + 0x100), 4);
    ck_assert_int_eq(alen, sizeof(sa_family_t)); /* the client is unnamed */
    /* getsockname: what the host bound, within the guest's buffer length. */
    alen = 4;
    memcpy(g(G + 0x100), &alen, 4);
    memset(g(G + 0x200), 0xee, 8);
    ck_assert_int_eq(sys(n->getsockname, (uint64_t)srv, G + 0x200, G + 0x100, 0, 0, 0), 0);
    memcpy(&alen, g(G + 0x100), 4);
    ck_assert_int_gt(alen, 4);
    ck_assert_uint_eq(g(G + 0x200)[4], 0xee);
    ck_assert_int_eq(sys(n->getsockname, (uint64_t)srv, G + 0x200, WILD, 0, 0, 0), -EFAULT);
    /* Abstract names pass as they are. */
    int64_t ab = sys(n->socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    struct sockaddr_un aun = {.sun_family = AF_UNIX};
    int an = snprintf(aun.sun_path + 1, sizeof(aun.sun_path) - 1, "viv-nettest-%d", getpid());
    memcpy(g(G), &aun, sizeof(aun));
    len = offsetof(struct sockaddr_un, sun_path) + 1 + (uint64_t)an;
    ck_assert_int_eq(sys(n->bind, (uint64_t)ab, G, len, 0, 0, 0), 0);
    struct sockaddr_un back;
    socklen_t bl = sizeof(back);
    ck_assert_int_eq(getsockname((int)ab, (struct sockaddr *)&back, &bl), 0);
    ck_assert_uint_eq(bl, len);
    ck_assert(memcmp(back.sun_path, aun.sun_path, (size_t)an + 1) == 0);
    close((int)ab);
    close((int)conn);
    close((int)cl);
    close((int)srv);
    close(out);
    struct viv_error err;
    viv_rm_rf(outside, &err);
}
END_TEST

/* eventfd, timerfd and signalfd: structures through checked pointers, engine fds refused. */
START_TEST(event_fds)
{
    start(&xlat_abi_riscv64);
    const struct nrs *n = &RV;
    int64_t t = sys(n->timerfd_create, CLOCK_MONOTONIC, 0, 0, 0, 0, 0);
    ck_assert_int_ge(t, 0);
    uint64_t its[4] = {0, 0, 100, 0}; /* interval 0, value 100 s */
    memcpy(g(G), its, sizeof(its));
    ck_assert_int_eq(sys(n->timerfd_settime, (uint64_t)t, 0, WILD, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->timerfd_settime, (uint64_t)t, 0, G, RO, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->timerfd_settime, (uint64_t)t, 0, G, G + 0x40, 0, 0), 0);
    ck_assert_int_eq(sys(n->timerfd_gettime, (uint64_t)t, RO, 0, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->timerfd_gettime, (uint64_t)engine_fd, G + 0x40, 0, 0, 0, 0), -EBADF);
    ck_assert_int_eq(sys(n->timerfd_gettime, (uint64_t)t, G + 0x40, 0, 0, 0, 0), 0);
    uint64_t cur[4];
    memcpy(cur, g(G + 0x40), sizeof(cur));
    ck_assert(cur[2] >= 98 && cur[2] <= 100);
    uint64_t mask = 1ull << (SIGUSR1 - 1);
    memcpy(g(G + 0x80), &mask, 8);
    ck_assert_int_eq(sys(n->signalfd4, (uint64_t)-1, G + 0x80, 4, 0, 0, 0), -EINVAL);
    ck_assert_int_eq(sys(n->signalfd4, (uint64_t)-1, WILD, 8, 0, 0, 0), -EFAULT);
    ck_assert_int_eq(sys(n->signalfd4, (uint64_t)engine_fd, G + 0x80, 8, 0, 0, 0), -EBADF);
    int64_t s = sys(n->signalfd4, (uint64_t)-1, G + 0x80, 8, O_NONBLOCK, 0, 0);
    ck_assert_int_ge(s, 0);
    close((int)s);
    close((int)t);
}
END_TEST

/* An engine in the host's network namespace whose guest has no network: AF_UNIX only, and no
 * abstract names, which belong to the network namespace. */
START_TEST(no_network_unix_only)
{
    no_network = true;
    start(&xlat_abi_x86_64);
    no_network = false;
    const struct nrs *n = &X86;
    ck_assert_int_eq(sys(n->socket, AF_INET, SOCK_STREAM, 0, 0, 0, 0), -EACCES);
    ck_assert_int_eq(sys(n->socket, AF_INET6, SOCK_DGRAM, 0, 0, 0, 0), -EACCES);
    ck_assert_int_eq(sys(n->socket, AF_NETLINK, SOCK_RAW, 0, 0, 0, 0), -EACCES);
    int64_t u = sys(n->socket, AF_UNIX, SOCK_DGRAM, 0, 0, 0, 0);
    ck_assert_int_ge(u, 0);
    struct sockaddr_un aun = {.sun_family = AF_UNIX};
    memcpy(aun.sun_path, "\0viv-abstract", 13);
    memcpy(g(G), &aun, sizeof(aun));
    uint64_t len = offsetof(struct sockaddr_un, sun_path) + 13;
    ck_assert_int_eq(sys(n->bind, (uint64_t)u, G, len, 0, 0, 0), -EACCES);
    ck_assert_int_eq(sys(n->connect, (uint64_t)u, G, len, 0, 0, 0), -EACCES);
    ck_assert_int_eq(sys(44 /* sendto */, (uint64_t)u, G + 0x100, 1, 0, G, len), -EACCES);
    len = put_sun(G, "/sock");
    ck_assert_int_eq(sys(n->bind, (uint64_t)u, G, len, 0, 0, 0), 0);
    ck_assert_int_eq(sys(n->socketpair, AF_UNIX, SOCK_STREAM, 0, G + 0x200, 0, 0), 0);
    close((int)u);
}
END_TEST

/* The new calls are in both tables, under their own names. */
START_TEST(tables)
{
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 41), "socket");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 232), "epoll_wait");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 307), "sendmmsg");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_x86_64, 441), "epoll_pwait2");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_riscv64, 198), "socket");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_riscv64, 22), "epoll_pwait");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_riscv64, 243), "recvmmsg");
    ck_assert_str_eq(xlat_syscall_name(&xlat_abi_riscv64, 74), "signalfd4");
    ck_assert_ptr_null(xlat_syscall_name(&xlat_abi_riscv64, 245)); /* no riscv64 call: arch range */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("xlat_net");
    TCase *tc = tcase_create("net");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, epoll_x86_64);
    tcase_add_test(tc, epoll_riscv64);
    tcase_add_test(tc, messages_x86_64);
    tcase_add_test(tc, messages_riscv64);
    tcase_add_test(tc, recvmmsg_endless_timeout);
    tcase_add_test(tc, unix_names_confined);
    tcase_add_test(tc, event_fds);
    tcase_add_test(tc, no_network_unix_only);
    tcase_add_test(tc, tables);
    suite_add_tcase(s, tc);
    return unit_run(s);
}
