/* sys_ipc.c: SysV message queues, semaphores and shared memory, the host kernel's in the
 * sandbox's IPC namespace. Buffers come through guest memory; a bad one reaches the host call as
 * NULL, so that the kernel's own order of checks (sizes first, then the copy) picks the error.
 * A shared memory segment is attached by the host inside the guest's window (guest_mem.c). */
#include "sys_internal.h"

#include <sys/msg.h>
#include <sys/sem.h>
#include <sys/shm.h>
#include <sys/syscall.h>
#include <unistd.h>

#define IPC_64 0x0100 /* the version bit of a ctl command (include/uapi/linux/ipc.h) */

/* struct ipc64_perm, then the rest: identical on x86-64 and asm-generic for msqid64_ds (120
 * bytes); semid64_ds has x86-64's padding after each time (104 bytes) and none elsewhere (88). */
#define PERM_SIZE 48
#define MSQID_SIZE 120
#define SEMID_HOST_SIZE 104
#define SEMID_GENERIC_SIZE 88
#define MSGINFO_SIZE 32 /* struct msginfo and struct seminfo: ints only */
#define SEMINFO_SIZE 40
/* struct shmid64_ds, struct shminfo64 (nine longs) and struct shm_info (an int, then five
 * longs): the same on x86-64 and asm-generic. */
#define SHMID_SIZE 112
#define SHMINFO_SIZE 72
#define SHM_INFO_SIZE 48
#define SHMLBA_GUEST 4096 /* the page on x86-64 and riscv64 alike */
_Static_assert(SHMID_SIZE <= MSQID_SIZE && SHMINFO_SIZE <= MSQID_SIZE, "ipc_ctl's buffer");

static void *guest_buf(struct xlat_proc *p, uint64_t g, uint64_t len, unsigned need)
{
    return g ? xlat_mem_ptr(p->mem, g, len, need) : NULL;
}

XLAT_SYS(msgget)
{
    (void)p;
    return XLAT_RET(syscall(SYS_msgget, (key_t)a[0], (int)a[1]));
}

/* struct msgbuf: a long type, then the text. */
XLAT_SYS(msgsnd)
{
    uint64_t len;
    void *buf = NULL;
    if (!__builtin_add_overflow(a[2], 8, &len))
        buf = guest_buf(p, a[1], len, XLAT_PG_R);
    return XLAT_RET(syscall(SYS_msgsnd, (int)a[0], buf, (size_t)a[2], (int)a[3]));
}

XLAT_SYS(msgrcv)
{
    uint64_t len;
    void *buf = NULL;
    if (!__builtin_add_overflow(a[2], 8, &len))
        buf = guest_buf(p, a[1], len, XLAT_PG_W);
    return XLAT_RET(syscall(SYS_msgrcv, (int)a[0], buf, (size_t)a[2], (long)a[3], (int)a[4]));
}

/* The pids a queue's or a semaphore's record names, under the ids the guest knows. */
static void pid_out(struct xlat_proc *p, uint8_t *at)
{
    pid_t pid;
    memcpy(&pid, at, sizeof(pid));
    pid = xlat_pid_to_guest(p, pid);
    memcpy(at, &pid, sizeof(pid));
}

/* A msgctl or shmctl (nr) whose buffer a[2] is read (in bytes) or written (out): a record of
 * `record` bytes has two pids at pid_at, which the guest knows by its own numbers. */
static int64_t ipc_ctl(struct xlat_proc *p, long nr, const uint64_t *a, size_t in, size_t out,
                       size_t record, size_t pid_at)
{
    uint8_t ds[MSQID_SIZE] = {0};
    if (in && xlat_mem_read(p->mem, a[2], ds, in) < 0)
        return -EFAULT;
    if (out && !xlat_mem_ptr(p->mem, a[2], out, XLAT_PG_W))
        return -EFAULT;
    int64_t rc = XLAT_RET(syscall(nr, (int)a[0], (int)a[1], (in || out) ? ds : NULL));
    if (rc < 0 || !out)
        return rc;
    if (out == record) {
        pid_out(p, ds + pid_at);
        pid_out(p, ds + pid_at + 4);
    }
    return xlat_mem_write(p->mem, a[2], ds, out) < 0 ? -EFAULT : rc;
}

