/* die.c: ending a process as the signal that ended its guest, so that its parent sees the guest's
 * death, not a status that only resembles it. */
#include "base.h"

#include <signal.h>
#include <sys/resource.h>

bool viv_signal_ends_by_default(int sig)
{
    switch (sig) {
    case SIGCHLD:
    case SIGCONT:
    case SIGURG:
    case SIGWINCH:
    case SIGSTOP:
    case SIGTSTP:
    case SIGTTIN:
    case SIGTTOU:
        return false;
    default:
        return true;
    }
}

int viv_die_of_signal(int sig)
{
    /* No core file: it would be viv's, which would mislead more than it helps. */
    struct rlimit no_core = {0, 0};
    setrlimit(RLIMIT_CORE, &no_core);
    signal(sig, SIG_DFL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, sig);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(sig);
    return 128 + sig; /* a signal whose default is to be ignored */
}
