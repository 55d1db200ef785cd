/* sys_socket.c: the socket calls: guest sockets are host sockets, passed through after their
 * addresses, buffers and options are checked and copied (sys_sockaddr.c). */
#include "sys_internal.h"

#include <linux/filter.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

/* A new fd (socket, accept) is the host's lowest free one: never an engine fd, which is open. */
XLAT_SYS(socket)
{
    if (p->no_network && (int)a[0] != AF_UNIX)
        return -EACCES;
    return XLAT_RET(socket((int)a[0], (int)a[1], (int)a[2]));
}

XLAT_SYS(socketpair)
{
    int sv[2];
    if (!xlat_mem_ptr(p->mem, a[3], sizeof(sv), XLAT_PG_W))
        return -EFAULT;
    if (socketpair((int)a[0], (int)a[1], (int)a[2], sv) < 0)
        return -errno;
    int e = xlat_mem_write(p->mem, a[3], sv, sizeof(sv));
    if (e < 0) {
        close(sv[0]);
        close(sv[1]);
    }
    return e;
}

/* bind and connect: the address names something to create or to reach. */
static int64_t addr_call(struct xlat_proc *p, const uint64_t *a, enum xlat_addr_use use)
{
    FD_OR_EBADF(a[0]);
    struct xlat_sockaddr sa;
    int e = xlat_sockaddr_in(p, a[1], a[2], use, &sa);
    if (e < 0)
        return e;
    const struct sockaddr *s = (const struct sockaddr *)&sa.ss;
    int r = use == XLAT_ADDR_CREATE ? bind((int)a[0], s, sa.len) : connect((int)a[0], s, sa.len);
    int64_t ret = XLAT_RET(r);
    xlat_sockaddr_done(&sa);
    return ret;
}

XLAT_SYS(bind)
{
    return addr_call(p, a, XLAT_ADDR_CREATE);
}

XLAT_SYS(connect)
{
    return addr_call(p, a, XLAT_ADDR_REACH);
}

XLAT_SYS(listen)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(listen((int)a[0], (int)a[1]));
}

XLAT_SYS(accept4)
{
    FD_OR_EBADF(a[0]);
    socklen_t room;
    int e;
    if (a[1] && (e = xlat_sockaddr_out_check(p, a[1], a[2], &room)) < 0)
        return e;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    int fd = accept4((int)a[0], a[1] ? (struct sockaddr *)&ss : NULL, a[1] ? &len : NULL,
                     (int)a[3]);
    if (fd < 0)
        return -errno;
    /* The kernel drops the new connection when the address cannot be written (__sys_accept4). */
    if (a[1] && (e = xlat_sockaddr_out(p, &ss, len, a[1], a[2])) < 0) {
        close(fd);
        return e;
    }
    return fd;
}

XLAT_SYS(accept)
{
    return xlat_sys_accept4(p, (const uint64_t[]){a[0], a[1], a[2], 0});
}

static int64_t name_call(struct xlat_proc *p, const uint64_t *a, bool peer)
{
    FD_OR_EBADF(a[0]);
    socklen_t room;
    int e = xlat_sockaddr_out_check(p, a[1], a[2], &room);
    if (e < 0)
        return e;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    struct sockaddr *s = (struct sockaddr *)&ss;
    if ((peer ? getpeername((int)a[0], s, &len) : getsockname((int)a[0], s, &len)) < 0)
        return -errno;
    return xlat_sockaddr_out(p, &ss, len, a[1], a[2]);
}

XLAT_SYS(getsockname)
{
    return name_call(p, a, false);
}

XLAT_SYS(getpeername)
{
    return name_call(p, a, true);
}

XLAT_SYS(sendto)
{
    FD_OR_EBADF(a[0]);
    const void *buf = xlat_mem_ptr(p->mem, a[1], a[2], XLAT_PG_R);
    if (!buf)
        return -EFAULT;
    struct xlat_sockaddr sa = {.hold = -1};
    int e;
    if (a[4] && (e = xlat_sockaddr_in(p, a[4], a[5], XLAT_ADDR_REACH, &sa)) < 0)
        return e;
    ssize_t n = sendto((int)a[0], buf, a[2], (int)a[3], a[4] ? (struct sockaddr *)&sa.ss : NULL,
                       a[4] ? sa.len : 0);
    int64_t ret = XLAT_RET(n);
    xlat_sockaddr_done(&sa);
    return ret;
}

XLAT_SYS(recvfrom)
{
    FD_OR_EBADF(a[0]);
    void *buf = xlat_mem_ptr(p->mem, a[1], a[2], XLAT_PG_W);
    if (!buf)
        return -EFAULT;
    socklen_t room;
    int e;
    if (a[4] && (e = xlat_sockaddr_out_check(p, a[4], a[5], &room)) < 0)
        return e;
    struct sockaddr_storage ss;
    socklen_t len = sizeof(ss);
    ssize_t n = recvfrom((int)a[0], buf, a[2], (int)a[3], a[4] ? (struct sockaddr *)&ss : NULL,
                         a[4] ? &len : NULL);
    if (n < 0)
        return -errno;
    /* An unconnected datagram socket reports a source; a stream one leaves len 0. */
    if (a[4] && (e = xlat_sockaddr_out(p, &ss, len, a[4], a[5])) < 0)
        return e;
    return n;
}

