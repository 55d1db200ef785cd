/* run_term.c: the guest's TERM, where neither the image nor -e gives one. */
#include "run_flags.h"

#include <fcntl.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

/* Where ncurses looks for a compiled entry, by the name's first letter (Debian and Fedora put
 * the common ones under /lib or /usr/share, Alpine under /etc or /usr/share). */
static const char *const terminfo_dirs[] = {"/etc/terminfo", "/lib/terminfo",
                                            "/usr/share/terminfo"};

static bool image_knows(const char *rootfs, const char *term)
{
    if (strchr(term, '/') || strcmp(term, "..") == 0 || strlen(term) > 128)
        return false;
    for (size_t i = 0; i < VIV_ARRAY_SIZE(terminfo_dirs); i++) {
        char path[256];
        snprintf(path, sizeof(path), "%s/%c/%s", terminfo_dirs[i], term[0], term);
        _cleanup_close_ int fd = run_open_in_root(rootfs, path, O_PATH);
        if (fd >= 0)
            return true;
    }
    return false;
}

const char *run_term(const char *rootfs, bool tty)
{
    /* The caller's terminal shows what the guest writes under -t: its type, where the image can
     * describe it (xterm-256color, screen), gives the guest its colours and keys. One the image
     * has no entry for (xterm-kitty, alacritty) would leave curses programs unable to start. */
    const char *mine = tty ? getenv("TERM") : NULL;
    if (mine && *mine && image_knows(rootfs, mine))
        return mine;
    /* As podman gives every container, with a terminal or not: the type every terminfo has,
     * and what scripts that call tput expect to find set. */
    return "xterm";
}
