/* shim.S: the guest's ring-0 code: the system-call entry, the exception entries, and the first
 * entry into ring 3. Each turns into one hypercall, an `out` to a port that KVM hands to the VMM
 * as KVM_EXIT_IO; the VMM serves it and resumes the guest after the `out`.
 *
 * It is copied to the first page of the system area, mapped for ring 0 only at VM_KERNEL_BASE;
 * the shim's data page is two pages after its start. Every reference is relative to the code, so
 * the bytes run wherever they are placed. */

#define PORT_SYSCALL 0xe0
#define PORT_FAULT 0xe1
#define DATA_OFFSET 0x2000

    .section .rodata.vm_shim, "a"
    .balign 16
    .globl vm_shim_code
    .globl vm_shim_end
vm_shim_code:
    /* Header read by vm_shim.c: offsets of the entry points. */
    .quad start - vm_shim_code
    .quad syscall_entry - vm_shim_code
    .quad faults - vm_shim_code
    .quad flush - vm_shim_code

    .set flush_flag, vm_shim_code + DATA_OFFSET
    .set rax_save, vm_shim_code + DATA_OFFSET + 8
    .set iret_flag, vm_shim_code + DATA_OFFSET + 16
    .set iret_frame, vm_shim_code + DATA_OFFSET + 24
    .set pid_value, vm_shim_code + DATA_OFFSET + 64
    .set ppid_value, vm_shim_code + DATA_OFFSET + 72
    .set tid_value, vm_shim_code + DATA_OFFSET + 80

/* First entry: the VMM starts the vCPU here in ring 0 with rcx = the program's entry, r11 = its
 * rflags and rsp = its stack; sysretq drops to ring 3 with CS/SS from STAR[63:48] (AMD64 APM
 * vol. 2, 6.1.1 "SYSCALL and SYSRET"). */
start:
    sysretq

/* LSTAR: the guest's `syscall` lands here in ring 0, on the guest's own stack (SYSCALL does not
 * switch stacks), with the return address in rcx and rflags in r11. The stack is the guest's,
 * so it is never touched: the VMM reads the registers at the exit. */
syscall_entry:
    /* getpid, gettid and getppid need no host: answered here, without an exit (x86-64 numbers
     * 39, 186 and 110, arch/x86/entry/syscalls/syscall_64.tbl). */
    cmpq $39, %rax
    je answer_pid
    cmpq $186, %rax
    je answer_tid
    cmpq $110, %rax
    je answer_ppid
    outb %al, $PORT_SYSCALL
    cmpb $0, flush_flag(%rip)
    jne flush
    cmpb $0, iret_flag(%rip)
    jne iret_return
    sysretq

answer_pid:
    movq pid_value(%rip), %rax
    sysretq
answer_ppid:
    movq ppid_value(%rip), %rax
    sysretq
answer_tid:
    movq tid_value(%rip), %rax
    sysretq

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
    cmpb $0, iret_flag(%rip)
    jne iret_return
    sysretq

/* The VMM set every ring-3 register itself (a signal handler's entry, rt_sigreturn, a handled
 * fault): sysret would clobber rcx and r11, so return through the frame [rip, cs, rflags, rsp,
 * ss] it wrote to the data page instead (AMD64 APM vol. 2, 8.7.3 "IRET"). */
iret_return:
    movb $0, iret_flag(%rip)
    leaq iret_frame(%rip), %rsp
    iretq

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

/* A handled fault resumes in the guest's handler through the iret path; a guest the fault
 * killed is never resumed, and should it be, this stops the vCPU. */
fault_common:
    outb %al, $PORT_FAULT
    cmpb $0, iret_flag(%rip)
    je 2f
    cmpb $0, flush_flag(%rip)
    jne flush
    jmp iret_return
2:  hlt
    jmp 2b
vm_shim_end:

    .section .note.GNU-stack, "", @progbits
