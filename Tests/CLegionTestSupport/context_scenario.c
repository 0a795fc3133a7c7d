/*
 * context_scenario.c - the assembly context switch keeps what the ABI says a call keeps,
 * on x86-64, AArch64 and RISC-V (the other two run under qemu-user, through
 * scripts/cross-test.sh).
 *
 * Two contexts on this thread switch back and forth through lg_ctx_switch (the
 * runtime's internal primitive, linked statically). Before each switch every
 * callee-saved register is filled with a pattern, and each context runs with its own
 * floating-point control (x86-64: MXCSR rounding and x87 precision; AArch64: FPCR
 * rounding; RISC-V: the fcsr rounding mode); after the switch back all of them must be
 * intact. A new context must also start with its argument and the stack alignment the
 * ABI promises at a function's first instruction.
 */
#include <stdint.h>
#include <stdlib.h>
#include "scenario.h"

#if defined(__x86_64__) || defined(__aarch64__) || (defined(__riscv) && __riscv_xlen == 64)
void lg_ctx_switch(void **from_sp, void *to_sp);
void *lg_ctx_make(void *stack_top, void (*fn)(void *), void *arg);

#if defined(__x86_64__)
/* long switch_keeping_pattern(void **from, void *to, uint64_t seed): fills rbx, rbp,
 * r12-r15 from seed, switches, and returns how many changed when switched back. */
long lg_test_switch_keeping_pattern(void **from, void *to, uint64_t seed);
__asm__(".text\n.globl lg_test_switch_keeping_pattern\n.p2align 4\nlg_test_switch_keeping_pattern:\n"
        "  pushq %rbx\n  pushq %rbp\n  pushq %r12\n  pushq %r13\n  pushq %r14\n  pushq %r15\n"
        "  pushq %rdx\n  subq $8, %rsp\n"                   /* the seed; keeps rsp 16-aligned at the call */
        "  movq %rdx, %rbx\n  leaq 1(%rdx), %rbp\n  leaq 2(%rdx), %r12\n  leaq 3(%rdx), %r13\n"
        "  leaq 4(%rdx), %r14\n  leaq 5(%rdx), %r15\n"
        "  call lg_ctx_switch\n"                             /* rdi = from, rsi = to, as we were called */
        "  movq 8(%rsp), %rdx\n  xorl %eax, %eax\n"
        "  cmpq %rdx, %rbx\n  setne %cl\n  movzbl %cl, %ecx\n  addq %rcx, %rax\n"
        "  leaq 1(%rdx), %r8\n  cmpq %r8, %rbp\n  setne %cl\n  addq %rcx, %rax\n"
        "  leaq 2(%rdx), %r8\n  cmpq %r8, %r12\n  setne %cl\n  addq %rcx, %rax\n"
        "  leaq 3(%rdx), %r8\n  cmpq %r8, %r13\n  setne %cl\n  addq %rcx, %rax\n"
        "  leaq 4(%rdx), %r8\n  cmpq %r8, %r14\n  setne %cl\n  addq %rcx, %rax\n"
        "  leaq 5(%rdx), %r8\n  cmpq %r8, %r15\n  setne %cl\n  addq %rcx, %rax\n"
        "  addq $16, %rsp\n"
        "  popq %r15\n  popq %r14\n  popq %r13\n  popq %r12\n  popq %rbp\n  popq %rbx\n  ret\n");
#else
#include "switch_pattern.h"
#endif

static void *main_sp, *other_sp;
static long rounds, other_bad, arg_seen;
uintptr_t lg_test_entry_sp; /* sp at the first instruction of the new context's function */

/* The new context's function: records sp on entry (before any prologue), then jumps
 * to the C body with its argument still in the first argument register. */
void lg_test_other_context(void *arg);
void lg_test_entry_probe(void *arg);
#if defined(__x86_64__)
__asm__(".text\n.globl lg_test_entry_probe\n.p2align 4\nlg_test_entry_probe:\n"
        "  movq %rsp, lg_test_entry_sp(%rip)\n  jmp lg_test_other_context\n");
/* At a function's first instruction rsp + 8 (the return address) is a multiple of 16. */
#define ENTRY_ALIGNED(sp) (((sp) + 8) % 16 == 0)

/* The two floating-point settings the contexts run with: 1 = round toward zero (MXCSR)
 * with single precision (x87), 0 = round to nearest with extended precision. */
