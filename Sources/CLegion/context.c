/*
 * context.c - creating contexts for both switch implementations (see context.h).
 *
 * makecontext can pass only int arguments portably, so the (fn, arg) pair travels as
 * four 32-bit halves to a small start function.
 */
#include "context.h"
#include <stdint.h>
#include <stdlib.h>

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
