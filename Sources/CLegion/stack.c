/*
 * stack.c - native stacks: mapping, guard regions, per-worker pools, shrinking, and
 * the handler that turns a stack overflow into a clear message.
 *
 * A native stack is one anonymous mapping (MAP_NORESERVE): a guard region at the low
 * end made PROT_NONE, the usable stack above it, and the lg_stack descriptor at the very
 * top (the stack grows down from just below it). The kernel commits pages on first
 * touch, so a 256 KiB stack that a legion uses 8 KiB of costs 8 KiB (plus page tables);
 * growth is free and copies nothing, which matters because C and Swift frames hold
 * pointers into their own stack. The price is two kernel mappings per stack (the
 * guard's protection splits the mapping), and Linux allows 65,530 mappings per
 * process by default: that is why parked resumable legions hold no stack at all.
 *
 * Pools and shrinking: a stack of the default size that is released goes into its
 * worker's pool (at most cfg.stack_pool_max; beyond that it is unmapped). Trimming a
 * stack reads the residency of its pages with mincore(2): the deepest resident page
 * gives the high-water mark for the statistics (bytes actually touched, to a page), and
 * if anything below the hot top (cfg.stack_hot_size) is resident, that part is given
 * back with madvise(MADV_DONTNEED): the stack shrinks to its hot top and a later legion
 * gets zero-filled pages on demand. Each of those system calls costs 0.6-1.5 us on the
 * project's machines, several times a whole spawn-run-exit of a legion (about 0.2 us),
 * so a released stack is trimmed at once only when a switch showed its legion below
 * the hot top (lg_stack.low_sp, free to record in asm mode) or after 32 uses; the other
 * released stacks are trimmed by their worker just before it next sleeps
 * (lg__stack_pool_trim, idle time), together with the step runner if it was used.
 * So memory goes back at the latest when the worker runs out of work, and a hot
 * spawn loop pays one mincore per 32 legions.
 *
 * Overflow: each runtime thread has a sigaltstack and the process a SIGSEGV/SIGBUS
 * handler. A fault in the guard region of the stack the thread is running (or a fault
 * just below the stack with the stack pointer already past its bottom) is reported with
 * the legion's id, its stack size and how to raise it, and the process exits with
 * status 70 (EX_SOFTWARE). Any other fault goes to the previous handler, or to the
 * default action (re-raised).
 *
 * Registry: every mapped stack is on a list (stacks_lock) so that lg_shutdown can unmap
 * stacks still pinned by parked legions, and lg_live_stacks can count them.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "runtime.h"

#define LG_OVERFLOW_EXIT 70

static pthread_mutex_t stacks_lock = PTHREAD_MUTEX_INITIALIZER;
static lg_stack *registry;             /* [L:stacks_lock] */
static _Atomic size_t nstacks;         /* [A: relaxed] mapped stacks */

static size_t round_up(size_t n, size_t to) {
    return (n + to - 1) / to * to;
}

static lg_stack *stack_map(size_t size) {
    size_t page = lg_rt.page;
    size_t header = round_up(sizeof(lg_stack), 64);
    size_t len = lg_rt.guard_size + round_up(size + header, page);
    char *map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK,
                     -1, 0);
    if (map == MAP_FAILED) return NULL; /* errno: ENOMEM for memory and for vm.max_map_count */
    if (mprotect(map, lg_rt.guard_size, PROT_NONE) != 0) {
        int e = errno; /* the split of the mapping may pass vm.max_map_count */
        munmap(map, len);
        errno = e;
        return NULL;
    }
    lg_stack *s = (lg_stack *)(map + len - header);
    memset(s, 0, sizeof *s);
    s->map = map;
    s->map_len = len;
    s->lo = map + lg_rt.guard_size;
    s->hi = (char *)s;
    s->size = size;
    s->pooled_size = size == lg_rt.stack_size;
    s->low_sp = s->hi;
    pthread_mutex_lock(&stacks_lock);
    s->reg_next = registry;
    if (registry) registry->reg_prev = s;
    registry = s;
    pthread_mutex_unlock(&stacks_lock);
    atomic_fetch_add_explicit(&nstacks, 1, memory_order_relaxed);
    return s;
}

static void stack_unmap(lg_stack *s) {
    pthread_mutex_lock(&stacks_lock);
    if (s->reg_prev) s->reg_prev->reg_next = s->reg_next;
    else registry = s->reg_next;
    if (s->reg_next) s->reg_next->reg_prev = s->reg_prev;
    pthread_mutex_unlock(&stacks_lock);
    atomic_fetch_sub_explicit(&nstacks, 1, memory_order_relaxed);
    munmap(s->map, s->map_len);
}