#define MXCSR_TOWARD_ZERO 0x7f80u /* masks all, RC = 11 */
#define MXCSR_NEAREST 0x1f80u
#define FPUCW_SINGLE 0x007fu /* PC = 00 (24-bit) */
#define FPUCW_EXTENDED 0x037fu
static void set_fp_control(int toward_zero) {
    uint32_t mxcsr = toward_zero ? MXCSR_TOWARD_ZERO : MXCSR_NEAREST;
    uint16_t cw = toward_zero ? FPUCW_SINGLE : FPUCW_EXTENDED;
    __asm__ volatile("ldmxcsr %0" : : "m"(mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(cw));
}
static int fp_control_is(int toward_zero) {
    uint32_t mxcsr;
    uint16_t cw;
    __asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(cw));
    return mxcsr == (toward_zero ? MXCSR_TOWARD_ZERO : MXCSR_NEAREST) &&
           cw == (toward_zero ? FPUCW_SINGLE : FPUCW_EXTENDED);
}
typedef struct { uint32_t mxcsr; uint16_t cw; } fp_saved;
static fp_saved save_fp(void) {
    fp_saved f;
    __asm__ volatile("stmxcsr %0" : "=m"(f.mxcsr));
    __asm__ volatile("fnstcw %0" : "=m"(f.cw));
    return f;
}
static void restore_fp(fp_saved f) {
    __asm__ volatile("ldmxcsr %0" : : "m"(f.mxcsr));
    __asm__ volatile("fldcw %0" : : "m"(f.cw));
}
#elif defined(__aarch64__)
__asm__(".text\n.globl lg_test_entry_probe\n.p2align 4\nlg_test_entry_probe:\n"
        "  mov x9, sp\n  adrp x10, lg_test_entry_sp\n  str x9, [x10, :lo12:lg_test_entry_sp]\n"
        "  b lg_test_other_context\n");
#define ENTRY_ALIGNED(sp) ((sp) % 16 == 0)
/* FPCR.RMode (bits 22-23): 3 = toward zero, 0 = to nearest. */
static void set_fp_control(int toward_zero) {
    uint64_t v = toward_zero ? 3u << 22 : 0;
    __asm__ volatile("msr fpcr, %0" : : "r"(v));
}
static int fp_control_is(int toward_zero) {
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return v == (toward_zero ? 3u << 22 : 0);
}
typedef uint64_t fp_saved;
static fp_saved save_fp(void) {
    uint64_t v;
    __asm__ volatile("mrs %0, fpcr" : "=r"(v));
    return v;
}
static void restore_fp(fp_saved v) {
    __asm__ volatile("msr fpcr, %0" : : "r"(v));
}
#else /* RISC-V */
__asm__(".text\n.globl lg_test_entry_probe\n.p2align 2\nlg_test_entry_probe:\n"
        "  lla t0, lg_test_entry_sp\n  sd sp, 0(t0)\n  tail lg_test_other_context\n");
#define ENTRY_ALIGNED(sp) ((sp) % 16 == 0)
/* fcsr.frm: 1 = toward zero, 0 = to nearest even. */
static void set_fp_control(int toward_zero) {
    unsigned long v = toward_zero ? 1 : 0;
    __asm__ volatile("fsrm %0" : : "r"(v));
}
static int fp_control_is(int toward_zero) {
    unsigned long v;
    __asm__ volatile("frrm %0" : "=r"(v));
    return v == (toward_zero ? 1u : 0u);
}
typedef unsigned long fp_saved;
static fp_saved save_fp(void) {
    unsigned long v;
    __asm__ volatile("frcsr %0" : "=r"(v));
    return v;
}
static void restore_fp(fp_saved v) {
    __asm__ volatile("fscsr %0" : : "r"(v));
}
#endif

void lg_test_other_context(void *arg) {
    arg_seen = (long)(intptr_t)arg;
    set_fp_control(1);
    for (uint64_t i = 0;; i++) {
        rounds++;
        if (!fp_control_is(1)) other_bad++;
        other_bad += lg_test_switch_keeping_pattern(&other_sp, main_sp, 0x5000 + i * 64);
    }
}

int lg_test_context_registers(void) {
    lg_test_begin();
    fp_saved saved = save_fp();
    char *stack = aligned_alloc(64, 65536);
    int rc = -1;
    long bad = 0, fp_bad = 0;
    rounds = other_bad = arg_seen = 0;
    lg_test_entry_sp = 0;
    set_fp_control(0);
    other_sp = lg_ctx_make(stack + 65536, lg_test_entry_probe, (void *)0x1234);
    for (uint64_t i = 0; i < 1000; i++) {
        bad += lg_test_switch_keeping_pattern(&main_sp, other_sp, 0x9000 + i * 64);
        if (!fp_control_is(0)) fp_bad++;
    }
    restore_fp(saved);
    CHECK(bad == 0, "%ld callee-saved registers of the first context changed across switches", bad);
    CHECK(fp_bad == 0, "the floating-point control of the first context changed %ld times", fp_bad);
    CHECK(other_bad == 0, "%ld registers or control words of the new context changed", other_bad);
    CHECK(rounds == 1000, "the new context ran %ld times for 1000 switches", rounds);
    CHECK(arg_seen == 0x1234, "the new context did not receive its argument");
    CHECK(lg_test_entry_sp != 0 && ENTRY_ALIGNED(lg_test_entry_sp),
          "the new context's function started with sp = %#lx, not aligned as the ABI requires",
          (unsigned long)lg_test_entry_sp);
    rc = 0;
out:
    free(stack); /* the other context is abandoned mid-loop: it owns nothing */
    return rc;
}
#else
int lg_test_context_registers(void) {
    return LG_TEST_SKIPPED; /* only the ucontext switch exists on this architecture */
}
#endif
