/* vm_cpu.c: the vCPU's world: the shim and the descriptor tables in the system area, long mode
 * entered directly through KVM_SET_SREGS and KVM_SET_MSRS (no real-mode boot), and the CPUID the
 * guest sees. */
#include "vmcore.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <sys/ioctl.h>

/* GDT selectors. SYSCALL loads CS = STAR[47:32] and SS = that + 8; SYSRET to 64-bit mode loads
 * CS = STAR[63:48] + 16 and SS = STAR[63:48] + 8, both with RPL 3 (AMD64 APM vol. 2, 6.1.1), which
 * fixes this order: kernel code, kernel data, user data, user code. */
enum { SEL_KCODE = 0x08, SEL_KDATA = 0x10, SEL_UDATA = 0x18, SEL_UCODE = 0x20, SEL_TSS = 0x28 };
#define GDT_ENTRIES 7 /* null, 4 segments, the 16-byte TSS descriptor */
#define TSS_OFFSET 0x80 /* the TSS lives in the GDT's page */
#define TSS_LIMIT 0x67  /* 104 bytes: the 64-bit TSS (AMD64 APM vol. 2, 12.2.5) */
#define IDT_VECTORS 32

#define MSR_EFER 0xc0000080
#define MSR_STAR 0xc0000081
#define MSR_LSTAR 0xc0000082
#define MSR_CSTAR 0xc0000083
#define MSR_SFMASK 0xc0000084
#define MSR_FS_BASE 0xc0000100
#define MSR_GS_BASE 0xc0000101
#define MSR_KERNEL_GS_BASE 0xc0000102

#define EFER_SCE (1u << 0)
#define EFER_LME (1u << 8)
#define EFER_LMA (1u << 10)
#define EFER_NXE (1u << 11)
#define CR0_PE (1u << 0)
#define CR0_MP (1u << 1)
#define CR0_ET (1u << 4)
#define CR0_NE (1u << 5)
#define CR0_WP (1u << 16)
#define CR0_PG (1u << 31)
#define CR4_PAE (1u << 5)
#define CR4_OSFXSR (1u << 9)
#define CR4_OSXMMEXCPT (1u << 10)
/* SFMASK: what SYSCALL clears in rflags, as Linux does: TF, IF, DF, IOPL, NT, AC. */
#define RFLAGS_SYSCALL_MASK 0x47700u


/* A code or data descriptor: flags are the access byte and the G/D/L nibble. */
static uint64_t seg_desc(uint8_t access, uint8_t flags)
{
    return 0xffffull | ((uint64_t)access << 40) | (0xfull << 48) | ((uint64_t)flags << 52);
}

static void build_tables(struct vm_mem *m, unsigned slot, const struct vm_shim *shim)
{
    uint8_t *sys = vm_sys_host(m, slot, 0);
    uint64_t base = vm_sys_kva(slot, 0);
    memcpy(sys + VM_SYS_SHIM * VM_PAGE, shim->code, shim->size);

    uint64_t *gdt = (uint64_t *)(void *)(sys + VM_SYS_GDT * VM_PAGE);
    gdt[0] = 0;
    gdt[SEL_KCODE / 8] = seg_desc(0x9b, 0xa); /* P, DPL0, code exec/read; G, L */
    gdt[SEL_KDATA / 8] = seg_desc(0x93, 0xc); /* P, DPL0, data read/write; G, D */
    gdt[SEL_UDATA / 8] = seg_desc(0xf3, 0xc); /* DPL3 */
    gdt[SEL_UCODE / 8] = seg_desc(0xfb, 0xa); /* DPL3, L */
    uint64_t tss = vm_sys_kva(slot, VM_SYS_GDT) + TSS_OFFSET;
    gdt[SEL_TSS / 8] = TSS_LIMIT | ((tss & 0xffffff) << 16) | (0x89ull << 40) |
                       ((tss >> 24 & 0xff) << 56);
    gdt[SEL_TSS / 8 + 1] = tss >> 32;

    /* TSS: RSP0 and IST1 both at the kernel stack's top, so that every exception, from ring 3 or
     * from the shim itself, lands on a stack the guest cannot reach. No I/O bitmap (its base is
     * past the limit): every in/out from ring 3 raises #GP (AMD64 APM vol. 2, 13.2.3). */
    uint8_t *t = sys + VM_SYS_GDT * VM_PAGE + TSS_OFFSET;
    memset(t, 0, TSS_LIMIT + 1);
    uint64_t stack_top = vm_sys_kva(slot, VM_SYS_STACK + 3);
    memcpy(t + 4, &stack_top, 8);    /* RSP0 */
    memcpy(t + 0x24, &stack_top, 8); /* IST1 */
    uint16_t iomap = TSS_LIMIT + 1;
    memcpy(t + 0x66, &iomap, 2);

    /* IDT: 64-bit interrupt gates on IST1 (AMD64 APM vol. 2, 4.8.4). Only int3 and into may be
     * raised by ring 3 with `int n` (DPL 3), as on Linux; any other `int n` is a #GP. */
    uint64_t *idt = (uint64_t *)(void *)(sys + VM_SYS_IDT * VM_PAGE);
    for (unsigned v = 0; v < IDT_VECTORS; v++) {
        uint64_t off = base + shim->faults + 16ull * v;
        uint64_t dpl = (v == 3 || v == 4) ? 3 : 0;
        idt[2 * v] = (off & 0xffff) | ((uint64_t)SEL_KCODE << 16) | (1ull << 32) /* IST1 */ |
                     ((0x8eull | dpl << 5) << 40) | ((off >> 16 & 0xffff) << 48);
        idt[2 * v + 1] = off >> 32;
    }
}

