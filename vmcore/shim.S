/* shim.S: the guest's ring-0 code: the system-call entry, the exception entries, and the first
 * entry into ring 3. Each turns into one hypercall, an `out` to a port that KVM hands to the VMM
 * as KVM_EXIT_IO; the VMM serves it and resumes the guest after the `out`.
 *
 * It is copied to the first page of the system area, mapped for ring 0 only at VM_KERNEL_BASE;
 * the shim's data page is two pages after its start. Every reference is relative to the code, so
 * the bytes run wherever they are placed. */

#define PORT_SYSCALL 0xe0
#define PORT_FAULT 0xe1
#define PORT_KICK 0xe2
#define PORT_KICK_IRET 0xe3
#define DATA_OFFSET 0x2000
/* vmcore.h's VM_KERNEL_BASE: slot 0's pages are there, its data page DATA_OFFSET above. */
#define KERNEL_BASE 0xffffffff80000000

/* The calls the shim answers itself, without an exit, in the order of their counters: x86-64
 * numbers (arch/x86/entry/syscalls/syscall_64.tbl). vm_shim.c reads them from the header. */
    .set NR_getpid, 39
    .set NR_gettid, 186
    .set NR_getppid, 110
    .set NR_getuid, 102
    .set NR_geteuid, 107
    .set NR_getgid, 104
    .set NR_getegid, 108
    .set NR_set_tid_address, 218
    .set NR_set_robust_list, 273
    .set NR_rseq, 334
    .set NR_poll, 7
    .set NR_brk, 12
    .set NR_rt_sigaction, 13
    .set NR_getrandom, 318
    .set NR_arch_prctl, 158
    .set NR_mprotect, 10
    .set NR_prlimit64, 302
    .set NR_prctl, 157
    .set NR_mmap, 9
    .set NR_munmap, 11
    .set NR_rt_sigprocmask, 14
    .set FAST_CALLS, 21

    .section .rodata.vm_shim, "a"
    .balign 16
    .globl vm_shim_code
    .globl vm_shim_end
