/* sys_sockmsg.c: sendmsg, recvmsg and their multi-message forms: the guest's struct msghdr, its
 * iovecs, address and control messages checked and translated for the host's call. */
#include "sys_internal.h"

#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* struct msghdr and struct mmsghdr of both LP64 ABIs (include/linux/socket.h): name, namelen
 * (an int, padded), iov, iovlen, control, controllen, flags; then mmsghdr's msg_len. */
struct guest_msghdr {
    uint64_t name;
    uint32_t namelen, pad0;
    uint64_t iov, iovlen, control, controllen;
    int32_t flags;
    uint32_t pad1;
};
#define GUEST_MMSGHDR 64
#define MSG_LEN_OFF 56
#define NAMELEN_OFF 8
#define CONTROLLEN_OFF 40
#define FLAGS_OFF 48
/* What a control buffer may hold: the kernel's limit is net.core.optmem_max (20 KiB by
 * default, ENOBUFS above). */
#define CONTROL_MAX 65536

/* One message's host form, with what it holds. */
struct msg {
    struct msghdr h;
    struct iovec iov[UIO_MAXIOV];
    struct xlat_sockaddr sa;
    void *control; /* a host copy, freed by msg_done */
};

static void msg_done(struct msg *m)
{
    xlat_sockaddr_done(&m->sa);
    free(m->control);
    m->control = NULL;
}

/* The guest's iovecs, each base checked for the access the host call makes. */
static int iov_in(struct xlat_proc *p, const struct guest_msghdr *g, struct msg *m, unsigned need)
{
    if (g->iovlen > UIO_MAXIOV)
        return -EMSGSIZE; /* ___sys_sendmsg / ___sys_recvmsg */
    for (uint64_t i = 0; i < g->iovlen; i++) {
        uint64_t v[2];
        if (xlat_mem_read(p->mem, g->iov + i * 16, v, sizeof(v)) < 0)
            return -EFAULT;
        if ((int64_t)v[1] < 0)
            return -EINVAL;
        if (!(m->iov[i].iov_base = xlat_mem_ptr(p->mem, v[0], v[1], need)))
            return -EFAULT;
        m->iov[i].iov_len = v[1];
    }
    m->h.msg_iov = m->iov;
    m->h.msg_iovlen = g->iovlen;
    return 0;
}

/* Control messages the guest sends, from a copy it cannot change under the checks: fds passed
 * with SCM_RIGHTS are host fds already, but an engine fd is none of the guest's (EBADF, as for a
 * closed one); the pid of SCM_CREDENTIALS is the one the guest knows itself by. */
static int control_in(struct xlat_proc *p, struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_len < CMSG_LEN(0) ||
            c->cmsg_len > h->msg_controllen - (size_t)((char *)c - (char *)h->msg_control))
            return -EINVAL; /* __scm_send */
        if (c->cmsg_level != SOL_SOCKET)
            continue;
        size_t data = c->cmsg_len - CMSG_LEN(0);
        if (c->cmsg_type == SCM_RIGHTS) {
            for (size_t i = 0; i + sizeof(int) <= data; i += sizeof(int)) {
                int fd;
                memcpy(&fd, CMSG_DATA(c) + i, sizeof(fd));
                if (xlat_fd_reserved(p, fd))
                    return -EBADF;
            }
        } else if (c->cmsg_type == SCM_CREDENTIALS && data >= sizeof(struct ucred)) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof(cr));
            cr.pid = xlat_pid_to_host(p, cr.pid);
            memcpy(CMSG_DATA(c), &cr, sizeof(cr));
        }
    }
    return 0;
}

