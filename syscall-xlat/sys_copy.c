/* sys_copy.c: data the kernel moves between two fds without the guest's buffers: sendfile,
 * copy_file_range, splice and tee. Offsets are loff_t, 8 bytes on both ABIs, read before the
 * call and written back after it, as the kernel updates them. */
#include "sys_internal.h"

#include <fcntl.h>
#include <sys/sendfile.h>
#include <sys/syscall.h>
#include <unistd.h>

/* An optional offset argument: the guest's value in *v, and the pointer the host call takes
 * (NULL when the guest gave none). */
static int off_in(struct xlat_proc *p, uint64_t g, loff_t *v, loff_t **ptr)
{
    *ptr = NULL;
    if (!g)
        return 0;
    if (!xlat_mem_ptr(p->mem, g, sizeof(*v), XLAT_PG_W) || xlat_mem_read(p->mem, g, v, 8) < 0)
        return -EFAULT;
    *ptr = v;
    return 0;
}

/* The host call's result, once the offsets it moved are the guest's again. */
static int64_t offs_out(struct xlat_proc *p, int64_t rc, uint64_t g1, const loff_t *v1, uint64_t g2,
                        const loff_t *v2)
{
    if (rc >= 0 && g1 && xlat_mem_write(p->mem, g1, v1, 8) < 0)
        return -EFAULT;
    if (rc >= 0 && g2 && xlat_mem_write(p->mem, g2, v2, 8) < 0)
        return -EFAULT;
    return rc;
}

XLAT_SYS(sendfile)
{
    FD_OR_EBADF(a[0]);
    FD_OR_EBADF(a[1]);
    loff_t off, *po;
    if (off_in(p, a[2], &off, &po) < 0)
        return -EFAULT;
    int64_t rc = XLAT_RET(sendfile((int)a[0], (int)a[1], (off_t *)po, a[3]));
    return offs_out(p, rc, a[2], &off, 0, NULL);
}

/* copy_file_range and splice: (fd_in, off_in, fd_out, off_out, len, flags) alike. */
typedef ssize_t (*two_offsets_fn)(int, loff_t *, int, loff_t *, size_t, unsigned);

static int64_t two_offsets(struct xlat_proc *p, const uint64_t *a, two_offsets_fn fn)
{
    FD_OR_EBADF(a[0]);
    FD_OR_EBADF(a[2]);
    loff_t oi, oo, *pi, *po;
    if (off_in(p, a[1], &oi, &pi) < 0 || off_in(p, a[3], &oo, &po) < 0)
        return -EFAULT;
    int64_t rc = XLAT_RET(fn((int)a[0], pi, (int)a[2], po, a[4], (unsigned)a[5]));
    return offs_out(p, rc, a[1], &oi, a[3], &oo);
}

XLAT_SYS(copy_file_range)
{
    return two_offsets(p, a, copy_file_range);
}

XLAT_SYS(splice)
{
    return two_offsets(p, a, splice);
}

XLAT_SYS(tee)
{
    FD_OR_EBADF(a[0]);
    FD_OR_EBADF(a[1]);
    return XLAT_RET(tee((int)a[0], (int)a[1], a[2], (unsigned)a[3]));
}