vm_shim_code:
    /* Header read by vm_shim.c: offsets of the entry points, then the calls answered here. */
    .quad start - vm_shim_code
    .quad syscall_entry - vm_shim_code
    .quad faults - vm_shim_code
    .quad flush - vm_shim_code
    /* The ways back to ring 3 that pass the last look at kick_flag: [from, to) resume at. */
    .quad start - vm_shim_code, start_end - vm_shim_code, after_call - vm_shim_code
    .quad after_call - vm_shim_code, sysret_end - vm_shim_code, after_call - vm_shim_code
    .quad iret_check - vm_shim_code, iret_end - vm_shim_code, iret_check - vm_shim_code
    .quad FAST_CALLS
    .quad NR_getpid, NR_gettid, NR_getppid, NR_getuid, NR_geteuid, NR_getgid, NR_getegid
    .quad NR_set_tid_address, NR_set_robust_list, NR_rseq, NR_poll, NR_brk
    .quad NR_rt_sigaction, NR_getrandom, NR_arch_prctl, NR_mprotect, NR_prlimit64, NR_prctl
    .quad NR_mmap, NR_munmap, NR_rt_sigprocmask

    /* The data page (vmcore.h's VM_DATA_* name the same offsets). */
    .set flush_flag, vm_shim_code + DATA_OFFSET
    .set rax_save, vm_shim_code + DATA_OFFSET + 8
    .set iret_flag, vm_shim_code + DATA_OFFSET + 16
    .set iret_frame, vm_shim_code + DATA_OFFSET + 24
    .set pid_value, vm_shim_code + DATA_OFFSET + 64
    .set ppid_value, vm_shim_code + DATA_OFFSET + 72
    .set tid_value, vm_shim_code + DATA_OFFSET + 80
    .set uid_value, vm_shim_code + DATA_OFFSET + 88
    .set euid_value, vm_shim_code + DATA_OFFSET + 96
    .set gid_value, vm_shim_code + DATA_OFFSET + 104
    .set egid_value, vm_shim_code + DATA_OFFSET + 112
    .set kick_flag, vm_shim_code + DATA_OFFSET + 120
    .set sync_flags, vm_shim_code + DATA_OFFSET + 121
    .set clear_tid_value, vm_shim_code + DATA_OFFSET + 128
    .set robust_value, vm_shim_code + DATA_OFFSET + 136
    .set user_top, vm_shim_code + DATA_OFFSET + 144
    .set save, vm_shim_code + DATA_OFFSET + 152
    .set poll_revents, vm_shim_code + DATA_OFFSET + 184
    /* The process's, in slot 0's page, by its absolute address (sign-extended 32 bits). */
    .set poll_ready, KERNEL_BASE + DATA_OFFSET + 216
    .set brk_start, vm_shim_code + DATA_OFFSET + 224
    .set brk_cur, vm_shim_code + DATA_OFFSET + 232
    .set brk_limit, vm_shim_code + DATA_OFFSET + 240
    .set alone, vm_shim_code + DATA_OFFSET + 248
    .set sigact_ok, vm_shim_code + DATA_OFFSET + 249
    .set comm_ok, vm_shim_code + DATA_OFFSET + 250
    .set rlim_ok, vm_shim_code + DATA_OFFSET + 251
    .set sigmask_ok, vm_shim_code + DATA_OFFSET + 252
    .set sigmask, vm_shim_code + DATA_OFFSET + 648
    .set sigmask_handled, vm_shim_code + DATA_OFFSET + 656
    .set sigpending, vm_shim_code + DATA_OFFSET + 664
    .set pt_delta, vm_shim_code + DATA_OFFSET + 288
    .set brk_pool, vm_shim_code + DATA_OFFSET + 296
    .set mprot_rec, vm_shim_code + DATA_OFFSET + 304
    .set comm, vm_shim_code + DATA_OFFSET + 328
    .set rlim, vm_shim_code + DATA_OFFSET + 352
    .set mmap_top, vm_shim_code + DATA_OFFSET + 608
    .set mmap_low, vm_shim_code + DATA_OFFSET + 616
    .set map_head, vm_shim_code + DATA_OFFSET + 624
    .set map_limit, vm_shim_code + DATA_OFFSET + 640
    .set map_log, vm_shim_code + DATA_OFFSET + 2560
    .set MAP_LOG_MAX, 64
    .set MAP_LOG_UNMAP, 8
    .set MAP_LOG_STACK, 16
    .set MAP_CALL_MAX, 256 << 10
    .set MAP_PRIVATE, 0x02
    .set MAP_ANONYMOUS, 0x20
    .set MAP_STACK, 0x20000
    .set RLIMS, 16
    .set PR_GET_NAME, 16
    .set SIG_BLOCK, 0
    .set SIG_UNBLOCK, 1
    .set SIG_SETMASK, 2
    .set SIGKILL, 9
    .set SIGSTOP, 19
    /* Leaf entries (AMD64 APM vol. 2, 5.4): present, writable, user; no-execute in bit 63. */
    .set PTE_P, 1
    .set PTE_W, 2
    .set PTE_U, 4
    .set PTE_HOST, 0x200        /* vmcore.h, VM_PTE_HOST */
    .set PTE_NX_BIT, 63
    .set save_nr, vm_shim_code + DATA_OFFSET + 256
    .set sigact, vm_shim_code + DATA_OFFSET + 1024
    .set rand_left, vm_shim_code + DATA_OFFSET + 264
    .set fs_value, vm_shim_code + DATA_OFFSET + 272
    .set save_rcx, vm_shim_code + DATA_OFFSET + 280
    .set rand_pool, vm_shim_code + DATA_OFFSET + 768
    .set RAND_SIZE, 256
    .set GRND_NONBLOCK, 1
    .set GRND_INSECURE, 4
    .set ARCH_SET_FS, 0x1002
    .set MSR_FS_BASE, 0xc0000100
    .set POLL_MAX, 16
    .set POLL_FDS, 64
    /* Linux's DEFAULT_POLLMASK: POLLIN | POLLOUT | POLLRDNORM | POLLWRNORM (poll.h). */
    .set POLL_DEFAULT, 0x145
    .set counts, vm_shim_code + DATA_OFFSET + 2048

/* First entry: the VMM starts the vCPU here in ring 0 with rcx = the program's entry, r11 = its
 * rflags and rsp = its stack; sysretq drops to ring 3 with CS/SS from STAR[63:48] (AMD64 APM
 * vol. 2, 6.1.1 "SYSCALL and SYSRET"). */
start:
    sysretq
start_end:

/* LSTAR: the guest's `syscall` lands here in ring 0, on the guest's own stack (SYSCALL does not
 * switch stacks), with the return address in rcx and rflags in r11. The stack is the guest's,
 * so it is never touched: the VMM reads the registers at the exit. Only rax may change on the
 * way back (rcx and r11 hold the return), so the calls answered here are found by comparing. */
syscall_entry:
    .irp call, poll, brk, mmap, munmap, rt_sigprocmask, rt_sigaction, getrandom, mprotect, arch_prctl, getpid, gettid, getppid, getuid, geteuid, getgid, getegid, prlimit64, prctl, set_tid_address, set_robust_list, rseq
    cmpq $NR_\call, %rax
    je answer_\call
    .endr
host_call:
    outb %al, $PORT_SYSCALL
/* Every way back to ring 3 after a call: a TLB flush the VMM asked for, a return it set up
 * through iretq, and a signal that came while the vCPU was in ring 0 (the VMM cannot deliver
 * it there) go before sysretq. */
after_call:
    cmpb $0, flush_flag(%rip)
    jne flush
    cmpb $0, iret_flag(%rip)
    jne iret_return
    cmpb $0, kick_flag(%rip)
    jne kicked
    sysretq