static void seg(struct kvm_segment *s, uint16_t sel, uint8_t type, uint8_t dpl, bool code)
{
    memset(s, 0, sizeof(*s));
    s->base = 0;
    s->limit = 0xffffffff;
    s->selector = sel;
    s->type = type;
    s->present = 1;
    s->dpl = dpl;
    s->s = 1;
    s->l = code;
    s->db = !code;
    s->g = 1;
}

static int set_cpuid(int kvm_fd, int vcpu_fd, struct viv_error *err)
{
    /* The guest's CPUID is what this KVM can offer (api.rst 4.46 KVM_GET_SUPPORTED_CPUID: E2BIG
     * until the buffer is big enough); without KVM_SET_CPUID2 it would see almost nothing. */
    for (unsigned n = 64; n <= 4096; n *= 2) {
        _cleanup_free_ struct kvm_cpuid2 *c =
            viv_xcalloc(1, sizeof(*c) + n * sizeof(struct kvm_cpuid_entry2));
        c->nent = n;
        if (vm_ioctl(kvm_fd, KVM_GET_SUPPORTED_CPUID, c) < 0) {
            if (errno == E2BIG)
                continue;
            return viv_fail(err, errno, "KVM_GET_SUPPORTED_CPUID");
        }
        if (vm_ioctl(vcpu_fd, KVM_SET_CPUID2, c) < 0)
            return viv_fail(err, errno, "KVM_SET_CPUID2");
        return 0;
    }
    return viv_fail(err, E2BIG, "KVM_GET_SUPPORTED_CPUID: too many entries");
}

