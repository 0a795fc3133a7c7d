/*
 * switch_pattern.h - long lg_test_switch_keeping_pattern(void **from, void *to,
 * uint64_t seed), in assembly for AArch64 and RISC-V (the x86-64 one is in
 * context_scenario.c): fills every callee-saved register the switch promises to keep
 * with a pattern derived from seed, calls lg_ctx_switch(from, to), and when switched
 * back returns how many of them changed. Written in assembly so that nothing can live
 * anywhere else. Shared by context_scenario.c and the freestanding
 * fixtures/aarch64_switch_check.c.
 */
#ifndef CLEGION_SWITCH_PATTERN_H
#define CLEGION_SWITCH_PATTERN_H

#include <stdint.h>

long lg_test_switch_keeping_pattern(void **from, void *to, uint64_t seed);

#if defined(__aarch64__)
/* x19-x29 and d8-d15. */
__asm__(
    ".text\n.globl lg_test_switch_keeping_pattern\n.p2align 4\nlg_test_switch_keeping_pattern:\n"
    "  stp x19, x20, [sp, #-16]!\n  stp x21, x22, [sp, #-16]!\n  stp x23, x24, [sp, #-16]!\n"
    "  stp x25, x26, [sp, #-16]!\n  stp x27, x28, [sp, #-16]!\n  stp x29, x30, [sp, #-16]!\n"
    "  stp d8, d9, [sp, #-16]!\n  stp d10, d11, [sp, #-16]!\n  stp d12, d13, [sp, #-16]!\n"
    "  stp d14, d15, [sp, #-16]!\n"
    "  str x2, [sp, #-16]!\n"                      /* the seed, to compare with later */
    "  mov x19, x2\n  add x20, x2, #1\n  add x21, x2, #2\n  add x22, x2, #3\n  add x23, x2, #4\n"
    "  add x24, x2, #5\n  add x25, x2, #6\n  add x26, x2, #7\n  add x27, x2, #8\n  add x28, x2, #9\n"
    "  add x29, x2, #10\n"
    "  fmov d8, x19\n  fmov d9, x20\n  fmov d10, x21\n  fmov d11, x22\n  fmov d12, x23\n"
    "  fmov d13, x24\n  fmov d14, x25\n  fmov d15, x26\n"
    "  bl lg_ctx_switch\n"                          /* x0 = from, x1 = to, as we were called */
    "  ldr x10, [sp]\n  mov x0, #0\n"
    "  cmp x19, x10\n  cinc x0, x0, ne\n"
    "  add x9, x10, #1\n  cmp x20, x9\n  cinc x0, x0, ne\n  add x9, x10, #2\n  cmp x21, x9\n  cinc x0, x0, ne\n"
    "  add x9, x10, #3\n  cmp x22, x9\n  cinc x0, x0, ne\n  add x9, x10, #4\n  cmp x23, x9\n  cinc x0, x0, ne\n"
    "  add x9, x10, #5\n  cmp x24, x9\n  cinc x0, x0, ne\n  add x9, x10, #6\n  cmp x25, x9\n  cinc x0, x0, ne\n"
    "  add x9, x10, #7\n  cmp x26, x9\n  cinc x0, x0, ne\n  add x9, x10, #8\n  cmp x27, x9\n  cinc x0, x0, ne\n"
    "  add x9, x10, #9\n  cmp x28, x9\n  cinc x0, x0, ne\n  add x9, x10, #10\n  cmp x29, x9\n  cinc x0, x0, ne\n"
    "  fmov x9, d8\n  cmp x9, x10\n  cinc x0, x0, ne\n"
    "  add x11, x10, #1\n  fmov x9, d9\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add x11, x10, #2\n  fmov x9, d10\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add x11, x10, #3\n  fmov x9, d11\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add x11, x10, #4\n  fmov x9, d12\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add x11, x10, #5\n  fmov x9, d13\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add x11, x10, #6\n  fmov x9, d14\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add x11, x10, #7\n  fmov x9, d15\n  cmp x9, x11\n  cinc x0, x0, ne\n"
    "  add sp, sp, #16\n"
    "  ldp d14, d15, [sp], #16\n  ldp d12, d13, [sp], #16\n  ldp d10, d11, [sp], #16\n  ldp d8, d9, [sp], #16\n"
    "  ldp x29, x30, [sp], #16\n  ldp x27, x28, [sp], #16\n  ldp x25, x26, [sp], #16\n"
    "  ldp x23, x24, [sp], #16\n  ldp x21, x22, [sp], #16\n  ldp x19, x20, [sp], #16\n"
    "  ret\n");
