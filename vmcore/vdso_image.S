/* vdso_image.S: the guest's vDSO (vdso/vdso.c, linked by vdso/vdso.lds) carried in viv as data;
 * VDSO_SO is the linked image's path, given by the build. */
    .section .rodata.vm_vdso, "a"
    .balign 16
    .globl vm_vdso_image
    .globl vm_vdso_image_end
vm_vdso_image:
    .incbin VDSO_SO
vm_vdso_image_end:

    .section .note.GNU-stack, "", @progbits
