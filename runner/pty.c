/* pty.c: the guest's terminal for -t: a pty pair from the host's /dev/ptmx, the caller's terminal
 * in raw mode while the guest owns the screen, window sizes copied across. */
#include "sandbox.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/ioctl.h>

int pty_open(struct viv_pty *p, struct viv_error *err)
{
    p->master = p->slave = -1;
    p->raw = false;
    p->saved = NULL;
    p->master = posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->master < 0)
        return viv_fail(err, errno, "open a pty (/dev/ptmx)");
    if (grantpt(p->master) < 0 || unlockpt(p->master) < 0)
        goto fail;
    /* TIOCGPTPEER opens the slave through the master itself: no path lookup in /dev/pts that
     * could land on another devpts instance. */
    p->slave = ioctl(p->master, TIOCGPTPEER, O_RDWR | O_NOCTTY | O_CLOEXEC);
    if (p->slave < 0)
        goto fail;
    pty_resize(p);
    return 0;
fail:
    viv_fail(err, errno, "set up the pty");
    close(p->master);
    p->master = -1;
    return -1;
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
    if (tcsetattr(STDIN_FILENO, TCSAFLUSH, &raw) == 0)
        p->raw = true;
}

void pty_resize(struct viv_pty *p)
{
    /* The caller's terminal may be on any of the three (stdin is /dev/null for a background
     * job of a script). */
    struct winsize ws;
    for (int fd = 0; fd < 3; fd++) {
        if (p->master >= 0 && ioctl(fd, TIOCGWINSZ, &ws) == 0) {
            ioctl(p->master, TIOCSWINSZ, &ws);
            return;
        }
    }
}

void pty_close(struct viv_pty *p)
{
    if (p->raw && p->saved)
        tcsetattr(STDIN_FILENO, TCSAFLUSH, p->saved);
    free(p->saved);
    p->saved = NULL;
    p->raw = false;
    if (p->master >= 0)
        close(p->master);
    if (p->slave >= 0)
        close(p->slave);
    p->master = p->slave = -1;
}
