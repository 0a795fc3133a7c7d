/*
 * context_scenario.c - the x86-64 context switch keeps what the ABI says a call keeps.
 *
 * Two contexts on this thread switch back and forth through lg_ctx_switch (the
 * runtime's internal primitive, linked statically). Before each switch every
 * callee-saved register is filled with a pattern, and each context runs with its own
 * MXCSR rounding mode and x87 precision control; after the switch back all of them
 * must be intact. The AArch64 counterpart is fixtures/aarch64_switch_check.c, run
 * under qemu-user by ContextSwitchTests when qemu is installed.
 */
#include <stdint.h>
#include <stdlib.h>
#include "scenario.h"

#if defined(__x86_64__)
void lg_ctx_switch(void **from_sp, void *to_sp);
void *lg_ctx_make(void *stack_top, void (*fn)(void *), void *arg);

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

static void *main_sp, *other_sp;
static long rounds, other_bad, arg_seen;
uintptr_t lg_test_entry_rsp; /* rsp at the first instruction of the new context's function */

/* The new context's function: records rsp on entry (before any prologue), then jumps
 * to the C body with its argument still in rdi. */
void lg_test_other_context(void *arg);
void lg_test_entry_probe(void *arg);
__asm__(".text\n.globl lg_test_entry_probe\n.p2align 4\nlg_test_entry_probe:\n"
        "  movq %rsp, lg_test_entry_rsp(%rip)\n  jmp lg_test_other_context\n");

static uint32_t get_mxcsr(void) {
    uint32_t v;
    __asm__ volatile("stmxcsr %0" : "=m"(v));
    return v;
}
static void set_mxcsr(uint32_t v) {
    __asm__ volatile("ldmxcsr %0" : : "m"(v));
}
static uint16_t get_fpucw(void) {
    uint16_t v;
    __asm__ volatile("fnstcw %0" : "=m"(v));
    return v;
}
static void set_fpucw(uint16_t v) {
    __asm__ volatile("fldcw %0" : : "m"(v));
}

#define MXCSR_TOWARD_ZERO 0x7f80u /* masks all, RC = 11 */
#define MXCSR_NEAREST 0x1f80u
#define FPUCW_SINGLE 0x007fu /* PC = 00 (24-bit) */
#define FPUCW_EXTENDED 0x037fu

void lg_test_other_context(void *arg) {
    arg_seen = (long)(intptr_t)arg;
    set_mxcsr(MXCSR_TOWARD_ZERO);
    set_fpucw(FPUCW_SINGLE);
    for (uint64_t i = 0;; i++) {
        rounds++;
        if (get_mxcsr() != MXCSR_TOWARD_ZERO || get_fpucw() != FPUCW_SINGLE) other_bad++;
        other_bad += lg_test_switch_keeping_pattern(&other_sp, main_sp, 0x5000 + i * 64);
    }
}

int lg_test_context_registers(void) {
    lg_test_begin();
    uint32_t saved_mxcsr = get_mxcsr();
    uint16_t saved_fpucw = get_fpucw();
    char *stack = aligned_alloc(64, 65536);
    int rc = -1;
    long bad = 0, fp_bad = 0;
    rounds = other_bad = arg_seen = 0;
    lg_test_entry_rsp = 0;
    set_mxcsr(MXCSR_NEAREST);
    set_fpucw(FPUCW_EXTENDED);
    other_sp = lg_ctx_make(stack + 65536, lg_test_entry_probe, (void *)0x1234);
    for (uint64_t i = 0; i < 1000; i++) {
        bad += lg_test_switch_keeping_pattern(&main_sp, other_sp, 0x9000 + i * 64);
        if (get_mxcsr() != MXCSR_NEAREST || get_fpucw() != FPUCW_EXTENDED) fp_bad++;
    }
    set_mxcsr(saved_mxcsr);
    set_fpucw(saved_fpucw);
    CHECK(bad == 0, "%ld callee-saved registers of the first context changed across switches", bad);
    CHECK(fp_bad == 0, "MXCSR or the x87 control word of the first context changed %ld times", fp_bad);
    CHECK(other_bad == 0, "%ld registers or control words of the new context changed", other_bad);
    CHECK(rounds == 1000, "the new context ran %ld times for 1000 switches", rounds);
    CHECK(arg_seen == 0x1234, "the new context did not receive its argument");
    /* The ABI: at a function's first instruction rsp + 8 is a multiple of 16. */
    CHECK(lg_test_entry_rsp != 0 && (lg_test_entry_rsp + 8) % 16 == 0,
          "the new context's function started with rsp = %#lx, not 16-byte aligned before the call",
          (unsigned long)lg_test_entry_rsp);
    rc = 0;
out:
    free(stack); /* the other context is abandoned mid-loop: it owns nothing */
    return rc;
}
#else
int lg_test_context_registers(void) {
    return 0; /* the AArch64 switch is checked by fixtures/aarch64_switch_check.c */
}
#endif