static int msg_in(struct xlat_proc *p, uint64_t gaddr, struct guest_msghdr *g, struct msg *m,
                  bool send)
{
    memset(&m->h, 0, sizeof(m->h));
    m->sa.hold = -1;
    m->control = NULL;
    if (!xlat_mem_ptr(p->mem, gaddr, sizeof(*g), send ? XLAT_PG_R : XLAT_PG_R | XLAT_PG_W) ||
        xlat_mem_read(p->mem, gaddr, g, sizeof(*g)) < 0)
        return -EFAULT;
    int e;
    if (g->name && send) {
        if ((e = xlat_sockaddr_in(p, g->name, g->namelen, XLAT_ADDR_REACH, &m->sa)) < 0)
            return e;
        m->h.msg_name = &m->sa.ss;
        m->h.msg_namelen = m->sa.len;
    } else if (g->name) {
        if ((int32_t)g->namelen < 0)
            return -EINVAL;
        if (!xlat_mem_ptr(p->mem, g->name, g->namelen, XLAT_PG_W))
            return -EFAULT;
        m->h.msg_name = &m->sa.ss;
        m->h.msg_namelen = sizeof(m->sa.ss);
    }
    if ((e = iov_in(p, g, m, send ? XLAT_PG_R : XLAT_PG_W)) < 0)
        return e;
    if (g->controllen > INT32_MAX)
        return -ENOBUFS;
    if (!g->controllen)
        return 0;
    size_t len = g->controllen > CONTROL_MAX ? CONTROL_MAX : g->controllen;
    if (send && g->controllen > CONTROL_MAX)
        return -ENOBUFS;
    if (!xlat_mem_ptr(p->mem, g->control, len, send ? XLAT_PG_R : XLAT_PG_W))
        return -EFAULT;
    m->control = viv_xcalloc(1, len);
    m->h.msg_control = m->control;
    m->h.msg_controllen = len;
    if (!send)
        return 0;
    if (xlat_mem_read(p->mem, g->control, m->control, len) < 0)
        return -EFAULT;
    return control_in(p, &m->h);
}

static int64_t send_one(struct xlat_proc *p, int fd, uint64_t gaddr, int flags)
{
    struct guest_msghdr g;
    struct msg *m = viv_xcalloc(1, sizeof(*m));
    int64_t ret = msg_in(p, gaddr, &g, m, true);
    if (ret == 0)
        ret = XLAT_RET(sendmsg(fd, &m->h, flags));
    msg_done(m);
    free(m);
    return ret;
}

/* The received pid of SCM_CREDENTIALS, as the guest knows processes. */
static void control_out(struct xlat_proc *p, struct msghdr *h)
{
    for (struct cmsghdr *c = CMSG_FIRSTHDR(h); c; c = CMSG_NXTHDR(h, c)) {
        if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_CREDENTIALS &&
            c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
            struct ucred cr;
            memcpy(&cr, CMSG_DATA(c), sizeof(cr));
            cr.pid = xlat_pid_to_guest(p, cr.pid);
            memcpy(CMSG_DATA(c), &cr, sizeof(cr));
        }
    }
}

static int64_t recv_one(struct xlat_proc *p, int fd, uint64_t gaddr, int flags)
{
    struct guest_msghdr g;
    struct msg *m = viv_xcalloc(1, sizeof(*m));
    int64_t ret = msg_in(p, gaddr, &g, m, false);
    if (ret == 0)
        ret = XLAT_RET(recvmsg(fd, &m->h, flags));
    if (ret >= 0) {
        control_out(p, &m->h);
        uint64_t clen = m->h.msg_controllen;
        int32_t mflags = m->h.msg_flags;
        int e = 0;
        if (g.name)
            e = xlat_sockaddr_out(p, &m->sa.ss, m->h.msg_namelen, g.name, gaddr + NAMELEN_OFF);
        if (e == 0 && clen)
            e = xlat_mem_write(p->mem, g.control, m->control, clen);
        if (e == 0)
            e = xlat_mem_write(p->mem, gaddr + CONTROLLEN_OFF, &clen, sizeof(clen));
        if (e == 0)
            e = xlat_mem_write(p->mem, gaddr + FLAGS_OFF, &mflags, sizeof(mflags));
        if (e < 0)
            ret = e;
    }
    msg_done(m);
    free(m);
    return ret;
}

