/* elf_load.c: validate an ELF program's headers and map or copy its PT_LOAD segments into guest
 * memory. */
#include "loader.h"

#include <elf.h>
#include <errno.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#ifndef EM_RISCV
#define EM_RISCV 243
#endif

/* The bytes come from a file or from memory (tests, fuzzing); reads are bounds-checked here. */
struct elf_src {
    int fd;
    const uint8_t *data;
    uint64_t size;
};

static int src_read(const struct elf_src *s, uint64_t off, void *buf, size_t len)
{
    if (off > s->size || len > s->size - off)
        return -1;
    if (s->data) {
        memcpy(buf, s->data + off, len);
        return 0;
    }
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(s->fd, (uint8_t *)buf + done, len - done, (off_t)(off + done));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

static int machine_of(enum elf_machine m)
{
    switch (m) {
    case ELF_MACHINE_X86_64:
        return EM_X86_64;
    case ELF_MACHINE_RISCV64:
        return EM_RISCV;
    case ELF_MACHINE_AARCH64:
        return EM_AARCH64;
    default:
        return -1;
    }
}

/* A rejection: the message names the rule; the code says "not a program we can run". */
#define REJECT(...) (viv_fail(err, 0, __VA_ARGS__), err->code = ENOEXEC, -1)

static int check_ehdr(const Elf64_Ehdr *eh, const char *name, enum elf_machine want,
                      uint64_t fsize, struct viv_error *err)
{
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) != 0)
        return REJECT("%s: not an ELF file", name);
    if (eh->e_ident[EI_CLASS] != ELFCLASS64)
        return REJECT("%s: not a 64-bit ELF file (class %u)", name, eh->e_ident[EI_CLASS]);
    if (eh->e_ident[EI_DATA] != ELFDATA2LSB)
        return REJECT("%s: not a little-endian ELF file", name);
    if (eh->e_ident[EI_VERSION] != EV_CURRENT || eh->e_version != EV_CURRENT)
        return REJECT("%s: unknown ELF version", name);
    if (eh->e_type != ET_EXEC && eh->e_type != ET_DYN)
        return REJECT("%s: ELF type %u is not an executable", name, eh->e_type);
    if ((int)eh->e_machine != machine_of(want))
        return REJECT("%s: machine %u is not %s", name, eh->e_machine, elf_machine_name(want));
    /* Linux's load_elf_binary insists on the native phdr size: anything else is not a program
     * it would run, and a short phentsize would make us read past each entry. */
    if (eh->e_phentsize != sizeof(Elf64_Phdr))
        return REJECT("%s: e_phentsize %u is not %zu", name, eh->e_phentsize, sizeof(Elf64_Phdr));
    if (eh->e_phnum == 0 || eh->e_phnum > ELF_LOAD_MAX_PHNUM)
        return REJECT("%s: e_phnum %u is not in 1..%d", name, eh->e_phnum, ELF_LOAD_MAX_PHNUM);
    uint64_t end;
    if (__builtin_add_overflow(eh->e_phoff, (uint64_t)eh->e_phnum * sizeof(Elf64_Phdr), &end) ||
        end > fsize)
        return REJECT("%s: program headers at %#llx lie outside the file", name,
                      (unsigned long long)eh->e_phoff);
    return 0;
}

/* Solo5-style checks of one PT_LOAD: every range inside the file and the address space, the
 * file bytes no more than the memory bytes, and file offset congruent to the address modulo the
 * page (System V ABI, "Program Loading"), without which a page could not hold both. */