sysret_end:
kicked:
    outb %al, $PORT_KICK
    jmp after_call

/* The answers. Each counts itself (VMM reads the counters for --stats) and leaves through
 * after_call. What the personality must know of (the clear-tid address, the robust list) is
 * recorded for the VMM to take at its next exit (sync_flags). */
    .macro answer call, index
answer_\call:
    incq counts + 8 * \index(%rip)
    .endm
    answer getpid, 0
    movq pid_value(%rip), %rax
    jmp after_call
    answer gettid, 1
    movq tid_value(%rip), %rax
    jmp after_call
    answer getppid, 2
    movq ppid_value(%rip), %rax
    jmp after_call
    answer getuid, 3
    movq uid_value(%rip), %rax
    jmp after_call
    answer geteuid, 4
    movq euid_value(%rip), %rax
    jmp after_call
    answer getgid, 5
    movq gid_value(%rip), %rax
    jmp after_call
    answer getegid, 6
    movq egid_value(%rip), %rax
    jmp after_call
    answer set_tid_address, 7
    movq %rdi, clear_tid_value(%rip)
    orb $1, sync_flags(%rip)
    movq tid_value(%rip), %rax
    jmp after_call
    /* struct robust_list_head is 24 bytes (include/uapi/linux/futex.h); else EINVAL. */
    answer set_robust_list, 8
    movq $-22, %rax
    cmpq $24, %rsi
    jne after_call
    movq %rdi, robust_value(%rip)
    orb $2, sync_flags(%rip)
    xorl %eax, %eax
    jmp after_call
    /* Restartable sequences are not offered: ENOSYS, which glibc takes as "none". */
    answer rseq, 9
    movq $-38, %rax
    jmp after_call

/* The registers an answer from ring 3's memory works with, and the call's number, kept in the
 * data page (never on ring 3's stack, whose red zone is the guest's). */
    .macro save_regs
    movq %rax, save_nr(%rip)
    movq %rdx, save(%rip)
    movq %r8, save + 8(%rip)
    movq %r9, save + 16(%rip)
    movq %r10, save + 24(%rip)
    .endm
    .macro restore_regs
    movq save(%rip), %rdx
    movq save + 8(%rip), %r8
    movq save + 16(%rip), %r9
    movq save + 24(%rip), %r10
    .endm

/* The address of user address \va's leaf entry in \out, walking the page tables from CR3
 * through the window they are mapped at for ring 0 (a table's guest-physical address plus
 * pt_delta); to_vmm when a table on the way is missing. \tmp is clobbered. The upper levels are
 * the VMM's: an entry's address bits are all there is above bit 11 (vm_pt.c). */
    .macro leaf va, out, tmp
    movq %cr3, \out
    .irp shift, 39, 30, 21
    movq \va, \tmp
    shrq $\shift, \tmp
    andq $511, \tmp
    addq pt_delta(%rip), \out
    movq (\out, \tmp, 8), \out
    testq $PTE_P, \out
    jz to_vmm
    andq $-4096, \out
    .endr
    movq \va, \tmp
    shrq $12, \tmp
    andq $511, \tmp
    addq pt_delta(%rip), \out
    leaq (\out, \tmp, 8), \out
    .endm

/* brk(2) as the personality answers it (syscall-xlat/sys_mm.c, after Linux's mm/mmap.c): a
 * break below the start or past the limit is refused with the current one; one whose page-
 * rounded end is the current one's moves the break and maps nothing; one that grows it within
 * brk_pool maps the new pages read-write, each present with its own guest-physical page
 * (user memory is mapped one to one), zero as every free page is. Absent entries are never
 * cached (AMD64 APM vol. 2, 5.5.2): no flush. Every entry is checked first, so that nothing
 * is written unless all is. One that unmaps pages is the VMM's. The moved break is recorded
 * last (sync_flags bit 2), after every entry it needs: the VMM, which makes the pages the
 * personality's, may take it at any exit from then on. */
answer_brk:
    cmpb $0, alone(%rip)
    je host_call
    save_regs
    movq brk_cur(%rip), %rax
    cmpq brk_start(%rip), %rdi
    jb 1f
    cmpq brk_limit(%rip), %rdi
    ja 1f
    leaq 4095(%rdi), %rdx
    andq $-4096, %rdx           /* the new break's page end */
    leaq 4095(%rax), %r8
    andq $-4096, %r8            /* the current one's */
    cmpq %r8, %rdx
    je 3f
    jb to_vmm                   /* pages to unmap */
    cmpq brk_pool(%rip), %rdx
    ja to_vmm
    movq %r8, %r10
2:  leaf %r10, %r9, %rax
    testq $PTE_P, (%r9)
    jnz to_vmm                  /* never: the pool is free */
    addq $4096, %r10
    cmpq %rdx, %r10
    jb 2b
    movq %r8, %r10