int vm_cpu_setup(int kvm_fd, int vcpu_fd, struct vm_mem *m, unsigned slot, struct viv_error *err)
{
    struct vm_shim shim;
    vm_shim_get(&shim);
    if (shim.size > VM_SYS_DATA * VM_PAGE)
        return viv_fail(err, EINVAL, "the shim is %zu bytes, more than its pages", shim.size);
    build_tables(m, slot, &shim);
    uint64_t base = vm_sys_kva(slot, 0);
    if (kvm_fd >= 0 && set_cpuid(kvm_fd, vcpu_fd, err) < 0)
        return -1;

    struct kvm_sregs sr;
    if (vm_ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "KVM_GET_SREGS");
    /* Long mode without a boot: EFER.LME/LMA with CR0.PG and CR4.PAE are what the processor
     * itself would set (AMD64 APM vol. 2, 14.6 "Enabling and Activating Long Mode"). */
    sr.cr0 = CR0_PE | CR0_MP | CR0_ET | CR0_NE | CR0_WP | CR0_PG;
    sr.cr4 = CR4_PAE | CR4_OSFXSR | CR4_OSXMMEXCPT;
    sr.cr3 = m->pml4;
    sr.efer = EFER_SCE | EFER_LME | EFER_LMA | EFER_NXE;
    seg(&sr.cs, SEL_KCODE, 0xb, 0, true);
    seg(&sr.ss, SEL_KDATA, 0x3, 0, false);
    /* The data segments are the user's from the start: sysret reloads only CS and SS. */
    seg(&sr.ds, SEL_UDATA | 3, 0x3, 3, false);
    sr.es = sr.fs = sr.gs = sr.ds;
    memset(&sr.tr, 0, sizeof(sr.tr));
    sr.tr.base = vm_sys_kva(slot, VM_SYS_GDT) + TSS_OFFSET;
    sr.tr.limit = TSS_LIMIT;
    sr.tr.selector = SEL_TSS;
    sr.tr.type = 0xb; /* busy 64-bit TSS */
    sr.tr.present = 1;
    memset(&sr.ldt, 0, sizeof(sr.ldt));
    sr.ldt.type = 0x2;
    sr.ldt.unusable = 1;
    sr.gdt.base = vm_sys_kva(slot, VM_SYS_GDT);
    sr.gdt.limit = GDT_ENTRIES * 8 - 1;
    sr.idt.base = vm_sys_kva(slot, VM_SYS_IDT);
    sr.idt.limit = IDT_VECTORS * 16 - 1;
    if (vm_ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "KVM_SET_SREGS (long mode)");

    _cleanup_free_ struct kvm_msrs *msrs =
        viv_xcalloc(1, sizeof(*msrs) + 7 * sizeof(struct kvm_msr_entry));
    const uint32_t idx[7] = {MSR_STAR, MSR_LSTAR, MSR_CSTAR, MSR_SFMASK,
                             MSR_FS_BASE, MSR_GS_BASE, MSR_KERNEL_GS_BASE};
    const uint64_t val[7] = {((uint64_t)SEL_KDATA << 48) | ((uint64_t)SEL_KCODE << 32),
                             base + shim.syscall,
                             /* no 32-bit syscall here: its entry raises #UD */
                             base + shim.faults + 16 * 6,
                             RFLAGS_SYSCALL_MASK, 0, 0, 0};
    for (unsigned i = 0; i < 7; i++) {
        msrs->entries[i].index = idx[i];
        msrs->entries[i].data = val[i];
    }
    msrs->nmsrs = 7;
    /* KVM_SET_MSRS returns how many it set (api.rst 4.19). */
    int n = vm_ioctl(vcpu_fd, KVM_SET_MSRS, msrs);
    if (n != 7)
        return viv_fail(err, n < 0 ? errno : EINVAL, "KVM_SET_MSRS: set %d of 7", n);

    struct kvm_regs r;
    memset(&r, 0, sizeof(r));
    r.rip = base + shim.start;
    r.rflags = 0x2;
    if (vm_ioctl(vcpu_fd, KVM_SET_REGS, &r) < 0)
        return viv_fail(err, errno, "KVM_SET_REGS");
    return 0;
}

/* One MSR through KVM_GET_MSRS or KVM_SET_MSRS: 0 or -1. */
static int one_msr(int vcpu_fd, unsigned long req, uint32_t index, uint64_t *value)
{
    union {
        struct kvm_msrs hdr;
        uint8_t bytes[sizeof(struct kvm_msrs) + sizeof(struct kvm_msr_entry)];
    } m;
    memset(&m, 0, sizeof(m));
    m.hdr.nmsrs = 1;
    m.hdr.entries[0].index = index;
    m.hdr.entries[0].data = *value;
    if (vm_ioctl(vcpu_fd, req, &m) != 1)
        return -1;
    *value = m.hdr.entries[0].data;
    return 0;
}

int vm_cpu_get_msr(int vcpu_fd, uint32_t index, uint64_t *value)
{
    return one_msr(vcpu_fd, KVM_GET_MSRS, index, value);
}

int vm_cpu_set_fs(int vcpu_fd, uint64_t base)
{
    return one_msr(vcpu_fd, KVM_SET_MSRS, MSR_FS_BASE, &base);
}