static int check_load(const Elf64_Phdr *ph, unsigned i, const char *name, uint64_t page,
                      uint64_t fsize, struct viv_error *err)
{
    uint64_t end;
    if (ph->p_filesz > ph->p_memsz)
        return REJECT("%s: phdr[%u]: p_filesz %#llx exceeds p_memsz %#llx", name, i,
                      (unsigned long long)ph->p_filesz, (unsigned long long)ph->p_memsz);
    if (__builtin_add_overflow(ph->p_offset, ph->p_filesz, &end) || end > fsize)
        return REJECT("%s: phdr[%u]: file range %#llx+%#llx lies outside the file", name, i,
                      (unsigned long long)ph->p_offset, (unsigned long long)ph->p_filesz);
    if (__builtin_add_overflow(ph->p_vaddr, ph->p_memsz, &end) ||
        __builtin_add_overflow(end, page - 1, &end))
        return REJECT("%s: phdr[%u]: address range %#llx+%#llx wraps", name, i,
                      (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_memsz);
    if (ph->p_align > 1 && (ph->p_align & (ph->p_align - 1)) != 0)
        return REJECT("%s: phdr[%u]: p_align %#llx is not a power of two", name, i,
                      (unsigned long long)ph->p_align);
    if ((ph->p_vaddr - ph->p_offset) % page != 0)
        return REJECT("%s: phdr[%u]: p_vaddr %#llx and p_offset %#llx differ modulo the page",
                      name, i, (unsigned long long)ph->p_vaddr, (unsigned long long)ph->p_offset);
    return 0;
}

static int prot_of(uint32_t flags)
{
    return (flags & PF_R ? PROT_READ : 0) | (flags & PF_W ? PROT_WRITE : 0) |
           (flags & PF_X ? PROT_EXEC : 0);
}

static int copy_segment(const struct elf_src *s, const Elf64_Phdr *ph, uint64_t bias,
                        const struct elf_load_ops *ops, const char *name, unsigned i,
                        struct viv_error *err)
{
    uint8_t buf[65536];
    uint64_t done = 0;
    while (done < ph->p_filesz) {
        size_t n = ph->p_filesz - done < sizeof(buf) ? (size_t)(ph->p_filesz - done) : sizeof(buf);
        if (src_read(s, ph->p_offset + done, buf, n) < 0)
            return viv_fail(err, EIO, "%s: phdr[%u]: read segment", name, i);
        if (ops->write(ops->ctx, ph->p_vaddr + bias + done, buf, n, err) < 0)
            return viv_wrap(err, "%s: phdr[%u]", name, i);
        done += n;
    }
    return 0;
}

/* Guest [addr, addr+len) = zero bytes. */
static int zero_fill(const struct elf_load_ops *ops, uint64_t addr, uint64_t len,
                     struct viv_error *err)
{
    static const uint8_t zero[4096];
    while (len > 0) {
        size_t n = len < sizeof(zero) ? (size_t)len : sizeof(zero);
        if (ops->write(ops->ctx, addr, zero, n, err) < 0)
            return -1;
        addr += n;
        len -= n;
    }
    return 0;
}

/* Segment i's file bytes: mapped from the file where the engine can and no other segment has a
 * byte in the pages they span (a mapping of whole pages would replace that segment's bytes),
 * copied otherwise. A mapping costs nothing for the pages the program never touches, where a
 * copy reads and writes every page at start-up. The bytes the pages hold around the segment are
 * zeroed as a copy leaves them. */
static int place_segment(const struct elf_src *s, const Elf64_Phdr *ph, unsigned nph, unsigned i,
                         uint64_t bias, uint64_t page, const struct elf_load_ops *ops,
                         const char *name, struct viv_error *err)
{
    const Elf64_Phdr *p = &ph[i];
    if (!ops->map_file || s->data || p->p_filesz == 0)
        return copy_segment(s, p, bias, ops, name, i, err);
    uint64_t start = p->p_vaddr & ~(page - 1);
    uint64_t end = (p->p_vaddr + p->p_filesz + page - 1) & ~(page - 1);
    for (unsigned j = 0; j < nph; j++) {
        const Elf64_Phdr *o = &ph[j];
        if (j == i || o->p_type != PT_LOAD || o->p_memsz == 0)
            continue;
        uint64_t o_start = o->p_vaddr & ~(page - 1);
        uint64_t o_end = (o->p_vaddr + o->p_memsz + page - 1) & ~(page - 1);
        if (o_start < end && o_end > start)
            return copy_segment(s, p, bias, ops, name, i, err);
    }
    uint64_t off = p->p_offset & ~(page - 1); /* congruent with p_vaddr: check_load */
    if (ops->map_file(ops->ctx, start + bias, end - start, s->fd, off, err) < 0) {
        /* A file that cannot be mapped (a filesystem without mmap) is read instead. */
        err->code = 0;
        err->msg[0] = '\0';
        if (ops->map(ops->ctx, start + bias, end - start, err) < 0)
            return viv_wrap(err, "%s: phdr[%u]", name, i);
        return copy_segment(s, p, bias, ops, name, i, err);
    }
    uint64_t file_end = p->p_vaddr + p->p_filesz;
    if (zero_fill(ops, start + bias, p->p_vaddr - start, err) < 0 ||
        zero_fill(ops, file_end + bias, end - file_end, err) < 0)
        return viv_wrap(err, "%s: phdr[%u]", name, i);
    return 0;
}

/* The pages between segments go, as Linux leaves them: load_elf_binary and load_elf_interp map
 * the first segment over the image's whole span (elf_map's total_size), unmap the excess and map
 * each later segment where it belongs, so a gap is a hole in /proc/self/maps that a later mmap
 * may take. A page two segments share is no gap. */
static int unmap_gaps(const Elf64_Phdr *ph, unsigned nph, uint64_t bias, uint64_t page,
                      const struct elf_load_ops *ops, const char *name, struct viv_error *err)
{
    uint64_t prev_end = 0;
    bool first = true;
    for (unsigned i = 0; i < nph && ops->unmap; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t start = ph[i].p_vaddr & ~(page - 1);
        uint64_t end = (ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
        if (end == start)
            continue;
        if (!first && start > prev_end &&
            ops->unmap(ops->ctx, prev_end + bias, start - prev_end, err) < 0)
            return viv_wrap(err, "%s: the gap before phdr[%u]", name, i);
        first = false;
        prev_end = end;
    }
    return 0;
}

static int load(const struct elf_src *s, const char *name, enum elf_machine want, uint64_t page,
                const struct elf_load_ops *ops, struct elf_image *img, struct viv_error *err)
{
    memset(img, 0, sizeof(*img));
    if (page == 0 || (page & (page - 1)) != 0)
        return viv_fail(err, EINVAL, "%s: page size %llu is not a power of two", name,
                        (unsigned long long)page);
    Elf64_Ehdr eh;
    if (src_read(s, 0, &eh, sizeof(eh)) < 0)
        return REJECT("%s: shorter than an ELF header", name);
    if (check_ehdr(&eh, name, want, s->size, err) < 0)
        return -1;
    Elf64_Phdr ph[ELF_LOAD_MAX_PHNUM];
    if (src_read(s, eh.e_phoff, ph, eh.e_phnum * sizeof(Elf64_Phdr)) < 0)
        return viv_fail(err, EIO, "%s: read program headers", name);

    uint64_t lo = UINT64_MAX, hi = 0, prev_end = 0, phdr_vaddr = 0;
    unsigned nload = 0;
    bool have_phdr = false;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        const Elf64_Phdr *p = &ph[i];
        if (p->p_type == PT_INTERP) {
            if (img->dynamic)
                return REJECT("%s: phdr[%u]: a second PT_INTERP", name, i);
            if (p->p_filesz < 2 || p->p_filesz > sizeof(img->interp))
                return REJECT("%s: phdr[%u]: PT_INTERP of %llu bytes is not a path", name, i,
                              (unsigned long long)p->p_filesz);
            if (src_read(s, p->p_offset, img->interp, p->p_filesz) < 0)
                return REJECT("%s: phdr[%u]: PT_INTERP lies outside the file", name, i);
            if (img->interp[p->p_filesz - 1] != '\0' || strlen(img->interp) != p->p_filesz - 1)
                return REJECT("%s: phdr[%u]: PT_INTERP is not one NUL-terminated path", name, i);
            img->dynamic = true;
        } else if (p->p_type == PT_PHDR) {
            phdr_vaddr = p->p_vaddr;
            have_phdr = true;
        } else if (p->p_type == PT_LOAD) {
            if (check_load(p, i, name, page, s->size, err) < 0)
                return -1;
            uint64_t start = p->p_vaddr & ~(page - 1);
            uint64_t end = (p->p_vaddr + p->p_memsz + page - 1) & ~(page - 1);
            /* System V ABI: "loadable segment entries ... appear in ascending order, sorted on
             * the p_vaddr member". Overlap would let a later segment rewrite an earlier one. */
            if (nload > 0 && p->p_vaddr < prev_end)
                return REJECT("%s: phdr[%u]: PT_LOAD overlaps or precedes the one before", name,
                              i);
            prev_end = p->p_vaddr + p->p_memsz;
            if (start < lo)
                lo = start;
            if (end > hi)
                hi = end;
            nload++;
            /* AT_PHDR when there is no PT_PHDR: the headers as the segment holding them maps
             * them, as Linux computes it. */
            if (!have_phdr && eh.e_phoff >= p->p_offset &&
                eh.e_phoff + eh.e_phnum * sizeof(Elf64_Phdr) <= p->p_offset + p->p_filesz)
                phdr_vaddr = p->p_vaddr + (eh.e_phoff - p->p_offset);
        }
    }
    if (nload == 0)
        return REJECT("%s: no PT_LOAD segment", name);
    if (eh.e_type == ET_EXEC && lo < page)
        return REJECT("%s: segments start at %#llx, inside the first page", name,
                      (unsigned long long)lo);
    img->lo = lo;
    img->hi = hi;
    img->phent = eh.e_phentsize;
    img->phnum = eh.e_phnum;
    if (eh.e_entry < lo || eh.e_entry >= hi)
        return REJECT("%s: entry point %#llx lies outside the loaded segments", name,
                      (unsigned long long)eh.e_entry);
    if (!ops) {
        img->entry = eh.e_entry;
        img->phdr = phdr_vaddr;
        return 0;
    }

    uint64_t bias = 0;
    if (eh.e_type == ET_DYN) {
        uint64_t base;
        if (ops->find(ops->ctx, hi - lo, &base, err) < 0)
            return viv_wrap(err, "%s: no room for %llu bytes", name,
                            (unsigned long long)(hi - lo));
        bias = base - lo;
    }
    if (ops->map(ops->ctx, lo + bias, hi - lo, err) < 0)
        return viv_wrap(err, "%s", name);
    for (unsigned i = 0; i < eh.e_phnum; i++)
        if (ph[i].p_type == PT_LOAD &&
            place_segment(s, ph, eh.e_phnum, i, bias, page, ops, name, err) < 0)
            return -1;
    /* Protections last, once the bytes are in. Gaps between segments become inaccessible (then
     * holes, where the engine can unmap them); a page two segments share gets both segments'
     * rights, as the later mmap Linux makes would otherwise take rights from the earlier. */
    if (ops->protect(ops->ctx, lo + bias, hi - lo, PROT_NONE, err) < 0)
        return viv_wrap(err, "%s", name);
    int prev_prot = 0;
    uint64_t prev_last = UINT64_MAX;
    for (unsigned i = 0; i < eh.e_phnum; i++) {
        if (ph[i].p_type != PT_LOAD)
            continue;
        uint64_t start = ph[i].p_vaddr & ~(page - 1);
        uint64_t end = (ph[i].p_vaddr + ph[i].p_memsz + page - 1) & ~(page - 1);
        int prot = prot_of(ph[i].p_flags);
        if (end > start && ops->protect(ops->ctx, start + bias, end - start, prot, err) < 0)
            return viv_wrap(err, "%s: phdr[%u]", name, i);
        if (start == prev_last && ops->protect(ops->ctx, start + bias, page, prot | prev_prot,
                                               err) < 0)
            return viv_wrap(err, "%s: phdr[%u]", name, i);
        prev_prot = prot;
        prev_last = end > start ? end - page : UINT64_MAX;
    }
    if (unmap_gaps(ph, eh.e_phnum, bias, page, ops, name, err) < 0)
        return -1;
    img->bias = bias;
    img->entry = eh.e_entry + bias;
    img->phdr = phdr_vaddr ? phdr_vaddr + bias : 0;
    img->lo = lo + bias;
    img->hi = hi + bias;
    return 0;
}

int elf_load(int fd, const char *name, enum elf_machine want, uint64_t page_size,
             const struct elf_load_ops *ops, struct elf_image *img, struct viv_error *err)
{
    struct stat st;
    if (fstat(fd, &st) < 0)
        return viv_fail(err, errno, "%s: stat", name);
    if (!S_ISREG(st.st_mode))
        return viv_fail(err, EACCES, "%s: not a regular file", name);
    struct elf_src s = {.fd = fd, .size = (uint64_t)st.st_size};
    return load(&s, name, want, page_size, ops, img, err);
}

int elf_load_mem(const void *data, size_t len, const char *name, enum elf_machine want,
                 uint64_t page_size, const struct elf_load_ops *ops, struct elf_image *img,
                 struct viv_error *err)
{
    struct elf_src s = {.fd = -1, .data = data, .size = len};
    return load(&s, name, want, page_size, ops, img, err);
}
