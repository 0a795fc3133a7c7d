/*
 * context.c - creating contexts for both switch implementations (see context.h).
 *
 * makecontext can pass only int arguments portably, so the (fn, arg) pair travels as
 * four 32-bit halves to a small start function.
 */
#include "context.h"
#include "runtime.h"
#include <stdint.h>
#include <stdlib.h>
#include <time.h>

lg_context_mode lg__context_mode = LG_CONTEXT_ASM;

static void ucontext_start(unsigned fn_hi, unsigned fn_lo, unsigned arg_hi, unsigned arg_lo) {
    void (*fn)(void *) = (void (*)(void *))(((uintptr_t)fn_hi << 32) | (uintptr_t)fn_lo);
    void *arg = (void *)(((uintptr_t)arg_hi << 32) | (uintptr_t)arg_lo);
    fn(arg);
    abort(); /* fn switches away for good and never returns */
}

void lg__context_make(lg_context *ctx, ucontext_t *uc, char *lo, char *hi, void (*fn)(void *), void *arg) {
    ctx->uc = uc;
#if LG_TSAN
    ctx->tsan_fiber = __tsan_create_fiber(0);
#else
    ctx->tsan_fiber = NULL;
#endif
#if !LG_NO_ASM_CONTEXT
    if (lg__context_mode == LG_CONTEXT_ASM) {
        ctx->sp = lg_ctx_make(hi, fn, arg);
        return;
    }
#endif
    ctx->sp = NULL;
    getcontext(uc);
    uc->uc_stack.ss_sp = lo;
    uc->uc_stack.ss_size = (size_t)(hi - lo);
    uc->uc_link = NULL;
    uintptr_t f = (uintptr_t)fn, a = (uintptr_t)arg;
    makecontext(uc, (void (*)(void))ucontext_start, 4, (unsigned)(f >> 32), (unsigned)f,
                (unsigned)(a >> 32), (unsigned)a);
}

void lg__context_init_thread(lg_context *ctx, ucontext_t *uc) {
    ctx->sp = NULL;
    ctx->uc = uc;
#if LG_TSAN
    ctx->tsan_fiber = __tsan_get_current_fiber();
#else
    ctx->tsan_fiber = NULL;
#endif
}

void lg__context_destroy(lg_context *ctx) {
#if LG_TSAN
    if (ctx->tsan_fiber) __tsan_destroy_fiber(ctx->tsan_fiber);
#endif
    ctx->tsan_fiber = NULL;
}

/* ---------------------------------------------------------------------------------
 * Measuring a bare switch: two contexts on one thread switching to each other, with
 * no scheduler in between. Only while the runtime is stopped (the mode is global).
 * --------------------------------------------------------------------------------- */

typedef struct bounce {
    lg_context main, other;
    ucontext_t main_uc, other_uc;
} bounce;

static void bounce_loop(void *arg) {
    bounce *b = arg;
    for (;;) lg__context_switch(&b->other, &b->main);
}

static uint64_t mono_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

double lg_measure_switch_ns(lg_context_mode mode, uint64_t round_trips) {
    if (lg__runtime_running() || round_trips == 0) return -1;
    lg_context_mode saved = lg__context_mode;
#if LG_NO_ASM_CONTEXT
    mode = LG_CONTEXT_UCONTEXT;
#endif
    lg__context_mode = mode;
    size_t size = 64 * 1024;
    char *stack = aligned_alloc(64, size);
    bounce *b = calloc(1, sizeof *b);
    if (!stack || !b) {
        free(stack);
        free(b);
        lg__context_mode = saved;
        return -1;
    }
    lg__context_init_thread(&b->main, &b->main_uc);
    lg__context_make(&b->other, &b->other_uc, stack, stack + size, bounce_loop, b);
    lg__context_switch(&b->main, &b->other); /* warm up */
    uint64_t t0 = mono_ns();
    for (uint64_t i = 0; i < round_trips; i++) lg__context_switch(&b->main, &b->other);
    uint64_t t1 = mono_ns();
    lg__context_destroy(&b->other);
    free(stack);
    free(b);
    lg__context_mode = saved;
    return (double)(t1 - t0) / (double)(2 * round_trips);
}