/* FXSAVE image offsets (Intel SDM vol. 1, 10.5.1, Table 10-2, 64-bit layout). */
enum { FX_FCW = 0, FX_FSW = 2, FX_FTW = 4, FX_FOP = 6, FX_FIP = 8, FX_FDP = 16, FX_MXCSR = 24,
       FX_MXCSR_MASK = 28, FX_ST = 32, FX_XMM = 160 };

/* The XSAVE area KVM hands over (api.rst 4.43 KVM_GET_XSAVE): its first 512 bytes are the
 * FXSAVE image, XSTATE_BV follows at 512 (Intel SDM vol. 1, 13.4 "XSAVE Area"). KVM_SET_FPU would
 * be simpler but leaves MXCSR alone, so the state goes through XSAVE both ways. */
#define XSAVE_XSTATE_BV 512
#define XFEATURE_FP_SSE 3ull

int vm_cpu_get_fx(int vcpu_fd, uint8_t fx[512])
{
    struct kvm_xsave x;
    if (vm_ioctl(vcpu_fd, KVM_GET_XSAVE, &x) < 0)
        return -1;
    memcpy(fx, x.region, 512);
    /* Bytes 464..511 are software's (Linux's fpx_sw_bytes): none here, plain FXSAVE. */
    memset(fx + 464, 0, 48);
    return 0;
}

int vm_cpu_set_fx(int vcpu_fd, const uint8_t fx[512])
{
    struct kvm_xsave x;
    if (vm_ioctl(vcpu_fd, KVM_GET_XSAVE, &x) < 0)
        return -1;
    uint8_t *area = (uint8_t *)x.region;
    uint32_t mask;
    memcpy(&mask, area + FX_MXCSR_MASK, 4);
    if (!mask)
        mask = 0xffbf; /* the default MXCSR_MASK when the CPU reports 0 (SDM vol. 1, 11.6.6) */
    memcpy(area, fx, FX_MXCSR);
    uint32_t mxcsr;
    memcpy(&mxcsr, fx + FX_MXCSR, 4);
    mxcsr &= mask;
    memcpy(area + FX_MXCSR, &mxcsr, 4);
    memcpy(area + FX_ST, fx + FX_ST, 416 - FX_ST);
    /* x87 and SSE state present, so that XRSTOR loads them rather than their init values. */
    uint64_t bv;
    memcpy(&bv, area + XSAVE_XSTATE_BV, 8);
    bv |= XFEATURE_FP_SSE;
    memcpy(area + XSAVE_XSTATE_BV, &bv, 8);
    return vm_ioctl(vcpu_fd, KVM_SET_XSAVE, &x) < 0 ? -1 : 0;
}

int vm_cpu_enter_flush(int vcpu_fd, struct vm_mem *m, unsigned slot, struct kvm_regs *rp,
                       struct viv_error *err)
{
    struct kvm_regs r = *rp;
    struct kvm_sregs sr;
    if (vm_ioctl(vcpu_fd, KVM_GET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "read the vCPU to flush its TLB");
    /* Ring 3's rip, rsp and rflags go to the frame the shim's iretq returns through; the other
     * registers stay in the vCPU, which the flush path leaves as they are. */
    uint64_t frame[5] = {r.rip, VM_USER_CS, (r.rflags & 0x250dd5ull) | 0x202, r.rsp, VM_USER_SS};
    uint8_t *data = vm_sys_host(m, slot, VM_SYS_DATA);
    memcpy(data + VM_DATA_FRAME, frame, sizeof(frame));
    data[VM_DATA_IRET] = 1;
    data[VM_DATA_FLUSH] = 1;
    seg(&sr.cs, SEL_KCODE, 0xb, 0, true);
    seg(&sr.ss, SEL_KDATA, 0x3, 0, false);
    struct vm_shim shim;
    vm_shim_get(&shim);
    r.rip = vm_sys_kva(slot, 0) + shim.flush;
    r.rflags = 0x2;
    if (vm_ioctl(vcpu_fd, KVM_SET_SREGS, &sr) < 0)
        return viv_fail(err, errno, "enter the shim to flush the TLB");
    *rp = r;
    return 0;
}
