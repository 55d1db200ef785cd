/* fuzz_vm_hypercall.c: the vm hypercall dispatcher with hostile registers and guest memory, as a
 * guest could set them before its `syscall`. The host side must never fault, and an answer
 * must be a result or -errno. No KVM: the dispatcher is called directly.
 *
 * Input: nr (2 bytes), six argument registers (8 bytes each), the rights of a 16-page window
 * (16 bytes: PROT_* bits, bit 3 mapped), then the window's bytes. An argument whose top nibble is
 * 0xa points into the window, so that pointers are as often almost right as wildly wrong. */
#include "vmcore/vmcore.h"

#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>

#define GUEST (16ull << 20)
#define WINDOW 0x10000ull
#define WINDOW_PAGES 16

static struct vm_mem m;
static int root_fd = -1;
static char root[] = "/tmp/viv-fuzz-vm.XXXXXX";

static void cleanup(void)
{
    struct viv_error err;
    viv_rm_rf(root, &err);
}

static uint64_t get64(const uint8_t **d, size_t *n)
{
    uint64_t v = 0;
    size_t k = *n < 8 ? *n : 8;
    memcpy(&v, *d, k);
    *d += k;
    *n -= k;
    return v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct viv_error err = {0};
    if (!m.host) {
        if (vm_mem_init(&m, GUEST, &err) < 0 || !mkdtemp(root))
            return 0;
        root_fd = open(root, O_PATH | O_DIRECTORY | O_CLOEXEC);
        atexit(cleanup);
    }
    uint64_t nr = 0;
    if (size >= 2) {
        nr = (uint64_t)(data[0] | data[1] << 8) % 400;
        data += 2, size -= 2;
    }
    uint64_t a[6];
    for (int i = 0; i < 6; i++) {
        a[i] = get64(&data, &size);
        if (a[i] >> 60 == 0xa)
            a[i] = WINDOW + (a[i] & (WINDOW_PAGES * VM_PAGE - 1));
    }
    for (unsigned i = 0; i < WINDOW_PAGES; i++) {
        uint8_t r = size ? *data : 0;
        if (size)
            data++, size--;
        if (r & 8)
            xlat_mem_map(&m.user, WINDOW + i * VM_PAGE, VM_PAGE, r & 7,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    }
    /* The window's bytes go in whatever the rights, as the guest could have written them. */
    size_t n = size < WINDOW_PAGES * VM_PAGE ? size : WINDOW_PAGES * VM_PAGE;
    memcpy(m.host + WINDOW, data, n);

    struct vm_proc p;
    vm_proc_init(&p, &m, root_fd, "fuzz");
    p.brk_start = p.brk_cur = 0x200000;
    /* The guest's stdio is /dev/null here: what it writes must not reach the fuzzer's. */
    for (int fd = 0; fd < 3; fd++)
        vm_proc_set_fd(&p, fd, open("/dev/null", O_RDWR | O_CLOEXEC));
    int64_t ret;
    enum vm_sys_result res = vm_syscall(&p, nr, a, &ret);
    if (res != VM_SYS_EXIT && ret < -4095)
        __builtin_trap(); /* neither a result nor an errno */
    vm_proc_release(&p);
    /* Everything the call or the input mapped goes, so each input starts alike. */
    xlat_mem_unmap(&m.user, 0, m.user.size);
    m.user.mmap_top = m.user.size;
    m.tlb_dirty = false;
    return 0;
}
