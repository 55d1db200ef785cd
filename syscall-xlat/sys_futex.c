/* sys_futex.c: guest futexes as host futexes at the host address of the guest word. */
#include "sys_internal.h"

#include <linux/futex.h>
#include <sys/syscall.h>
#include <unistd.h>

/* A futex word: 4-byte aligned (futex(2): EINVAL otherwise) and mapped. Guest memory is host
 * memory, so waiters in other threads, and in other processes sharing the page, meet in the
 * host kernel; FUTEX_PRIVATE_FLAG means the same on both sides. */
static int64_t futex_word(const struct xlat_proc *p, uint64_t g, uint32_t **h)
{
    if (g % 4)
        return -EINVAL;
    *h = xlat_mem_ptr(p->mem, g, 4, XLAT_PG_R);
    return *h ? 0 : -EFAULT;
}

XLAT_SYS(futex)
{
    uint32_t *uaddr, *uaddr2 = NULL;
    int64_t rc = futex_word(p, a[0], &uaddr);
    if (rc < 0)
        return rc;
    int op = (int)a[1], cmd = op & FUTEX_CMD_MASK;
    /* The fourth argument is a struct timespec (two 64-bit words on riscv64 and x86-64) for the
     * waits and an integer (val2) for the requeues. */
    const void *timeout = NULL;
    uintptr_t val2 = (uintptr_t)a[3];
    switch (cmd) {
    case FUTEX_WAIT:
    case FUTEX_WAIT_BITSET:
    case FUTEX_LOCK_PI:
    case FUTEX_LOCK_PI2:
    case FUTEX_WAIT_REQUEUE_PI:
        if (a[3]) {
            timeout = xlat_mem_ptr(p->mem, a[3], 16, XLAT_PG_R);
            if (!timeout)
                return -EFAULT;
        }
        break;
    case FUTEX_WAKE:
    case FUTEX_WAKE_BITSET:
    case FUTEX_UNLOCK_PI:
    case FUTEX_TRYLOCK_PI:
    case FUTEX_REQUEUE:
    case FUTEX_CMP_REQUEUE:
    case FUTEX_WAKE_OP:
    case FUTEX_CMP_REQUEUE_PI:
        break;
    default:
        return -ENOSYS;
    }
    if (cmd == FUTEX_REQUEUE || cmd == FUTEX_CMP_REQUEUE || cmd == FUTEX_WAKE_OP ||
        cmd == FUTEX_CMP_REQUEUE_PI || cmd == FUTEX_WAIT_REQUEUE_PI) {
        if ((rc = futex_word(p, a[4], &uaddr2)) < 0)
            return rc;
        /* FUTEX_WAKE_OP writes the second word. */
        if (cmd == FUTEX_WAKE_OP && !xlat_mem_ptr(p->mem, a[4], 4, XLAT_PG_W))
            return -EFAULT;
    }
    const void *arg4 = timeout ? timeout : (const void *)val2;
    return XLAT_RET(syscall(SYS_futex, uaddr, op, (uint32_t)a[2], arg4, uaddr2, (uint32_t)a[5]));
}
