/*
 * context_x86_64.S - context switching for x86-64 System V.
 *
 * A context is just a stack pointer. Switching pushes the callee-saved registers the
 * ABI says a call preserves (rbx, rbp, r12-r15) plus the two floating-point control
 * words that are callee-saved too (MXCSR control bits and the x87 control word), stores
 * the stack pointer into *from, loads the other context's stack pointer and pops the
 * same frame back: the final `ret` returns into the other context. Everything else is
 * caller-saved, so the C compiler has already spilled whatever it still needs. No
 * system call, no signal mask: the signal mask is per thread and legions do not own
 * one (ucontext's swapcontext pays an rt_sigprocmask system call per switch for it).
 *
 * Saved frame, from the saved stack pointer upwards:
 *    +0  MXCSR (4 bytes), x87 control word (2 bytes), 2 bytes unused
 *    +8  r15   +16 r14   +24 r13   +32 r12   +40 rbx   +48 rbp   +56 return address
 *
 * A new context (lg_ctx_make) holds the same frame with r12 = entry function,
 * r13 = its argument and the return address = lg_ctx_trampoline, whose CFI marks the
 * return address as undefined: unwinders and debuggers stop there, the outermost
 * frame of every legion.
 */
#if defined(__x86_64__)

#if defined(__CET__)
#  define LG_ENDBR endbr64
#else
#  define LG_ENDBR
#endif

    .text

/* void lg_ctx_switch(void **from_sp, void *to_sp)   rdi = from_sp, rsi = to_sp */
    .globl  lg_ctx_switch
    .hidden lg_ctx_switch
    .type   lg_ctx_switch, @function
    .p2align 4
lg_ctx_switch:
    .cfi_startproc
    LG_ENDBR
    pushq   %rbp
    .cfi_adjust_cfa_offset 8
    pushq   %rbx
    .cfi_adjust_cfa_offset 8
    pushq   %r12
    .cfi_adjust_cfa_offset 8
    pushq   %r13
    .cfi_adjust_cfa_offset 8
    pushq   %r14
    .cfi_adjust_cfa_offset 8
    pushq   %r15
    .cfi_adjust_cfa_offset 8
    subq    $8, %rsp
    .cfi_adjust_cfa_offset 8
    stmxcsr (%rsp)
    fnstcw  4(%rsp)
    movq    %rsp, (%rdi)          /* publish our stack pointer: we are now suspended */
    movq    %rsi, %rsp            /* adopt the other context's stack */
    ldmxcsr (%rsp)
    fldcw   4(%rsp)
    addq    $8, %rsp
    popq    %r15
    popq    %r14
    popq    %r13
    popq    %r12
    popq    %rbx
    popq    %rbp
    ret                           /* into the other context */
    .cfi_endproc
    .size   lg_ctx_switch, .-lg_ctx_switch

/* void *lg_ctx_make(void *stack_top, void (*fn)(void *), void *arg)
 * Builds the frame of a new context below stack_top and returns its stack pointer.
 * After the first switch pops it, rsp = top - 16 (16-byte aligned) when the trampoline
 * starts, so its `call` gives fn the alignment the ABI promises. The control words are
 * copied from the calling thread. */
    .globl  lg_ctx_make
    .hidden lg_ctx_make
    .type   lg_ctx_make, @function
    .p2align 4
lg_ctx_make:
    .cfi_startproc
    LG_ENDBR
    andq    $-16, %rdi
    leaq    -80(%rdi), %rax
    stmxcsr (%rax)
    fnstcw  4(%rax)
    movw    $0, 6(%rax)
    movq    $0, 8(%rax)           /* r15 */
    movq    $0, 16(%rax)          /* r14 */
    movq    %rdx, 24(%rax)        /* r13 = arg */
    movq    %rsi, 32(%rax)        /* r12 = fn */
    movq    $0, 40(%rax)          /* rbx */
    movq    $0, 48(%rax)          /* rbp = 0 ends the frame-pointer chain */
    leaq    lg_ctx_trampoline(%rip), %rcx
    movq    %rcx, 56(%rax)        /* return address of the first switch */
    movq    $0, 64(%rax)
    movq    $0, 72(%rax)
    ret
    .cfi_endproc
    .size   lg_ctx_make, .-lg_ctx_make

/* The first frame of every new context: fn(arg). fn never returns (a legion leaves
 * its stack by switching away for good); ud2 catches it if it did. */
    .type   lg_ctx_trampoline, @function
    .p2align 4
lg_ctx_trampoline:
    .cfi_startproc
    .cfi_undefined rip
    LG_ENDBR
    movq    %r13, %rdi
    callq   *%r12
    ud2
    .cfi_endproc
    .size   lg_ctx_trampoline, .-lg_ctx_trampoline

#endif /* __x86_64__ */

#if defined(__linux__) && defined(__ELF__)
    .section .note.GNU-stack,"",%progbits
#endif
