/* fuzz_elf.c: hostile bytes through elf_identify, the check `viv build` runs on entrypoints. */
#include "loader/loader.h"

#include <sys/mman.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int fd = -1;
    if (fd < 0)
        fd = memfd_create("fuzz-elf", MFD_CLOEXEC);
    if (ftruncate(fd, 0) < 0 || pwrite(fd, data, size, 0) != (ssize_t)size)
        return 0;
    struct elf_info info;
    struct viv_error err = {0};
    elf_identify(fd, "fuzz", &info, &err);
    return 0;
}
