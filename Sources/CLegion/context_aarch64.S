/*
 * context_aarch64.S - context switching for AArch64 (AAPCS64).
 *
 * Same design as context_x86_64.S: a context is a stack pointer; switching stores the
 * callee-saved registers (x19-x28, the frame pointer x29, the link register x30, the
 * low halves d8-d15 of v8-v15, and FPCR) in a 176-byte frame on the current stack,
 * swaps stack pointers, reloads the other frame and returns through its x30. No system
 * call, no signal mask.
 *
 * Saved frame, from the saved stack pointer upwards:
 *    +0 x19 x20  +16 x21 x22  +32 x23 x24  +48 x25 x26  +64 x27 x28  +80 x29 x30
 *    +96 d8 d9  +112 d10 d11  +128 d12 d13  +144 d14 d15  +160 FPCR  +168 unused
 *
 * A new context (lg_ctx_make) has x19 = entry function, x20 = its argument, x29 = 0 and
 * x30 = lg_ctx_trampoline, whose CFI marks the return address (x30) undefined so
 * unwinders stop at the first frame of a legion.
 */
#if defined(__aarch64__)

    .text

/* void lg_ctx_switch(void **from_sp, void *to_sp)   x0 = from_sp, x1 = to_sp */
    .globl  lg_ctx_switch
    .hidden lg_ctx_switch
    .type   lg_ctx_switch, %function
    .p2align 4
lg_ctx_switch:
    .cfi_startproc
    sub     sp, sp, #176
    .cfi_adjust_cfa_offset 176
    stp     x19, x20, [sp, #0]
    stp     x21, x22, [sp, #16]
    stp     x23, x24, [sp, #32]
    stp     x25, x26, [sp, #48]
    stp     x27, x28, [sp, #64]
    stp     x29, x30, [sp, #80]
    stp     d8,  d9,  [sp, #96]
    stp     d10, d11, [sp, #112]
    stp     d12, d13, [sp, #128]
    stp     d14, d15, [sp, #144]
    mrs     x9, fpcr
    str     x9, [sp, #160]
    mov     x9, sp
    str     x9, [x0]              /* publish our stack pointer: we are now suspended */
    mov     sp, x1                /* adopt the other context's stack */
    ldp     x19, x20, [sp, #0]
    ldp     x21, x22, [sp, #16]
    ldp     x23, x24, [sp, #32]
    ldp     x25, x26, [sp, #48]
    ldp     x27, x28, [sp, #64]
    ldp     x29, x30, [sp, #80]
    ldp     d8,  d9,  [sp, #96]
    ldp     d10, d11, [sp, #112]
    ldp     d12, d13, [sp, #128]
    ldp     d14, d15, [sp, #144]
    ldr     x9, [sp, #160]
    msr     fpcr, x9
    add     sp, sp, #176
    ret                           /* through x30, into the other context */
    .cfi_endproc
    .size   lg_ctx_switch, .-lg_ctx_switch

/* void *lg_ctx_make(void *stack_top, void (*fn)(void *), void *arg)
 * Builds the frame of a new context and returns its stack pointer. After the first
 * switch pops it, sp = top - 16 (16-byte aligned, as AAPCS64 requires at all times). */
    .globl  lg_ctx_make
    .hidden lg_ctx_make
    .type   lg_ctx_make, %function
    .p2align 4
lg_ctx_make:
    .cfi_startproc
    and     x0, x0, #~15
    sub     x0, x0, #192
    stp     x1,  x2,  [x0, #0]    /* x19 = fn, x20 = arg */
    stp     xzr, xzr, [x0, #16]
    stp     xzr, xzr, [x0, #32]
    stp     xzr, xzr, [x0, #48]
    stp     xzr, xzr, [x0, #64]
    adr     x9, lg_ctx_trampoline
    stp     xzr, x9,  [x0, #80]   /* x29 = 0 ends the frame chain, x30 = trampoline */
    stp     xzr, xzr, [x0, #96]
    stp     xzr, xzr, [x0, #112]
    stp     xzr, xzr, [x0, #128]
    stp     xzr, xzr, [x0, #144]
    mrs     x9, fpcr
    stp     x9,  xzr, [x0, #160]
    stp     xzr, xzr, [x0, #176]
    ret
    .cfi_endproc
    .size   lg_ctx_make, .-lg_ctx_make

/* The first frame of every new context: fn(arg). fn never returns; brk catches it. */
    .type   lg_ctx_trampoline, %function
    .p2align 4
lg_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined x30
    mov     x29, #0
    mov     x0, x20
    blr     x19
    brk     #0
    .cfi_endproc
    .size   lg_ctx_trampoline, .-lg_ctx_trampoline

#endif /* __aarch64__ */

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