4:  leaf %r10, %r9, %rax
    movq %r10, %rax
    orq $PTE_P | PTE_W | PTE_U, %rax
    btsq $PTE_NX_BIT, %rax
    movq %rax, (%r9)
    addq $4096, %r10
    cmpq %rdx, %r10
    jb 4b
3:  movq %rdi, brk_cur(%rip)
    orb $4, sync_flags(%rip)
    movq %rdi, %rax
1:  incq counts + 8 * 11(%rip)
    restore_regs
    jmp after_call

/* mprotect(2) as the personality answers it (xlat_mem_protect) when it changes pages that are
 * all present (so all mapped), none of a shared mapping (whose host rights the VMM changes
 * too), within one page table, to rights that are not PROT_NONE: each
 * leaf entry gets present, user, W as asked, NX unless PROT_EXEC (what vm_mem.c's leaf_flags
 * makes of those rights), keeping its address and its accessed and dirty bits, and is dropped
 * from the TLB (invlpg). Checked first, written after; recorded for the personality (sync_flags
 * bit 4), one record at a time: with one pending, the call is the VMM's. */
answer_mprotect:
    cmpb $0, alone(%rip)
    je host_call
    testb $16, sync_flags(%rip)
    jnz host_call
    save_regs
    testq $4095, %rdi
    jnz to_vmm                  /* EINVAL */
    testq $~7, %rdx
    jnz to_vmm                  /* other bits: EINVAL or PROT_GROWS* */
    testq %rdx, %rdx
    jz to_vmm                   /* PROT_NONE: absent entries */
    cmpq user_top(%rip), %rdi
    jae to_vmm
    leaq -1(%rsi), %r8
    cmpq user_top(%rip), %r8
    jae to_vmm                  /* 0 bytes, or more than there is */
    leaq 4095(%rdi, %rsi), %r8
    andq $-4096, %r8            /* the end, page-rounded */
    cmpq user_top(%rip), %r8
    ja to_vmm
    leaq -1(%r8), %r9
    xorq %rdi, %r9
    shrq $21, %r9
    jnz to_vmm                  /* more than one page table */
    movl $PTE_P | PTE_U, %r10d
    testb $2, %dl
    jz 1f
    orq $PTE_W, %r10
1:  testb $4, %dl
    jnz 2f
    btsq $PTE_NX_BIT, %r10
2:  leaf %rdi, %r9, %rax
    movq %r9, %rdx
    movq %rdi, %rax
3:  testq $PTE_P, (%rdx)
    jz to_vmm                   /* a hole, or PROT_NONE pages */
    testq $PTE_HOST, (%rdx)
    jnz to_vmm                  /* a shared mapping's: the host's rights follow (vm_mem.c) */
    addq $8, %rdx
    addq $4096, %rax
    cmpq %r8, %rax
    jb 3b
    movq %rdi, %rax
4:  movq (%r9), %rdx
    btrq $1, %rdx               /* W */
    btrq $PTE_NX_BIT, %rdx
    orq %r10, %rdx
    movq %rdx, (%r9)
    invlpg (%rax)
    addq $8, %r9
    addq $4096, %rax
    cmpq %r8, %rax
    jb 4b
    movq %rdi, mprot_rec(%rip)
    movq %rsi, mprot_rec + 8(%rip)
    movq save(%rip), %rax
    movq %rax, mprot_rec + 16(%rip)
    orb $16, sync_flags(%rip)
    xorl %eax, %eax
    incq counts + 8 * 15(%rip)
    restore_regs
    jmp after_call

/* Adds the record [\addr, \word] to the log at map_head and commits it by moving map_head
 * (the VMM replays up to it, never writes it), then flags it (sync_flags bit 5). \t1, \t2
 * and rax are clobbered. */
    .macro map_record addr, word, t1, t2
    movq map_head(%rip), \t1
    movq \t1, \t2
    andq $MAP_LOG_MAX - 1, \t2
    shlq $4, \t2
    leaq map_log(%rip), %rax
    addq %rax, \t2
    movq \addr, (\t2)
    movq \word, 8(\t2)
    incq \t1
    movq \t1, map_head(%rip)
    orb $32, sync_flags(%rip)
    .endm

/* mmap(2) of anonymous private memory at no asked-for address, as the personality answers it
 * (syscall-xlat/sys_mm.c): xlat_mem_find's first pass puts it right below mmap_top when those
 * pages are free, which every page of the VMM's pool [mmap_low, mmap_top) is (zero, its
 * tables made, apart from the brk pool); xlat_mem_map makes each present with its own
 * guest-physical page and the rights vm_mem.c's leaf_flags gives (none for PROT_NONE). The fd
 * is ignored, as Linux ignores it for MAP_ANONYMOUS. Checked first, written after, recorded
 * last (the VMM replays the call and checks that the personality chose the same address);
 * mmap_top moves after the record. A pending mprotect record must stay the last change, and
 * no more records may wait than map_limit allows (none near the map's cap): else the VMM's. */