XLAT_SYS(msgctl)
{
    size_t in = 0, out = 0;
    switch ((int)a[1] & ~IPC_64) {
    case IPC_STAT:
    case MSG_STAT:
    case MSG_STAT_ANY:
        out = MSQID_SIZE;
        break;
    case IPC_SET:
        in = MSQID_SIZE;
        break;
    case IPC_INFO:
    case MSG_INFO:
        out = MSGINFO_SIZE;
        break;
    case IPC_RMID:
        break;
    default:
        return -EINVAL;
    }
    /* msg_lspid and msg_lrpid follow six words. */
    return ipc_ctl(p, SYS_msgctl, a, in, out, MSQID_SIZE, PERM_SIZE + 6 * 8);
}

XLAT_SYS(semget)
{
    (void)p;
    return XLAT_RET(syscall(SYS_semget, (key_t)a[0], (int)a[1], (int)a[2]));
}

/* struct sembuf is three shorts everywhere. */
#define SEMBUF_SIZE 6
#define SEMOPS_MAX 65536 /* well past SEMOPM's limit: the kernel answers E2BIG */

static int64_t sem_ops(struct xlat_proc *p, const uint64_t *a, uint64_t gts)
{
    void *ops = a[2] <= SEMOPS_MAX ? guest_buf(p, a[1], a[2] * SEMBUF_SIZE, XLAT_PG_R) : NULL;
    struct timespec ts;
    if (gts && xlat_mem_read(p->mem, gts, &ts, sizeof(ts)) < 0)
        return -EFAULT;
    return XLAT_RET(syscall(SYS_semtimedop, (int)a[0], ops, (size_t)a[2], gts ? &ts : NULL));
}

XLAT_SYS(semop)
{
    return sem_ops(p, a, 0);
}

XLAT_SYS(semtimedop)
{
    return sem_ops(p, a, a[3]);
}

/* A semaphore set's record from the host's layout to the guest's, and back: the permissions
 * and the three words of times and size, which x86-64 spreads over five. */
static size_t semid_size(const struct xlat_proc *p)
{
    return p->abi->semid_generic ? SEMID_GENERIC_SIZE : SEMID_HOST_SIZE;
}

static void semid_to_guest(const struct xlat_proc *p, const uint8_t *host, uint8_t *g)
{
    memcpy(g, host, PERM_SIZE);
    if (!p->abi->semid_generic) {
        memcpy(g + PERM_SIZE, host + PERM_SIZE, SEMID_HOST_SIZE - PERM_SIZE);
        return;
    }
    memset(g + PERM_SIZE, 0, SEMID_GENERIC_SIZE - PERM_SIZE);
    memcpy(g + PERM_SIZE, host + PERM_SIZE, 8);           /* sem_otime */
    memcpy(g + PERM_SIZE + 8, host + PERM_SIZE + 16, 8);  /* sem_ctime */
    memcpy(g + PERM_SIZE + 16, host + PERM_SIZE + 32, 8); /* sem_nsems */
}

static void semid_to_host(const struct xlat_proc *p, const uint8_t *g, uint8_t *host)
{
    memset(host, 0, SEMID_HOST_SIZE);
    memcpy(host, g, p->abi->semid_generic ? PERM_SIZE : SEMID_HOST_SIZE);
}

/* The number of semaphores in set id (for GETALL and SETALL), or -errno. */
static int64_t sem_count(int id)
{
    uint8_t ds[SEMID_HOST_SIZE];
    if (syscall(SYS_semctl, id, 0, IPC_STAT, ds) < 0)
        return -errno;
    uint64_t n;
    memcpy(&n, ds + PERM_SIZE + 32, sizeof(n));
    return (int64_t)n;
}

static int64_t sem_all(struct xlat_proc *p, const uint64_t *a, bool get)
{
    int64_t n = sem_count((int)a[0]);
    if (n < 0)
        return n;
    void *vals = xlat_mem_ptr(p->mem, a[3], (uint64_t)n * sizeof(unsigned short),
                              get ? XLAT_PG_W : XLAT_PG_R);
    if (!vals)
        return -EFAULT;
    return XLAT_RET(syscall(SYS_semctl, (int)a[0], 0, (int)a[2], vals));
}

static int64_t sem_record(struct xlat_proc *p, const uint64_t *a, bool set)
{
    uint8_t host[SEMID_HOST_SIZE], g[SEMID_HOST_SIZE];
    size_t size = semid_size(p);
    if (set) {
        if (xlat_mem_read(p->mem, a[3], g, size) < 0)
            return -EFAULT;
        semid_to_host(p, g, host);
    } else if (!xlat_mem_ptr(p->mem, a[3], size, XLAT_PG_W)) {
        return -EFAULT;
    }
    int64_t rc = XLAT_RET(syscall(SYS_semctl, (int)a[0], (int)a[1], (int)a[2], host));
    if (rc < 0 || set)
        return rc;
    semid_to_guest(p, host, g);
    return xlat_mem_write(p->mem, a[3], g, size) < 0 ? -EFAULT : rc;
}