int lg__stacks_start(void) {
    return 0;
}

void lg__stacks_stop(void) {
    /* Every thread has been joined: nobody runs on these any more. */
    for (;;) {
        pthread_mutex_lock(&stacks_lock);
        lg_stack *s = registry;
        pthread_mutex_unlock(&stacks_lock);
        if (!s) break;
        lg__context_destroy(&s->ctx);
        stack_unmap(s);
    }
}

size_t lg_live_stacks(void) {
    return atomic_load_explicit(&nstacks, memory_order_relaxed);
}

lg_stack *lg__stack_acquire(lg_worker *p, size_t size) {
    if (size == 0) size = lg_rt.stack_size;
    if (!p) return stack_map(size); /* a spawn from outside the workers */
    if (size == lg_rt.stack_size && p->pool) {
        lg_stack *s = p->pool;
        p->pool = s->next;
        p->npool--;
        LG_STAT_ADD(p, stack_pool_hits, 1);
        return s;
    }
    LG_STAT_ADD(p, stack_pool_misses, 1);
    return stack_map(size);
}

/* Bytes from the top of s down to its deepest resident page (mincore), reading 1024
 * pages (4 MiB) per call from the top down and stopping at the first such window with
 * nothing resident: a stack is touched from its top down, so a 4 MiB hole below
 * everything resident ends it. One call for a stack up to 4 MiB; a huge stack costs
 * what its used part does, not its size. */
static size_t resident_depth(lg_stack *s) {
    size_t page = lg_rt.page;
    unsigned char vec[1024];
    char *top = (char *)((uintptr_t)s->hi & ~(uintptr_t)(page - 1)) + page; /* the descriptor's page too */
    size_t depth = 0;
    while (top > s->lo) {
        size_t pages = (size_t)(top - s->lo) / page;
        if (pages > sizeof vec) pages = sizeof vec;
        char *at = top - pages * page;
        if (mincore(at, pages * page, vec) != 0) break;
        size_t i = 0;
        while (i < pages && !(vec[i] & 1)) i++;
        if (i == pages) break;
        char *deepest = at + i * page;
        depth = deepest < s->hi ? (size_t)(s->hi - deepest) : 0;
        top = at;
    }
    return depth;
}

static size_t note_high_water(lg_worker *p, lg_stack *s) {
    size_t depth = resident_depth(s);
    if (depth > atomic_load_explicit(&p->stats.stack_high_water, memory_order_relaxed))
        atomic_store_explicit(&p->stats.stack_high_water, depth, memory_order_relaxed);
    return depth;
}

/* Reads the residency of s (one mincore call) to update the high-water mark, and if
 * anything below the hot top is resident, gives it back (one madvise call). */
static void trim(lg_worker *p, lg_stack *s) {
    size_t depth = note_high_water(p, s);
    size_t hot = lg_rt.cfg.stack_hot_size;
    if (depth > hot) {
        char *keep = (char *)((uintptr_t)(s->hi - hot) & ~(uintptr_t)(lg_rt.page - 1));
        if (keep > s->lo) madvise(s->lo, (size_t)(keep - s->lo), MADV_DONTNEED);
    }
    s->used = false;
    s->uses = 0;
    s->low_sp = s->hi;
}

void lg__stack_release(lg_worker *p, lg_stack *s) {
    lg__context_destroy(&s->ctx);
    if (!(s->pooled_size && p->npool < lg_rt.cfg.stack_pool_max)) {
        note_high_water(p, s);
        stack_unmap(s);
        return;
    }
    /* Trim now if a switch showed the legion below the hot top, or after 32 uses
     * (a deep excursion between switches goes unseen until then); otherwise the
     * worker trims its pool before it next sleeps. System calls cost a microsecond
     * or more each, several times a whole spawn-run-exit. */
    if (s->low_sp < s->hi - lg_rt.cfg.stack_hot_size || ++s->uses >= 32) trim(p, s);
    else p->pool_dirty = true;
    s->next = p->pool;
    p->pool = s;
    p->npool++;
}

void lg__stack_pool_trim(lg_worker *p) {
    if (!p->pool_dirty) return;
    for (lg_stack *s = p->pool; s; s = s->next)
        if (s->used) trim(p, s);
    if (p->runner && p->runner->used) trim(p, p->runner);
    p->pool_dirty = false;
}

void lg__stack_pool_shrink(lg_worker *p, unsigned keep) {
    while (p->npool > keep) {
        lg_stack *s = p->pool;
        p->pool = s->next;
        p->npool--;
        stack_unmap(s);
    }
}