answer_mmap:
    cmpb $0, alone(%rip)
    je host_call
    testb $16, sync_flags(%rip)
    jnz host_call
    testq %rdi, %rdi
    jnz host_call               /* an address asked for: a hint or MAP_FIXED */
    testq %r9, %r9
    jnz host_call               /* an offset */
    save_regs
    movq map_head(%rip), %r8
    cmpq map_limit(%rip), %r8
    jae to_vmm
    cmpq $7, %rdx
    ja to_vmm                   /* unknown rights: EINVAL */
    movq %r10, %r8
    andq $~MAP_STACK, %r8
    cmpq $MAP_PRIVATE | MAP_ANONYMOUS, %r8
    jne to_vmm
    leaq -1(%rsi), %r8
    cmpq $MAP_CALL_MAX - 1, %r8
    ja to_vmm                   /* 0 bytes (EINVAL), or more than the shim maps */
    leaq 4095(%rsi), %r9
    andq $-4096, %r9            /* the length, page-rounded */
    movq mmap_top(%rip), %r8
    subq mmap_low(%rip), %r8
    cmpq %r8, %r9
    ja to_vmm                   /* more than the pool has left */
    movq mmap_top(%rip), %r8
    subq %r9, %r8               /* the address */
    /* The leaf entry's flags in rdx: present and user, W as asked, NX unless PROT_EXEC;
     * none for PROT_NONE. */
    movq %rdx, %rax
    xorl %edx, %edx
    testq %rax, %rax
    jz 1f
    movl $PTE_P | PTE_U, %edx
    testb $2, %al
    jz 2f
    orq $PTE_W, %rdx
2:  testb $4, %al
    jnz 1f
    btsq $PTE_NX_BIT, %rdx
1:  movq %r8, %r10
3:  leaf %r10, %r9, %rax
    testq $PTE_P, (%r9)
    jnz to_vmm                  /* never: the pool is free */
    addq $4096, %r10
    cmpq mmap_top(%rip), %r10
    jb 3b
    testq %rdx, %rdx
    jz 5f
    movq %r8, %r10
4:  leaf %r10, %r9, %rax
    movq %r10, %rax
    orq %rdx, %rax
    movq %rax, (%r9)
    addq $4096, %r10
    cmpq mmap_top(%rip), %r10
    jb 4b
5:  movq mmap_top(%rip), %rdx
    subq %r8, %rdx
    orq save(%rip), %rdx        /* the rights, bits 0-2 */
    testq $MAP_STACK, save + 24(%rip)
    jz 6f
    orq $MAP_LOG_STACK, %rdx
6:  map_record %r8, %rdx, %r9, %r10
    movq %r8, mmap_top(%rip)
    movq %r8, %rax
    incq counts + 8 * 18(%rip)
    restore_regs
    jmp after_call

/* munmap(2) of up to MAP_CALL_MAX bytes whose pages are all present, so all mapped (leaf
 * entries follow the personality's map and the records not yet replayed): its munmap of them
 * cannot fail below the map's cap (map_limit). Each leaf entry is cleared and dropped from
 * this vCPU's TLB (invlpg); no other vCPU holds it (alone, and a vCPU taken again for a new
 * thread flushes first: vm_thread.c). The VMM's replay empties the pages (MADV_DONTNEED)
 * before any can be handed out again: the shim's pools only take pages free at the last entry.
 * A hole or PROT_NONE pages, and anything else, are the VMM's. */
answer_munmap:
    cmpb $0, alone(%rip)
    je host_call
    testb $16, sync_flags(%rip)
    jnz host_call
    save_regs
    movq map_head(%rip), %r8
    cmpq map_limit(%rip), %r8
    jae to_vmm
    testq $4095, %rdi
    jnz to_vmm                  /* EINVAL */
    leaq -1(%rsi), %r8
    cmpq $MAP_CALL_MAX - 1, %r8
    ja to_vmm                   /* 0 bytes (EINVAL), or more than the shim unmaps */
    cmpq user_top(%rip), %rdi
    jae to_vmm
    leaq 4095(%rdi, %rsi), %rdx
    andq $-4096, %rdx           /* the end, page-rounded */
    cmpq user_top(%rip), %rdx
    ja to_vmm
    movq %rdi, %r10
1:  leaf %r10, %r9, %rax
    testq $PTE_P, (%r9)
    jz to_vmm
    addq $4096, %r10
    cmpq %rdx, %r10
    jb 1b
    movq %rdi, %r10
2:  leaf %r10, %r9, %rax
    movq $0, (%r9)
    invlpg (%r10)
    addq $4096, %r10
    cmpq %rdx, %r10
    jb 2b
    subq %rdi, %rdx
    orq $MAP_LOG_UNMAP, %rdx
    map_record %rdi, %rdx, %r9, %r10
    xorl %eax, %eax
    incq counts + 8 * 19(%rip)
    restore_regs
    jmp after_call


