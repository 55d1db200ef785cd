/* pty.c: the guest's terminal for -t: a pty pair from the instance's own devpts, the caller's
 * terminal in raw mode while the guest owns the screen, window sizes copied across. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>

bool pty_caller_size(struct winsize *ws)
{
    /* The caller's terminal may be on any of the three (stdin is /dev/null for a background
     * job of a script). */
    for (int fd = 0; fd < 3; fd++)
        if (ioctl(fd, TIOCGWINSZ, ws) == 0)
            return true;
    return false;
}

int pty_open_in_instance(const struct winsize *ws, int *master, int *slave, struct viv_error *err)
{
    *master = *slave = -1;
    /* The instance's devpts, not the host's /dev/ptmx: the slave then exists as /dev/pts/N in
     * the guest's /dev, so ttyname(3), tty(1), ssh, sudo and script find their terminal. Opened
     * with the guest's fsuid, the slave belongs to the guest's user (and to gid tty where the
     * devpts mount says gid=5), mode 0620, as login(1) would leave it. */
    int m = open("/dev/pts/ptmx", O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (m < 0)
        return viv_fail(err, errno, "open the guest's pty (/dev/pts/ptmx)");
    int unlock = 0;
    if (ioctl(m, TIOCSPTLCK, &unlock) < 0) {
        viv_fail(err, errno, "unlock the guest's pty");
        close(m);
        return -1;
    }
    /* TIOCGPTPEER opens the slave through the master itself: no path lookup in /dev/pts that a
     * guest could have raced. */
    int s = ioctl(m, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (s < 0) {
        viv_fail(err, errno, "open the guest's pty (TIOCGPTPEER)");
        close(m);
        return -1;
    }
    /* Before the guest starts, so that its first `stty size` already sees the caller's. */
    if (ws)
        ioctl(m, TIOCSWINSZ, ws);
    *master = m;
    *slave = s;
    return 0;
}

void pty_raw(struct viv_pty *p)
{
    if (!isatty(STDIN_FILENO))
        return;
    p->saved = viv_xmalloc(sizeof(*p->saved));
    if (tcgetattr(STDIN_FILENO, p->saved) < 0) {
        free(p->saved);
        p->saved = NULL;
        return;
    }
    /* Raw: every key, Ctrl-C included, goes to the guest's terminal, whose line discipline
     * turns it into SIGINT for the guest's foreground process group. */
    struct termios raw = *p->saved;
    cfmakeraw(&raw);
    /* TCSADRAIN, not TCSAFLUSH: what was typed ahead (a script's input, keys pressed while
     * the guest started) is the guest's, not to be thrown away. */
    if (tcsetattr(STDIN_FILENO, TCSADRAIN, &raw) == 0)
        p->raw = true;
}

void pty_resize(struct viv_pty *p)
{
    struct winsize ws;
    /* The kernel signals the guest's foreground group only when the size changed. */
    if (p->master >= 0 && pty_caller_size(&ws))
        ioctl(p->master, TIOCSWINSZ, &ws);
}

void pty_close(struct viv_pty *p)
{
    if (p->raw && p->saved)
        tcsetattr(STDIN_FILENO, TCSADRAIN, p->saved);
    free(p->saved);
    p->saved = NULL;
    p->raw = false;
    if (p->master >= 0)
        close(p->master);
    p->master = -1;
}