XLAT_SYS(shutdown)
{
    FD_OR_EBADF(a[0]);
    return XLAT_RET(shutdown((int)a[0], (int)a[1]));
}

#ifndef SO_ATTACH_REUSEPORT_CBPF
#define SO_ATTACH_REUSEPORT_CBPF 51
#endif
#ifndef TCP_ZEROCOPY_RECEIVE
#define TCP_ZEROCOPY_RECEIVE 35
#endif

/* Options are passed to the host as bytes, so an option whose value holds a pointer would make
 * the host kernel follow a guest address in the VMM's memory. The levels below are the ones
 * whose options are plain values but for those named: the classic BPF programs (translated),
 * netfilter's tables, which share the IP levels' numbers from 64 up (their replace carries a
 * counters pointer, and the rest needs CAP_NET_ADMIN), and TCP's zero-copy receive (an address
 * to map pages at). Other levels (SOL_PACKET's fanout program, SOL_TLS, SOL_ALG, ...) are
 * refused with ENOPROTOOPT, as a kernel without them would. */
static int opt_allowed(int level, int name)
{
    switch (level) {
    case SOL_SOCKET:
    case IPPROTO_UDP:
    case IPPROTO_ICMPV6:
    case SOL_RAW:
    case SOL_NETLINK:
        return 0;
    case IPPROTO_IP:
        return name >= 64 ? -ENOPROTOOPT : 0; /* IPT_BASE_CTL, ARPT_, EBT_, IP_VS_ */
    case IPPROTO_IPV6:
        return (name >= 64 && name <= 65) || (name >= 68 && name <= 69) ? -ENOPROTOOPT : 0;
    case IPPROTO_TCP:
        return name == TCP_ZEROCOPY_RECEIVE ? -ENOPROTOOPT : 0;
    default:
        return -ENOPROTOOPT;
    }
}

/* struct sock_fprog: a length and a pointer to the instructions, which must be the guest's. */
static int64_t attach_filter(struct xlat_proc *p, const uint64_t *a)
{
    struct {
        uint16_t len;
        uint16_t pad[3];
        uint64_t filter;
    } g;
    if (a[4] < sizeof(g))
        return -EINVAL;
    if (xlat_mem_read(p->mem, a[3], &g, sizeof(g)) < 0)
        return -EFAULT;
    struct sock_fprog prog = {.len = g.len};
    prog.filter = xlat_mem_ptr(p->mem, g.filter, (uint64_t)g.len * sizeof(struct sock_filter),
                               XLAT_PG_R);
    if (!prog.filter)
        return -EFAULT;
    return XLAT_RET(setsockopt((int)a[0], SOL_SOCKET, (int)a[2], &prog, sizeof(prog)));
}

XLAT_SYS(setsockopt)
{
    FD_OR_EBADF(a[0]);
    int level = (int)a[1], name = (int)a[2], e;
    if ((e = opt_allowed(level, name)) < 0)
        return e;
    if ((int32_t)a[4] < 0)
        return -EINVAL;
    if (level == SOL_SOCKET && (name == SO_ATTACH_FILTER || name == SO_ATTACH_REUSEPORT_CBPF))
        return attach_filter(p, a);
    const void *val = xlat_mem_ptr(p->mem, a[3], (uint32_t)a[4], XLAT_PG_R);
    if (!val)
        return -EFAULT;
    return XLAT_RET(setsockopt((int)a[0], level, name, val, (socklen_t)a[4]));
}

XLAT_SYS(getsockopt)
{
    FD_OR_EBADF(a[0]);
    int level = (int)a[1], name = (int)a[2], e;
    if ((e = opt_allowed(level, name)) < 0)
        return e;
    int32_t len;
    if (!xlat_mem_ptr(p->mem, a[4], sizeof(len), XLAT_PG_W) ||
        xlat_mem_read(p->mem, a[4], &len, sizeof(len)) < 0)
        return -EFAULT;
    if (len < 0)
        return -EINVAL;
    void *val = xlat_mem_ptr(p->mem, a[3], (uint64_t)len, XLAT_PG_W);
    if (!val)
        return -EFAULT;
    socklen_t l = (socklen_t)len;
    if (getsockopt((int)a[0], level, name, val, &l) < 0)
        return -errno;
    /* The peer's pid, as the guest knows processes. */
    if (level == SOL_SOCKET && name == SO_PEERCRED && l >= sizeof(pid_t)) {
        pid_t pid;
        memcpy(&pid, val, sizeof(pid));
        pid = xlat_pid_to_guest(p, pid);
        memcpy(val, &pid, sizeof(pid));
    }
    return xlat_mem_write(p->mem, a[4], &l, sizeof(l));
}