/* To the VMM unless [start, end) lies below user_top and within one page, so that a fault on
 * it comes before any byte is written; scratch is clobbered. */
    .macro within_one_user_page start, end, scratch
    cmpq user_top(%rip), \start
    jae to_vmm
    cmpq user_top(%rip), \end
    ja to_vmm
    leaq -1(\end), \scratch
    xorq \start, \scratch
    shrq $12, \scratch
    jnz to_vmm
    .endm

/* poll(2) when every fd it names is a negative one (ignored) or one the VMM marked in
 * poll_ready, and at least one asks for an event such an fd has: Linux's answer then never
 * waits, and is each fd's events masked by DEFAULT_POLLMASK (fs/select.c do_pollfd: a file
 * without f_op->poll has vfs_poll's DEFAULT_POLLMASK), the count of nonzero ones returned.
 * Anything else, and any fault on ring 3's memory (uaccess_fixup), exits for the VMM with the
 * registers as ring 3 left them. The array is read once (Linux copies it in), and is in one
 * page below user_top: a fault comes before any write, never between two. */
answer_poll:
    save_regs
    leaq -1(%rsi), %r8
    cmpq $POLL_MAX - 1, %r8
    ja to_vmm                /* 0 fds (a sleep) or too many */
    leaq (%rdi, %rsi, 8), %r9   /* the array's end: no overflow below user_top */
    within_one_user_page %rdi, %r9, %r8
    xorl %r10d, %r10d           /* the count */
    movq %rdi, %r8
    leaq poll_revents(%rip), %rax
uaccess_begin:
1:  movslq (%r8), %rdx
    testq %rdx, %rdx
    js 2f
    cmpq $POLL_FDS, %rdx
    jae to_vmm
    btq %rdx, poll_ready
    jnc to_vmm
    movzwl 4(%r8), %edx
    andl $POLL_DEFAULT, %edx
    jz 3f
    incq %r10
    jmp 3f
2:  xorl %edx, %edx
3:  movw %dx, (%rax)
    addq $2, %rax
    addq $8, %r8
    cmpq %r9, %r8
    jb 1b
    testq %r10, %r10
    jz to_vmm                /* nothing ready: it would wait */
    movq %rdi, %r8
    leaq poll_revents(%rip), %rax
4:  movzwl (%rax), %edx
    movw %dx, 6(%r8)
    addq $2, %rax
    addq $8, %r8
    cmpq %r9, %r8
    jb 4b
    incq counts + 8 * 10(%rip)
    movq %r10, %rax
    restore_regs
    jmp after_call

/* rt_sigaction(2) that sets nothing, for signals 1 to 31, while sigact holds the process's
 * actions: as the personality answers it (syscall-xlat/sys_signal.c, after Linux's
 * kernel/signal.c): the old action written if asked for, 0. It is written into one page, so a
 * fault comes before any byte is; anything else is the VMM's. */
answer_rt_sigaction:
    cmpb $0, sigact_ok(%rip)
    je host_call
    save_regs
    testq %rsi, %rsi
    jnz to_vmm
    cmpq $8, %r10
    jne to_vmm
    leaq -1(%rdi), %r8
    cmpq $30, %r8
    ja to_vmm
    xorl %eax, %eax
    testq %rdx, %rdx
    jz 7f
    leaq 32(%rdx), %r9
    within_one_user_page %rdx, %r9, %r9
    shlq $5, %r8
    leaq sigact(%rip), %r9
    addq %r8, %r9
    movq (%r9), %r10
    movq %r10, (%rdx)
    movq 8(%r9), %r10
    movq %r10, 8(%rdx)
    movq 16(%r9), %r10
    movq %r10, 16(%rdx)
    movq 24(%r9), %r10
    movq %r10, 24(%rdx)
7:  incq counts + 8 * 12(%rip)
    restore_regs
    jmp after_call

/* getrandom(2) of up to the pool's unused bytes into one page below user_top, with no flag but
 * GRND_NONBLOCK and GRND_INSECURE: the host's random bytes, each handed out once, which is what
 * the VMM's getrandom would give (the pool was filled once the host's generator was ready, so
 * neither flag changes anything). The pool's last bytes go first; they are used up only once
 * all are written. Anything else is the VMM's. */
answer_getrandom:
    save_regs
    testq $~(GRND_NONBLOCK | GRND_INSECURE), %rdx
    jnz to_vmm
    leaq -1(%rsi), %r8
    cmpq rand_left(%rip), %r8
    jae to_vmm                  /* 0 bytes, or more than the pool has */
    leaq (%rdi, %rsi), %r9
    within_one_user_page %rdi, %r9, %r8
    movq rand_left(%rip), %r8
    subq %rsi, %r8              /* the first pool byte to hand out */
    leaq rand_pool(%rip), %r9
    addq %r8, %r9
    xorl %r10d, %r10d
