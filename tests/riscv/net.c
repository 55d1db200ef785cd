/* net.c: sockets and event fds as a server and an event loop use them: an fd passed over a
 * socketpair, datagrams in batches, a path socket, TCP over the loopback, epoll with an eventfd
 * and a timerfd, signalfd. It prints what it saw, which is the same wherever it runs: natively,
 * translated from riscv64, in a VM. `net reach` says what an IP socket and an abstract name
 * give, which differs where the guest has no network. */
#include <arpa/inet.h>
#include <errno.h>
#include <net/if.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/ioctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/un.h>
#include <unistd.h>

#define CHECK(x)                                                                                   \
    do {                                                                                           \
        if (!(x)) {                                                                                \
            printf("FAIL line %d: %s: %s\n", __LINE__, #x, strerror(errno));                      \
            exit(1);                                                                               \
        }                                                                                          \
    } while (0)

static void rights(void)
{
    int sv[2], pfd[2];
    CHECK(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) == 0);
    CHECK(pipe(pfd) == 0);
    CHECK(write(pfd[1], "read through a passed fd", 24) == 24);
    close(pfd[1]);
    char ctl[CMSG_SPACE(sizeof(int))] = {0};
    struct iovec iov = {.iov_base = "x", .iov_len = 1};
    struct msghdr m = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = ctl,
                       .msg_controllen = sizeof(ctl)};
    struct cmsghdr *c = CMSG_FIRSTHDR(&m);
    c->cmsg_level = SOL_SOCKET;
    c->cmsg_type = SCM_RIGHTS;
    c->cmsg_len = CMSG_LEN(sizeof(int));
    memcpy(CMSG_DATA(c), &pfd[0], sizeof(int));
    CHECK(sendmsg(sv[0], &m, 0) == 1);
    close(pfd[0]);
    char buf[64], ctl2[CMSG_SPACE(sizeof(int))];
    struct iovec iov2 = {.iov_base = buf, .iov_len = sizeof(buf)};
    struct msghdr m2 = {.msg_iov = &iov2, .msg_iovlen = 1, .msg_control = ctl2,
                        .msg_controllen = sizeof(ctl2)};
    CHECK(recvmsg(sv[1], &m2, MSG_CMSG_CLOEXEC) == 1);
    c = CMSG_FIRSTHDR(&m2);
    CHECK(c && c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS);
    int fd;
    memcpy(&fd, CMSG_DATA(c), sizeof(fd));
    ssize_t n = read(fd, buf, sizeof(buf));
    printf("SCM_RIGHTS: '%.*s', close-on-exec %d\n", (int)n, buf, fcntl(fd, F_GETFD));
    struct ucred cr;
    socklen_t l = sizeof(cr);
    CHECK(getsockopt(sv[0], SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0);
    printf("SO_PEERCRED: the peer is this process: %d\n", cr.pid == getpid());
    close(fd);
    close(sv[0]);
    close(sv[1]);
}

static void batches(void)
{
    int sv[2];
    CHECK(socketpair(AF_UNIX, SOCK_DGRAM, 0, sv) == 0);
    const char *words[3] = {"one", "two", "three"};
    struct iovec iov[3];
    struct mmsghdr out[3];
    memset(out, 0, sizeof(out));
    for (int i = 0; i < 3; i++) {
        iov[i] = (struct iovec){.iov_base = (void *)words[i], .iov_len = strlen(words[i])};
        out[i].msg_hdr.msg_iov = &iov[i];
        out[i].msg_hdr.msg_iovlen = 1;
    }
    CHECK(sendmmsg(sv[0], out, 3, 0) == 3);
    char buf[4][16];
    struct iovec iin[4];
    struct mmsghdr in[4];
    memset(in, 0, sizeof(in));
    for (int i = 0; i < 4; i++) {
        iin[i] = (struct iovec){.iov_base = buf[i], .iov_len = sizeof(buf[i])};
        in[i].msg_hdr.msg_iov = &iin[i];
        in[i].msg_hdr.msg_iovlen = 1;
    }
    int n = recvmmsg(sv[1], in, 4, MSG_WAITFORONE, NULL);
    printf("recvmmsg: %d:", n);
    for (int i = 0; i < n; i++)
        printf(" %.*s", (int)in[i].msg_len, buf[i]);
    printf("; sendmmsg lengths %u %u %u\n", out[0].msg_len, out[1].msg_len, out[2].msg_len);
    close(sv[0]);
    close(sv[1]);
}