XLAT_SYS(sendmsg)
{
    FD_OR_EBADF(a[0]);
    return send_one(p, (int)a[0], a[1], (int)a[2]);
}

XLAT_SYS(recvmsg)
{
    FD_OR_EBADF(a[0]);
    return recv_one(p, (int)a[0], a[1], (int)a[2]);
}

/* sendmmsg: one message after the other; an error after the first ends the batch with the count
 * sent (net/socket.c, __sys_sendmmsg). */
XLAT_SYS(sendmmsg)
{
    FD_OR_EBADF(a[0]);
    uint64_t vlen = a[2] > UIO_MAXIOV ? UIO_MAXIOV : a[2];
    uint64_t i;
    int64_t r = 0;
    for (i = 0; i < vlen; i++) {
        uint64_t at = a[1] + i * GUEST_MMSGHDR;
        if (!xlat_mem_ptr(p->mem, at + MSG_LEN_OFF, 4, XLAT_PG_W)) {
            r = -EFAULT;
            break;
        }
        if ((r = send_one(p, (int)a[0], at, (int)a[3])) < 0)
            break;
        uint32_t n = (uint32_t)r;
        xlat_mem_write(p->mem, at + MSG_LEN_OFF, &n, sizeof(n));
    }
    return i ? (int64_t)i : r;
}

/* Nanoseconds, saturated as the kernel's ktime_t is: a guest's timeout may be any tv_sec. */
static int64_t ns_of(const struct timespec *t)
{
    if (t->tv_sec >= INT64_MAX / 1000000000)
        return INT64_MAX;
    return (int64_t)t->tv_sec * 1000000000 + t->tv_nsec;
}

/* recvmmsg: as the kernel's, the timeout is only looked at after each message, and
 * MSG_WAITFORONE makes every receive after the first non-blocking (do_recvmmsg). */
XLAT_SYS(recvmmsg)
{
    FD_OR_EBADF(a[0]);
    uint64_t vlen = a[2] > UIO_MAXIOV ? UIO_MAXIOV : a[2];
    int flags = (int)a[3];
    struct timespec ts, now;
    int64_t deadline = 0;
    if (a[4]) {
        if (xlat_mem_read(p->mem, a[4], &ts, sizeof(ts)) < 0)
            return -EFAULT;
        if (ts.tv_sec < 0 || ts.tv_nsec < 0 || ts.tv_nsec >= 1000000000)
            return -EINVAL;
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (__builtin_add_overflow(ns_of(&now), ns_of(&ts), &deadline))
            deadline = INT64_MAX;
    }
    uint64_t i;
    int64_t r = 0;
    for (i = 0; i < vlen; i++) {
        uint64_t at = a[1] + i * GUEST_MMSGHDR;
        if (!xlat_mem_ptr(p->mem, at + MSG_LEN_OFF, 4, XLAT_PG_W)) {
            r = -EFAULT;
            break;
        }
        if ((r = recv_one(p, (int)a[0], at, flags)) < 0)
            break;
        uint32_t n = (uint32_t)r;
        xlat_mem_write(p->mem, at + MSG_LEN_OFF, &n, sizeof(n));
        if (flags & MSG_WAITFORONE)
            flags |= MSG_DONTWAIT;
        if (a[4]) {
            clock_gettime(CLOCK_MONOTONIC, &now);
            int64_t left = deadline - ns_of(&now);
            if (left < 0)
                left = 0;
            ts.tv_sec = left / 1000000000;
            ts.tv_nsec = left % 1000000000;
            xlat_mem_write(p->mem, a[4], &ts, sizeof(ts));
            if (!left) {
                i++;
                break;
            }
        }
    }
    return i ? (int64_t)i : r;
}