8:  movb (%r9, %r10), %al
    movb %al, (%rdi, %r10)
    incq %r10
    cmpq %rsi, %r10
    jb 8b
    movq %r8, rand_left(%rip)
    movq %rsi, %rax
    incq counts + 8 * 13(%rip)
    restore_regs
    jmp after_call

/* prlimit64(2) of the caller's own limits that sets none, for a resource Linux has (below
 * RLIM_NLIMITS): the struct rlimit the personality's host prlimit reads, from the copy the VMM
 * keeps in rlim (rlim_ok), written into one page; then 0. Anything else is the VMM's. */
answer_prlimit64:
    cmpb $0, rlim_ok(%rip)
    je host_call
    testq %rdi, %rdi
    jnz host_call
    testq %rdx, %rdx
    jnz host_call
    cmpq $RLIMS, %rsi
    jae host_call
    save_regs
    testq %r10, %r10
    jz 5f
    leaq 16(%r10), %r9
    within_one_user_page %r10, %r9, %r8
    movq %rsi, %r8
    shlq $4, %r8
    leaq rlim(%rip), %r9
    movq (%r9, %r8), %rdx
    movq %rdx, (%r10)
    movq 8(%r9, %r8), %rdx
    movq %rdx, 8(%r10)
5:  xorl %eax, %eax
    incq counts + 8 * 16(%rip)
    restore_regs
    jmp after_call

/* prctl(PR_GET_NAME): the thread's 16-byte name as the personality's prctl reads it, from the
 * copy in comm (comm_ok), written into one page; then 0. Other options are the VMM's. */
answer_prctl:
    cmpq $PR_GET_NAME, %rdi
    jne host_call
    cmpb $0, comm_ok(%rip)
    je host_call
    save_regs
    leaq 16(%rsi), %r9
    within_one_user_page %rsi, %r9, %r8
    movq comm(%rip), %rdx
    movq %rdx, (%rsi)
    movq comm + 8(%rip), %rdx
    movq %rdx, 8(%rsi)
    xorl %eax, %eax
    incq counts + 8 * 17(%rip)
    restore_regs
    jmp after_call

/* rt_sigprocmask(2) as the personality answers it (syscall-xlat/sys_signal.c, after Linux's
 * kernel/signal.c), from and into this thread's mask in sigmask (sigmask_ok): the old mask
 * written if asked for, then the new one, less SIGKILL and SIGSTOP (signal(7)), recorded for the
 * personality (sync_flags bit 6); 0. Blocking more is the shim's only for the signals in
 * sigmask_handled: the host thread's mask follows only at the next exit, and until then the
 * host kernel would carry out a default action, or discard an ignored signal, that Linux keeps
 * pending, or give this thread a process-wide signal another could take at once. The VMM puts
 * there the signals with a handler and its own while the process has one thread, none while it
 * has more, and all while it guards the thread (vm_sigguard.c). Unblocking is the shim's only for signals not pending
 * (sigpending): one that came since the entry stopped the vCPU and is in the word again, and
 * one that comes while the shim answers makes it exit before ring 3 (kick_flag); unblocking a
 * pending one is the VMM's, which delivers it at once (vmcore.h, VM_DATA_SIGMASK). The set is
 * read and the old mask written each within one page, before the mask changes: a fault leaves
 * all as it was. A wrong size or `how` is the VMM's (EINVAL). */
answer_rt_sigprocmask:
    cmpb $0, sigmask_ok(%rip)
    je host_call
    cmpq $8, %r10
    jne host_call
    save_regs
    movq sigmask(%rip), %r8     /* the old mask */
    movq %r8, %r9               /* the new one: the old unless a set is given */
    testq %rsi, %rsi
    jz 2f
    leaq 8(%rsi), %r10
    within_one_user_page %rsi, %r10, %r10
    movq (%rsi), %r9
    btrq $SIGKILL - 1, %r9
    btrq $SIGSTOP - 1, %r9
    /* how is an int (SYSCALL_DEFINE4): its upper half is not looked at. */
    cmpl $SIG_BLOCK, %edi
    jne 1f
    orq %r8, %r9
    jmp 2f
1:  cmpl $SIG_UNBLOCK, %edi
    jne 3f
    notq %r9
    andq %r8, %r9
    jmp 2f
3:  cmpl $SIG_SETMASK, %edi
    jne to_vmm
2:  movq %r9, %r10
    notq %r10
    andq %r8, %r10              /* what it unblocks */
    testq sigpending(%rip), %r10
    jnz to_vmm                  /* some may be pending */
    movq %r8, %r10
    notq %r10
    andq %r9, %r10              /* what it blocks that was not */
    jz 4f
    movq sigmask_handled(%rip), %rax
    notq %rax
    testq %rax, %r10
    jnz to_vmm                  /* a signal without a handler among them */
4:  testq %rdx, %rdx
    jz 5f
    leaq 8(%rdx), %r10
    within_one_user_page %rdx, %r10, %r10
    movq %r8, (%rdx)
