/*
 * context.h - one execution context (a suspended stack) and the switch between two.
 *
 * Every native stack carries exactly one context: whatever last switched away from
 * that stack (a stackful legion, a legion blocked in place inside a step, or the step
 * runner of a worker). Each OS thread of the runtime has one more, "g0": its own thread
 * stack, on which the scheduler loop runs. All switches go legion -> g0 -> legion, so
 * that work which must happen after a legion is off its stack (committing a park,
 * freeing a stack) runs on g0.
 *
 * Two implementations, chosen once per lg_start (lg__context_mode):
 *   asm       lg_ctx_switch in context_<arch>.S (x86_64, aarch64, riscv64): a stack
 *             pointer per context;
 *   ucontext  swapcontext: a ucontext_t per context (it also saves the signal mask,
 *             with a system call: the cost the asm switch exists to avoid).
 *
 * ThreadSanitizer: each context is also a TSan fiber, and every switch announces the
 * target fiber first, so TSan keeps a separate shadow stack per legion and treats the
 * switch as a synchronisation (what one legion did before switching happens before
 * what the next one does on that thread).
 */
#ifndef CLEGION_CONTEXT_H
#define CLEGION_CONTEXT_H

#include <stddef.h>
#include <ucontext.h>
#include "clegion.h"

#if defined(__has_feature)
#  if __has_feature(thread_sanitizer)
#    define LG_TSAN 1
#  endif
#endif
#if defined(__SANITIZE_THREAD__) && !defined(LG_TSAN)
#  define LG_TSAN 1
#endif

#if LG_TSAN
void *__tsan_get_current_fiber(void);
void *__tsan_create_fiber(unsigned flags);
void __tsan_destroy_fiber(void *fiber);
void __tsan_switch_to_fiber(void *fiber, unsigned flags);
#endif

#if !defined(__x86_64__) && !defined(__aarch64__) && \
    !(defined(__riscv) && __riscv_xlen == 64 && defined(__riscv_float_abi_double))
#  define LG_NO_ASM_CONTEXT 1 /* only the ucontext implementation exists here */
#endif

/* Implemented in context_<arch>.S. */
void lg_ctx_switch(void **from_sp, void *to_sp);
void *lg_ctx_make(void *stack_top, void (*fn)(void *), void *arg);

typedef struct lg_context {
    void *sp;          /* asm mode: the saved stack pointer */
    ucontext_t *uc;    /* ucontext mode: where the registers are saved */
    void *tsan_fiber;  /* TSan builds only */
} lg_context;

/* Chosen by lg_start before any thread exists; read-only while running. */
extern lg_context_mode lg__context_mode;

/* Makes ctx start fn(arg) on the stack whose usable part is [lo, hi). uc is storage
 * for the ucontext mode. */
void lg__context_make(lg_context *ctx, ucontext_t *uc, char *lo, char *hi, void (*fn)(void *), void *arg);
/* Makes ctx describe the calling thread's own stack (g0). */
void lg__context_init_thread(lg_context *ctx, ucontext_t *uc);
/* Forgets a context that will never run again (its TSan fiber). Not the current one. */
void lg__context_destroy(lg_context *ctx);

/* Suspends the caller into *from and resumes *to. Returns when something switches
 * back to *from, possibly on another OS thread. */
static inline void lg__context_switch(lg_context *from, lg_context *to) {
#if LG_TSAN
    __tsan_switch_to_fiber(to->tsan_fiber, 0);
#endif
#if LG_NO_ASM_CONTEXT
    swapcontext(from->uc, to->uc);
#else
    if (__builtin_expect(lg__context_mode == LG_CONTEXT_ASM, 1))
        lg_ctx_switch(&from->sp, to->sp);
    else
        swapcontext(from->uc, to->uc);
#endif
}

#endif
