/*
 * context_riscv64.S - context switching for RV64GC with the LP64D calling convention.
 *
 * Same design as context_x86_64.S: a context is a stack pointer; switching stores the
 * registers a call preserves (the return address ra, s0-s11, fs0-fs11, and fcsr, whose
 * rounding mode the ABI treats as callee-saved state of the thread of control) in a
 * 208-byte frame on the current stack, swaps stack pointers, reloads the other frame
 * and returns through its ra. No system call, no signal mask.
 *
 * Saved frame, from the saved stack pointer upwards:
 *    +0 ra   +8 s0 ... +96 s11   +104 fs0 ... +192 fs11   +200 fcsr
 *
 * A new context (lg_ctx_make) has s1 = entry function, s2 = its argument, s0 = 0 (the
 * frame pointer chain ends) and ra = lg_ctx_trampoline, whose CFI marks the return
 * address undefined so unwinders stop at the first frame of a legion.
 */
#if defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double)

    .text

/* void lg_ctx_switch(void **from_sp, void *to_sp)   a0 = from_sp, a1 = to_sp */
    .globl  lg_ctx_switch
    .hidden lg_ctx_switch
    .type   lg_ctx_switch, @function
    .p2align 2
lg_ctx_switch:
    .cfi_startproc
    addi    sp, sp, -208
    .cfi_adjust_cfa_offset 208
    sd      ra,    0(sp)
    sd      s0,    8(sp)
    sd      s1,   16(sp)
    sd      s2,   24(sp)
    sd      s3,   32(sp)
    sd      s4,   40(sp)
    sd      s5,   48(sp)
    sd      s6,   56(sp)
    sd      s7,   64(sp)
    sd      s8,   72(sp)
    sd      s9,   80(sp)
    sd      s10,  88(sp)
    sd      s11,  96(sp)
    fsd     fs0, 104(sp)
    fsd     fs1, 112(sp)
    fsd     fs2, 120(sp)
    fsd     fs3, 128(sp)
    fsd     fs4, 136(sp)
    fsd     fs5, 144(sp)
    fsd     fs6, 152(sp)
    fsd     fs7, 160(sp)
    fsd     fs8, 168(sp)
    fsd     fs9, 176(sp)
    fsd     fs10, 184(sp)
    fsd     fs11, 192(sp)
    frcsr   t0
    sd      t0,  200(sp)
    sd      sp,    0(a0)          /* publish our stack pointer: we are now suspended */
    mv      sp, a1                /* adopt the other context's stack */
    ld      ra,    0(sp)
    ld      s0,    8(sp)
    ld      s1,   16(sp)
    ld      s2,   24(sp)
    ld      s3,   32(sp)
    ld      s4,   40(sp)
    ld      s5,   48(sp)
    ld      s6,   56(sp)
    ld      s7,   64(sp)
    ld      s8,   72(sp)
    ld      s9,   80(sp)
    ld      s10,  88(sp)
    ld      s11,  96(sp)
    fld     fs0, 104(sp)
    fld     fs1, 112(sp)
    fld     fs2, 120(sp)
    fld     fs3, 128(sp)
    fld     fs4, 136(sp)
    fld     fs5, 144(sp)
    fld     fs6, 152(sp)
    fld     fs7, 160(sp)
    fld     fs8, 168(sp)
    fld     fs9, 176(sp)
    fld     fs10, 184(sp)
    fld     fs11, 192(sp)
    ld      t0,  200(sp)
    fscsr   t0
    addi    sp, sp, 208
    ret                           /* through ra, into the other context */
    .cfi_endproc
    .size   lg_ctx_switch, .-lg_ctx_switch

/* void *lg_ctx_make(void *stack_top, void (*fn)(void *), void *arg)
 * Builds the frame of a new context and returns its stack pointer. After the first
 * switch pops it, sp = top - 16 (16-byte aligned, as the psABI requires). The floating
 * point control and status word is copied from the calling thread. */
    .globl  lg_ctx_make
    .hidden lg_ctx_make
    .type   lg_ctx_make, @function
    .p2align 2
lg_ctx_make:
    .cfi_startproc
    andi    a0, a0, -16
    addi    a0, a0, -224
    addi    t1, a0, 224
    mv      t2, a0
1:  sd      zero, 0(t2)           /* every saved register starts as 0: s0 = 0 ends the frame chain */
    addi    t2, t2, 8
    bltu    t2, t1, 1b
    lla     t0, lg_ctx_trampoline
    sd      t0,    0(a0)          /* ra = trampoline */
    sd      a1,   16(a0)          /* s1 = fn */
    sd      a2,   24(a0)          /* s2 = arg */
    frcsr   t0
    sd      t0,  200(a0)
    ret
    .cfi_endproc
    .size   lg_ctx_make, .-lg_ctx_make

/* The first frame of every new context: fn(arg). fn never returns; ebreak catches it. */
    .type   lg_ctx_trampoline, @function
    .p2align 2
lg_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined ra
    mv      s0, zero
    mv      a0, s2
    jalr    s1
    ebreak
    .cfi_endproc
    .size   lg_ctx_trampoline, .-lg_ctx_trampoline

#endif /* riscv64 with the D extension */

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