static void path_sockets(void)
{
    char dir[] = "/tmp/net-XXXXXX";
    CHECK(mkdtemp(dir));
    struct sockaddr_un srv = {.sun_family = AF_UNIX}, cli = {.sun_family = AF_UNIX}, from;
    snprintf(srv.sun_path, sizeof(srv.sun_path), "%s/srv", dir);
    snprintf(cli.sun_path, sizeof(cli.sun_path), "%s/cli", dir);
    int s = socket(AF_UNIX, SOCK_DGRAM, 0), c = socket(AF_UNIX, SOCK_DGRAM, 0);
    CHECK(bind(s, (struct sockaddr *)&srv, sizeof(srv)) == 0);
    CHECK(bind(c, (struct sockaddr *)&cli, sizeof(cli)) == 0);
    struct stat st;
    CHECK(stat(srv.sun_path, &st) == 0);
    printf("bind made a socket file: %d\n", S_ISSOCK(st.st_mode));
    CHECK(bind(c, (struct sockaddr *)&cli, sizeof(cli)) < 0);
    printf("a second bind: %s\n", strerror(errno));
    CHECK(sendto(c, "dgram", 5, 0, (struct sockaddr *)&srv, sizeof(srv)) == 5);
    char buf[16];
    socklen_t l = sizeof(from);
    ssize_t n = recvfrom(s, buf, sizeof(buf), 0, (struct sockaddr *)&from, &l);
    printf("recvfrom: '%.*s' from the client's path: %d\n", (int)n, buf,
           strcmp(from.sun_path, cli.sun_path) == 0);
    l = sizeof(from);
    CHECK(getsockname(s, (struct sockaddr *)&from, &l) == 0);
    printf("getsockname is the bound path: %d\n", strcmp(from.sun_path, srv.sun_path) == 0);
    struct sockaddr_un none = {.sun_family = AF_UNIX};
    snprintf(none.sun_path, sizeof(none.sun_path), "%s/none", dir);
    printf("sendto a path with no socket: %s\n",
           sendto(c, "x", 1, 0, (struct sockaddr *)&none, sizeof(none)) < 0 ? strerror(errno)
                                                                            : "sent");
    close(s);
    close(c);
    unlink(srv.sun_path);
    unlink(cli.sun_path);
    rmdir(dir);
}

static void tcp(void)
{
    int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;
    CHECK(s >= 0);
    CHECK(setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) == 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    CHECK(bind(s, (struct sockaddr *)&a, sizeof(a)) == 0);
    CHECK(listen(s, 4) == 0);
    socklen_t l = sizeof(a);
    CHECK(getsockname(s, (struct sockaddr *)&a, &l) == 0);
    int c = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    CHECK(connect(c, (struct sockaddr *)&a, sizeof(a)) == 0 || errno == EINPROGRESS);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = 77};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, c, &ev) == 0);
    CHECK(epoll_wait(ep, &ev, 1, 5000) == 1);
    int err = -1;
    l = sizeof(err);
    CHECK(getsockopt(c, SOL_SOCKET, SO_ERROR, &err, &l) == 0);
    printf("tcp: connected, data %llu, SO_ERROR %d\n", (unsigned long long)ev.data.u64, err);
    struct sockaddr_in peer, mine;
    l = sizeof(peer);
    int conn = accept4(s, (struct sockaddr *)&peer, &l, SOCK_CLOEXEC);
    CHECK(conn >= 0);
    l = sizeof(mine);
    CHECK(getsockname(c, (struct sockaddr *)&mine, &l) == 0);
    printf("tcp: accepted %s, its port the client's: %d\n", inet_ntoa(peer.sin_addr),
           peer.sin_port == mine.sin_port);
    CHECK(setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one)) == 0);
    int nd = 0;
    l = sizeof(nd);
    CHECK(getsockopt(c, IPPROTO_TCP, TCP_NODELAY, &nd, &l) == 0);
    CHECK(send(c, "hello tcp", 9, 0) == 9);
    CHECK(shutdown(c, SHUT_WR) == 0);
    char buf[32];
    size_t got = 0;
    ssize_t n;
    while ((n = recv(conn, buf + got, sizeof(buf) - got, 0)) > 0)
        got += (size_t)n;
    printf("tcp: received '%.*s' then end of stream %zd; TCP_NODELAY %d\n", (int)got, buf, n,
           nd != 0);
    /* The ioctls of sockets: non-blocking mode, close-on-exec, an interface by name. */
    CHECK(ioctl(conn, FIONBIO, &one) == 0 && ioctl(conn, FIOCLEX) == 0);
    struct ifreq ifr = {.ifr_name = "lo"};
    CHECK(ioctl(s, SIOCGIFINDEX, &ifr) == 0);
    printf("ioctl: non-blocking %d, close-on-exec %d, lo is interface %d\n",
           (fcntl(conn, F_GETFL) & O_NONBLOCK) != 0, fcntl(conn, F_GETFD), ifr.ifr_ifindex);
    close(conn);
    close(c);
    close(s);
    close(ep);
}