void lg__stack_pool_drain(lg_worker *p) {
    while (p->pool) {
        lg_stack *s = p->pool;
        p->pool = s->next;
        stack_unmap(s);
    }
    p->npool = 0;
}

/* ---------------------------------------------------------------------------------
 * The overflow handler. Runs on the thread's sigaltstack; uses only
 * async-signal-safe calls (write, _exit, sigaction, raise).
 * --------------------------------------------------------------------------------- */
static struct sigaction old_segv, old_bus; /* [written at install/remove, before/after threads] */
static bool handler_installed;

static void put(const char *s) {
    size_t n = strlen(s);
    while (n) {
        ssize_t w = write(2, s, n);
        if (w <= 0) return;
        s += w;
        n -= (size_t)w;
    }
}

static char *fmt_u64(char *end, uint64_t v) { /* writes backwards, returns the start */
    *--end = 0;
    do *--end = (char)('0' + v % 10);
    while (v /= 10);
    return end;
}

static char *fmt_hex(char *end, uintptr_t v) {
    *--end = 0;
    do *--end = "0123456789abcdef"[v & 15];
    while (v >>= 4);
    *--end = 'x';
    *--end = '0';
    return end;
}

static void put_size(size_t bytes) {
    char buf[32];
    if (bytes >= (1u << 20) && bytes % (1u << 20) == 0) {
        put(fmt_u64(buf + sizeof buf, bytes >> 20));
        put(" MiB");
    } else if (bytes >= 1024 && bytes % 1024 == 0) {
        put(fmt_u64(buf + sizeof buf, bytes >> 10));
        put(" KiB");
    } else {
        put(fmt_u64(buf + sizeof buf, bytes));
        put(" bytes");
    }
}

static uintptr_t fault_sp(void *uctx) {
    ucontext_t *uc = uctx;
#if defined(__x86_64__)
    return (uintptr_t)uc->uc_mcontext.gregs[REG_RSP];
#elif defined(__aarch64__)
    return (uintptr_t)uc->uc_mcontext.sp;
#elif defined(__riscv)
    return (uintptr_t)uc->uc_mcontext.__gregs[2]; /* x2 is sp */
#else
    (void)uc;
    return 0;
#endif
}

static void overflow_handler(int sig, siginfo_t *si, void *uctx) {
    lg_thread *m = lg__current_thread();
    lg_stack *s = m ? m->cur_stack : NULL;
    if (s) {
        uintptr_t addr = (uintptr_t)si->si_addr, sp = fault_sp(uctx);
        uintptr_t lo = (uintptr_t)s->lo, map = (uintptr_t)s->map;
        bool in_guard = addr >= map && addr < lo;
        bool ran_off = sp != 0 && sp < lo + 256 && sp + (1u << 20) > map && addr < lo + 4096 && addr + (1u << 20) > map;
        if (in_guard || ran_off) {
            char buf[32];
            put("\nmalphas: legion ");
            put(fmt_u64(buf + sizeof buf, m->current ? m->current->id : 0));
            put(" overflowed its native stack of ");
            put_size(s->size);
            put(" (fault at ");
            put(fmt_hex(buf + sizeof buf, addr));
            put(in_guard ? ", in the guard region below the stack).\n" : ", just below the stack).\n");
            put(lg_rt.overflow_hint ? lg_rt.overflow_hint
                                    : "Give legions a larger native stack with lg_config.stack_size.");
            put("\n");
            _exit(LG_OVERFLOW_EXIT);
        }
    }
    /* Not ours: hand it to whoever had it before, or let the default action happen. */
    struct sigaction *old = sig == SIGBUS ? &old_bus : &old_segv;
    if ((old->sa_flags & SA_SIGINFO) && old->sa_sigaction) {
        old->sa_sigaction(sig, si, uctx);
        return;
    }
    if (old->sa_handler != SIG_DFL && old->sa_handler != SIG_IGN) {
        old->sa_handler(sig);
        return;
    }
    struct sigaction dfl;
    memset(&dfl, 0, sizeof dfl);
    dfl.sa_handler = SIG_DFL;
    sigaction(sig, &dfl, NULL);
    raise(sig); /* pending until we return; a fault would also simply recur */
}

int lg__overflow_handler_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = overflow_handler;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGSEGV, &sa, &old_segv) != 0) return -1;
    if (sigaction(SIGBUS, &sa, &old_bus) != 0) return -1;
    handler_installed = true;
    return 0;
}

void lg__overflow_handler_remove(void) {
    if (!handler_installed) return;
    sigaction(SIGSEGV, &old_segv, NULL);
    sigaction(SIGBUS, &old_bus, NULL);
    handler_installed = false;
}