#elif defined(__riscv)
/* s0-s11 and fs0-fs11. */
__asm__(
    ".text\n.globl lg_test_switch_keeping_pattern\n.p2align 2\nlg_test_switch_keeping_pattern:\n"
    "  addi sp, sp, -224\n  sd ra, 0(sp)\n"
    "  sd s0, 8(sp)\n  sd s1, 16(sp)\n  sd s2, 24(sp)\n  sd s3, 32(sp)\n  sd s4, 40(sp)\n  sd s5, 48(sp)\n  sd s6, 56(sp)\n  sd s7, 64(sp)\n  sd s8, 72(sp)\n  sd s9, 80(sp)\n  sd s10, 88(sp)\n  sd s11, 96(sp)\n"
    "  fsd fs0, 104(sp)\n  fsd fs1, 112(sp)\n  fsd fs2, 120(sp)\n  fsd fs3, 128(sp)\n  fsd fs4, 136(sp)\n  fsd fs5, 144(sp)\n  fsd fs6, 152(sp)\n  fsd fs7, 160(sp)\n  fsd fs8, 168(sp)\n  fsd fs9, 176(sp)\n  fsd fs10, 184(sp)\n  fsd fs11, 192(sp)\n"
    "  sd a2, 200(sp)\n"                             /* the seed, to compare with later */
    "  addi s0, a2, 0\n  addi s1, a2, 1\n  addi s2, a2, 2\n  addi s3, a2, 3\n  addi s4, a2, 4\n  addi s5, a2, 5\n  addi s6, a2, 6\n  addi s7, a2, 7\n  addi s8, a2, 8\n  addi s9, a2, 9\n  addi s10, a2, 10\n  addi s11, a2, 11\n"
    "  fmv.d.x fs0, s0\n  fmv.d.x fs1, s1\n  fmv.d.x fs2, s2\n  fmv.d.x fs3, s3\n  fmv.d.x fs4, s4\n  fmv.d.x fs5, s5\n  fmv.d.x fs6, s6\n  fmv.d.x fs7, s7\n  fmv.d.x fs8, s8\n  fmv.d.x fs9, s9\n  fmv.d.x fs10, s10\n  fmv.d.x fs11, s11\n"
    "  call lg_ctx_switch\n"                          /* a0 = from, a1 = to, as we were called */
    "  ld t0, 200(sp)\n  li a0, 0\n"
    "  addi t1, t0, 0\n  sub t2, s0, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 1\n  sub t2, s1, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 2\n  sub t2, s2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 3\n  sub t2, s3, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 4\n  sub t2, s4, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 5\n  sub t2, s5, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 6\n  sub t2, s6, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 7\n  sub t2, s7, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 8\n  sub t2, s8, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 9\n  sub t2, s9, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 10\n  sub t2, s10, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 11\n  sub t2, s11, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 0\n  fmv.x.d t2, fs0\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 1\n  fmv.x.d t2, fs1\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 2\n  fmv.x.d t2, fs2\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 3\n  fmv.x.d t2, fs3\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 4\n  fmv.x.d t2, fs4\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 5\n  fmv.x.d t2, fs5\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 6\n  fmv.x.d t2, fs6\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 7\n  fmv.x.d t2, fs7\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 8\n  fmv.x.d t2, fs8\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 9\n  fmv.x.d t2, fs9\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 10\n  fmv.x.d t2, fs10\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  addi t1, t0, 11\n  fmv.x.d t2, fs11\n  sub t2, t2, t1\n  snez t2, t2\n  add a0, a0, t2\n"
    "  ld ra, 0(sp)\n"
    "  ld s0, 8(sp)\n  ld s1, 16(sp)\n  ld s2, 24(sp)\n  ld s3, 32(sp)\n  ld s4, 40(sp)\n  ld s5, 48(sp)\n  ld s6, 56(sp)\n  ld s7, 64(sp)\n  ld s8, 72(sp)\n  ld s9, 80(sp)\n  ld s10, 88(sp)\n  ld s11, 96(sp)\n"
    "  fld fs0, 104(sp)\n  fld fs1, 112(sp)\n  fld fs2, 120(sp)\n  fld fs3, 128(sp)\n  fld fs4, 136(sp)\n  fld fs5, 144(sp)\n  fld fs6, 152(sp)\n  fld fs7, 160(sp)\n  fld fs8, 168(sp)\n  fld fs9, 176(sp)\n  fld fs10, 184(sp)\n  fld fs11, 192(sp)\n"
    "  addi sp, sp, 224\n  ret\n");
#endif

#endif