static void event_loop(void)
{
    int ep = epoll_create1(EPOLL_CLOEXEC);
    int efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    int tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
    CHECK(ep >= 0 && efd >= 0 && tfd >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ull};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, efd, &ev) == 0);
    ev = (struct epoll_event){.events = EPOLLIN, .data.u64 = 2};
    CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, tfd, &ev) == 0);
    uint64_t v = 5;
    CHECK(write(efd, &v, 8) == 8);
    CHECK(write(efd, &v, 8) == 8);
    struct epoll_event got[4];
    int n = epoll_wait(ep, got, 4, 1000);
    printf("epoll: %d ready, events %#x, data %#llx\n", n, got[0].events,
           (unsigned long long)got[0].data.u64);
    CHECK(read(efd, &v, 8) == 8);
    printf("eventfd: count %llu; again: %s\n", (unsigned long long)v,
           read(efd, &v, 8) < 0 ? strerror(errno) : "read");
    struct itimerspec its = {.it_value = {.tv_nsec = 30 * 1000 * 1000}}, cur;
    CHECK(timerfd_settime(tfd, 0, &its, NULL) == 0);
    CHECK(timerfd_gettime(tfd, &cur) == 0);
    printf("timerfd: armed %d\n", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0 &&
                                      cur.it_value.tv_nsec <= 30 * 1000 * 1000);
    sigset_t none;
    sigemptyset(&none);
    n = epoll_pwait(ep, got, 4, 5000, &none);
    CHECK(read(tfd, &v, 8) == 8);
    printf("epoll_pwait: %d ready, data %llu, %llu expiration\n", n,
           (unsigned long long)got[0].data.u64, (unsigned long long)v);
    printf("epoll_wait with nothing ready: %d\n", epoll_wait(ep, got, 4, 20));
    CHECK(epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) == 0);
    printf("epoll_ctl DEL twice: %s\n",
           epoll_ctl(ep, EPOLL_CTL_DEL, efd, NULL) < 0 ? strerror(errno) : "done");
    close(tfd);
    close(efd);
    close(ep);
}

static void signals(void)
{
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    CHECK(sigprocmask(SIG_BLOCK, &s, NULL) == 0);
    int sfd = signalfd(-1, &s, SFD_CLOEXEC);
    CHECK(sfd >= 0);
    CHECK(kill(getpid(), SIGUSR1) == 0);
    struct signalfd_siginfo si;
    CHECK(read(sfd, &si, sizeof(si)) == sizeof(si));
    printf("signalfd: signal %u, sent by this process: %d\n", si.ssi_signo,
           si.ssi_pid == (uint32_t)getpid());
    close(sfd);
}

/* What a guest without a network may have: the errors of an IP socket and of an abstract name. */
static void network_reach(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    printf("socket(AF_INET): %s\n", s < 0 ? strerror(errno) : "made");
    int u = socket(AF_UNIX, SOCK_DGRAM, 0);
    struct sockaddr_un un = {.sun_family = AF_UNIX};
    memcpy(un.sun_path, "\0viv-net-test", 13);
    int r = bind(u, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 13);
    printf("an abstract name: %s\n", r < 0 ? strerror(errno) : "bound");
    close(s);
    close(u);
}

int main(int argc, char **argv)
{
    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1 && strcmp(argv[1], "reach") == 0) {
        rights();
        network_reach();
        return 0;
    }
    rights();
    batches();
    path_sockets();
    tcp();
    event_loop();
    signals();
    return 0;
}