/* The fourth argument, union semun, is passed by value: an int or a pointer by command. */
XLAT_SYS(semctl)
{
    switch ((int)a[2] & ~IPC_64) {
    case IPC_STAT:
    case SEM_STAT:
    case SEM_STAT_ANY:
        return sem_record(p, a, false);
    case IPC_SET:
        return sem_record(p, a, true);
    case IPC_INFO:
    case SEM_INFO: {
        uint8_t info[SEMINFO_SIZE];
        if (!xlat_mem_ptr(p->mem, a[3], sizeof(info), XLAT_PG_W))
            return -EFAULT;
        int64_t rc = XLAT_RET(syscall(SYS_semctl, (int)a[0], (int)a[1], (int)a[2], info));
        return rc < 0 || xlat_mem_write(p->mem, a[3], info, sizeof(info)) == 0 ? rc : -EFAULT;
    }
    case GETALL:
        return sem_all(p, a, true);
    case SETALL:
        return sem_all(p, a, false);
    case GETPID: {
        int64_t rc = XLAT_RET(syscall(SYS_semctl, (int)a[0], (int)a[1], (int)a[2], 0));
        return rc > 0 ? xlat_pid_to_guest(p, (pid_t)rc) : rc;
    }
    case GETVAL:
    case GETNCNT:
    case GETZCNT:
    case SETVAL:
    case IPC_RMID:
        return XLAT_RET(syscall(SYS_semctl, (int)a[0], (int)a[1], (int)a[2], a[3]));
    default:
        return -EINVAL;
    }
}

XLAT_SYS(shmget)
{
    (void)p;
    return XLAT_RET(syscall(SYS_shmget, (key_t)a[0], (size_t)a[1], (int)a[2]));
}

XLAT_SYS(shmctl)
{
    size_t in = 0, out = 0;
    switch ((int)a[1] & ~IPC_64) {
    case IPC_STAT:
    case SHM_STAT:
    case SHM_STAT_ANY:
        out = SHMID_SIZE;
        break;
    case IPC_SET:
        in = SHMID_SIZE;
        break;
    case IPC_INFO:
        out = SHMINFO_SIZE;
        break;
    case SHM_INFO:
        out = SHM_INFO_SIZE;
        break;
    case IPC_RMID:
    case SHM_LOCK:
    case SHM_UNLOCK:
        break;
    default:
        return -EINVAL;
    }
    /* shm_cpid and shm_lpid follow four words. */
    return ipc_ctl(p, SYS_shmctl, a, in, out, SHMID_SIZE, PERM_SIZE + 4 * 8);
}

/* shmat(2): at the address asked for (rounded down with SHM_RND), which must then be free unless
 * SHM_REMAP, or where mmap would place it; the segment's own size, page-rounded. */
XLAT_SYS(shmat)
{
    int id = (int)a[0], flags = (int)a[2];
    uint64_t addr = a[1];
    if (flags & ~(SHM_RDONLY | SHM_RND | SHM_REMAP | SHM_EXEC))
        return -EINVAL;
    uint8_t ds[SHMID_SIZE];
    if (syscall(SYS_shmctl, id, IPC_STAT, ds) < 0)
        return -errno;
    uint64_t len;
    memcpy(&len, ds + PERM_SIZE, sizeof(len));
    len = XLAT_PAGE_UP(len);
    if (addr && (flags & SHM_RND))
        addr &= ~(uint64_t)(SHMLBA_GUEST - 1);
    if (addr % XLAT_PAGE || (!addr && (flags & SHM_REMAP)))
        return -EINVAL;
    if (!addr) {
        int e = xlat_mem_find(p->mem, len, &addr);
        if (e < 0)
            return e;
    } else if (addr >= p->mem->size || len > p->mem->size - addr) {
        return -EINVAL;
    } else if (!(flags & SHM_REMAP)) {
        for (uint64_t g = addr; g < addr + len; g += XLAT_PAGE)
            if (p->mem->pages[g / XLAT_PAGE])
                return -EINVAL;
    }
    int e = xlat_mem_attach_shm(p->mem, addr, len, id, flags);
    return e < 0 ? e : (int64_t)addr;
}

XLAT_SYS(shmdt)
{
    return xlat_mem_detach_shm(p->mem, a[0]);
}