5:  cmpq %r8, %r9
    je 6f
    movq %r9, sigmask(%rip)
    orb $64, sync_flags(%rip)
6:  xorl %eax, %eax
    incq counts + 8 * 20(%rip)
    restore_regs
    jmp after_call
uaccess_end:

/* arch_prctl(ARCH_SET_FS): the base goes straight into FS.base (wrmsr: AMD64 APM vol. 2, 4.5.3),
 * recorded for the personality; one outside the user half is EPERM (arch/x86/kernel/process_64.c
 * do_arch_prctl_64), as the personality answers. Other options are the VMM's. */
answer_arch_prctl:
    cmpq $ARCH_SET_FS, %rdi
    jne host_call
    movq %rdx, save(%rip)
    movq %rcx, save_rcx(%rip)
    movq $-1, %rax
    movq %rsi, %rdx
    shrq $47, %rdx
    jnz 9f
    movl $MSR_FS_BASE, %ecx
    movl %esi, %eax
    movq %rsi, %rdx
    shrq $32, %rdx
    wrmsr
    movq %rsi, fs_value(%rip)
    orb $8, sync_flags(%rip)
    xorl %eax, %eax
9:  incq counts + 8 * 14(%rip)
    movq save(%rip), %rdx
    movq save_rcx(%rip), %rcx
    jmp after_call

/* To the VMM with the registers as ring 3 left them: a call the shim does not answer after all,
 * or a fault on ring 3's memory while it answered (fault_common). */
to_vmm:
    restore_regs
    movq save_nr(%rip), %rax
    jmp host_call

/* The VMM narrowed or removed a mapping: flush the TLB by reloading CR3 (AMD64 APM vol. 2,
 * 5.5.2) before the guest can use a stale translation. rax holds the result: keep it. The VMM
 * also starts a vCPU it stopped in ring 3 here, with the iret frame set, when another vCPU
 * narrowed a mapping (vm_tlb.c). */
flush:
    movb $0, flush_flag(%rip)
    movq %rax, rax_save(%rip)
    movq %cr3, %rax
    movq %rax, %cr3
    movq rax_save(%rip), %rax
    jmp after_call

/* The VMM set every ring-3 register itself (a signal handler's entry, rt_sigreturn, a handled
 * fault): sysret would clobber rcx and r11, so return through the frame [rip, cs, rflags, rsp,
 * ss] it wrote to the data page instead (AMD64 APM vol. 2, 8.7.3 "IRET"). */
iret_return:
    movb $0, iret_flag(%rip)
iret_check:
    cmpb $0, kick_flag(%rip)
    jne kicked_iret
    leaq iret_frame(%rip), %rsp
    iretq
iret_end:
/* A signal came while the vCPU was on its way back through the frame: the VMM delivers it onto
 * the frame's state and sets iret_flag again. */
kicked_iret:
    outb %al, $PORT_KICK_IRET
    jmp after_call

/* Exception entries, 16 bytes apart: each leaves the vector and an error code (0 where the CPU
 * pushes none: AMD64 APM vol. 2, 8.2 "Vectors") above the CPU's frame on the IST stack, then
 * exits to the VMM with rsp pointing at [vector, error, rip, cs, rflags, rsp, ss]. */
    .balign 16
faults:
    .irp v, 0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,28,29,30,31
    .balign 16
    .if (\v == 8) || (\v == 10) || (\v == 11) || (\v == 12) || (\v == 13) || (\v == 14) || (\v == 17) || (\v == 21) || (\v == 29) || (\v == 30)
    .else
    pushq $0
    .endif
    pushq $\v
    jmp fault_common
    .endr

/* A fault in ring 0 between uaccess_begin and uaccess_end is the shim's own access to ring 3's
 * memory: it goes on at to_vmm, which hands the call to the VMM (Linux's exception tables do
 * this for copy_from_user). The frame: [vector, error, rip, cs, rflags, rsp, ss]. */
fault_common:
    testb $3, 24(%rsp)
    jnz 5f
    pushq %rax
    leaq uaccess_begin(%rip), %rax
    cmpq %rax, 24(%rsp)
    jb 6f
    leaq uaccess_end(%rip), %rax
    cmpq %rax, 24(%rsp)
    jae 6f
    leaq to_vmm(%rip), %rax
    movq %rax, 24(%rsp)
    popq %rax
    addq $16, %rsp
    iretq
6:  popq %rax
/* A handled fault resumes in the guest's handler through the iret path; a guest the fault
 * killed is never resumed, and should it be, this stops the vCPU. */
5:  outb %al, $PORT_FAULT
    cmpb $0, iret_flag(%rip)
    je 2f
    cmpb $0, flush_flag(%rip)
    jne flush
    jmp iret_return
2:  hlt
    jmp 2b
vm_shim_end:

    .section .note.GNU-stack, "", @progbits
