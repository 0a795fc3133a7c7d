/*
 * runtime.c - configuration, start, shutdown and quiescence.
 *
 * lg_start fills the one lg_runtime (lg_rt) before any of its threads exists, so every
 * [imm] field is published to them by pthread_create. lg_shutdown undoes it in the
 * reverse order: stop the monitor (no more hand-offs or new threads), then wake and
 * join every thread, then free what is left (legions still parked or queued are freed
 * wholesale with their slabs; stacks still mapped through the registry).
 *
 * Quiescence (lg_wait): the runtime is quiescent when every worker is parked, the
 * global queue is empty, no timer is pending, no legion waits on I/O and no thread is inside a blocking
 * bracket (lg__quiescent_locked, evaluated under idle_lock). Nothing inside the runtime
 * can then make a legion runnable again. The transition into that state happens when
 * the last worker parks (scheduler.c) or when the last timer fires without readying
 * anyone (timer.c); both check under idle_lock and broadcast wait_cond. The count of
 * parked legions is spawned - ended, summed over the workers: with every worker parked
 * those counters are still, and idle_lock orders their last writes before our reads.
 */
#include <errno.h>
#include <stdio.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include "runtime.h"

lg_runtime lg_rt = {
    .gq_lock = PTHREAD_MUTEX_INITIALIZER,
    .idle_lock = PTHREAD_MUTEX_INITIALIZER,
    .threads_lock = PTHREAD_MUTEX_INITIALIZER,
};

static pthread_mutex_t start_lock = PTHREAD_MUTEX_INITIALIZER; /* serialises start and shutdown */
static pthread_once_t cond_once = PTHREAD_ONCE_INIT;

static void cond_init(void) {
    pthread_condattr_t a;
    pthread_condattr_init(&a);
    pthread_condattr_setclock(&a, CLOCK_MONOTONIC);
    pthread_cond_init(&lg_rt.wait_cond, &a);
    pthread_condattr_destroy(&a);
}

/* ---------------------------------------------------------------------------------
 * Configuration.
 * --------------------------------------------------------------------------------- */
void lg_config_init(lg_config *c) {
    memset(c, 0, sizeof *c);
    c->workers = 0;
    c->stack_size = 256 * 1024;
    c->stack_hot_size = 16 * 1024;
    c->stack_pool_max = 64;
    c->context = LG_CONTEXT_ASM;
    c->preempt = LG_PREEMPT_ON;
    c->time_slice_us = 10000;
    c->steal = LG_STEAL_RANDOM;
    c->stackless = true;
    c->trace = false;
    c->trace_capacity = 1u << 20;
    c->trace_path = NULL;
    c->overflow_hint = NULL;
    c->spare_idle_ms = 5000;
    c->blocking_handoff_us = 1000;
}

size_t lg_parse_size(const char *t) {
    if (!t || !*t) return 0;
    char *end;
    errno = 0;
    unsigned long long v = strtoull(t, &end, 10);
    if (errno || end == t) return 0;
    unsigned long long mul = 1;
    switch (*end) {
    case 0: break;
    case 'k': case 'K': mul = 1ull << 10; end++; break;
    case 'm': case 'M': mul = 1ull << 20; end++; break;
    case 'g': case 'G': mul = 1ull << 30; end++; break;
    default: return 0;
    }
    if (*end == 'i' || *end == 'I') end++;
    if (*end == 'b' || *end == 'B') end++;
    if (*end) return 0;
    if (v > (~0ull) / mul) return 0;
    return (size_t)(v * mul);
}

static int parse_bool(const char *v, bool *out) {
    if (!strcasecmp(v, "on") || !strcasecmp(v, "true") || !strcmp(v, "1") || !strcasecmp(v, "yes")) *out = true;
    else if (!strcasecmp(v, "off") || !strcasecmp(v, "false") || !strcmp(v, "0") || !strcasecmp(v, "no")) *out = false;
    else return -2;
    return 0;
}

static int parse_u32(const char *v, uint32_t *out) {
    char *end;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    if (errno || end == v || *end || n > UINT32_MAX) return -2;
    *out = (uint32_t)n;
    return 0;
}

int lg_config_set(lg_config *c, const char *key, const char *v) {
    if (!key || !v) return -2;
    if (!strcmp(key, "workers")) {
        uint32_t n;
        if (parse_u32(v, &n) || n > 4096) return -2;
        c->workers = n;
    } else if (!strcmp(key, "stack-size")) {
        size_t n = lg_parse_size(v);
        if (!n) return -2;
        c->stack_size = n;
    } else if (!strcmp(key, "stack-hot-size")) {
        size_t n = lg_parse_size(v);
        if (!n) return -2;
        c->stack_hot_size = n;
    } else if (!strcmp(key, "stack-pool")) {
        uint32_t n;
        if (parse_u32(v, &n)) return -2;
        c->stack_pool_max = n;
    } else if (!strcmp(key, "context")) {
        if (!strcmp(v, "asm")) c->context = LG_CONTEXT_ASM;
        else if (!strcmp(v, "ucontext")) c->context = LG_CONTEXT_UCONTEXT;
        else return -2;
    } else if (!strcmp(key, "preempt")) {
        if (!strcmp(v, "off")) c->preempt = LG_PREEMPT_OFF;
        else if (!strcmp(v, "on")) c->preempt = LG_PREEMPT_ON;
        else if (!strcmp(v, "signal")) c->preempt = LG_PREEMPT_SIGNAL;
        else return -2;
    } else if (!strcmp(key, "time-slice-us")) {
        if (parse_u32(v, &c->time_slice_us)) return -2;
    } else if (!strcmp(key, "steal")) {
        if (!strcmp(v, "random")) c->steal = LG_STEAL_RANDOM;
        else if (!strcmp(v, "most-loaded")) c->steal = LG_STEAL_MOST_LOADED;
        else if (!strcmp(v, "off")) c->steal = LG_STEAL_OFF;
        else return -2;
    } else if (!strcmp(key, "stackless")) {
        return parse_bool(v, &c->stackless);
    } else if (!strcmp(key, "trace")) {
        return parse_bool(v, &c->trace);
    } else if (!strcmp(key, "trace-capacity")) {
        size_t n = lg_parse_size(v);
        if (!n) return -2;
        c->trace_capacity = n;
    } else if (!strcmp(key, "overflow-hint")) {
        c->overflow_hint = v;
    } else if (!strcmp(key, "spare-idle-ms")) {
        if (parse_u32(v, &c->spare_idle_ms)) return -2;
    } else if (!strcmp(key, "blocking-handoff-us")) {
        if (parse_u32(v, &c->blocking_handoff_us)) return -2;
    } else if (!strcmp(key, "seed")) {
        char *end;
        errno = 0;
        unsigned long long n = strtoull(v, &end, 10);
        if (errno || end == v || *end || *v == '-') return -2;
        c->seeded = true;
        c->seed = n;
    } else if (!strcmp(key, "clock-limit-ms")) {
        uint32_t ms;
        if (parse_u32(v, &ms)) return -2;
        c->clock_limit_ns = (uint64_t)ms * 1000000u;
    } else {
        return -1;
    }
    return 0;
}

static unsigned cpu_count(void) {
    cpu_set_t set;
    if (sched_getaffinity(0, sizeof set, &set) == 0) {
        int n = CPU_COUNT(&set);
        if (n > 0) return (unsigned)n;
    }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 ? (unsigned)n : 1;
}

/* ---------------------------------------------------------------------------------
 * Start and shutdown.
 * --------------------------------------------------------------------------------- */
static void free_workers(void) {
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        lg_worker *p = lg_rt.workers[i];
        if (!p) continue;
        lg__deque_destroy(&p->deque);
        lg__trace_stop(p);
        free(p);
    }
    free(lg_rt.workers);
    lg_rt.workers = NULL;
    lg_rt.nworkers = 0;
}

static void teardown(void) {
    if (lg_rt.cfg.seeded) lg__seeded_stop();
    lg__poller_stop();
    lg__timers_stop();
    lg__stacks_stop();
    lg__legions_free_all();
    free_workers();
    lg__overflow_handler_remove();
    lg__preempt_signal_remove();
    free(lg_rt.overflow_hint);
    free(lg_rt.trace_path);
    lg_rt.overflow_hint = lg_rt.trace_path = NULL;
    lg_rt.gq_head = lg_rt.gq_tail = NULL;
    atomic_store(&lg_rt.gq_size, 0);
    lg_rt.idle = NULL;
    lg_rt.nidle = 0;
    atomic_store(&lg_rt.nidle_hint, 0);
    atomic_store(&lg_rt.nspinning, 0);
    atomic_store(&lg_rt.nblocking, 0);
    atomic_store(&lg_rt.stopping, 0);
}

int lg_start(const lg_config *config) {
    pthread_once(&cond_once, cond_init);
    pthread_mutex_lock(&start_lock);
    if (atomic_load(&lg_rt.running)) {
        pthread_mutex_unlock(&start_lock);
        errno = EBUSY;
        return -1;
    }
    lg_config c;
    if (config) c = *config;
    else lg_config_init(&c);
    lg_config d;
    lg_config_init(&d);
    if (!c.workers) c.workers = cpu_count();
    if (!c.stack_size) c.stack_size = d.stack_size;
    if (!c.stack_hot_size) c.stack_hot_size = d.stack_hot_size;
    if (!c.time_slice_us) c.time_slice_us = d.time_slice_us;
    if (!c.trace_capacity) c.trace_capacity = d.trace_capacity;
    if (!c.spare_idle_ms) c.spare_idle_ms = d.spare_idle_ms;
    if (!c.blocking_handoff_us) c.blocking_handoff_us = d.blocking_handoff_us;
#if LG_NO_ASM_CONTEXT
    c.context = LG_CONTEXT_UCONTEXT;
#endif
    if (c.seeded) { /* seeded: one worker, nothing decided by timing */
        c.workers = 1;
        c.steal = LG_STEAL_OFF;
        c.preempt = LG_PREEMPT_OFF;
    }

    lg_rt.page = (size_t)sysconf(_SC_PAGESIZE);
    lg_rt.stack_size = (c.stack_size + lg_rt.page - 1) & ~(lg_rt.page - 1);
    c.stack_size = lg_rt.stack_size;
    c.stack_hot_size = (c.stack_hot_size + lg_rt.page - 1) & ~(lg_rt.page - 1);
    lg_rt.guard_size = 64 * 1024 > lg_rt.page ? 64 * 1024 : lg_rt.page;
    lg_rt.time_slice_ns = (uint64_t)c.time_slice_us * 1000u;
    lg_rt.overflow_hint = c.overflow_hint ? strdup(c.overflow_hint) : NULL;
    lg_rt.trace_path = c.trace_path ? strdup(c.trace_path) : NULL;
    c.overflow_hint = lg_rt.overflow_hint;
    c.trace_path = lg_rt.trace_path;
    lg_rt.cfg = c;
    lg__context_mode = c.context;
    lg_rt.waiter_woken = false;
    atomic_store(&lg_rt.ext_spawned, 0);
    atomic_store(&lg_rt.threads_started, 0);
    atomic_store(&lg_rt.threads_exited, 0);
    atomic_store(&lg_rt.handoffs, 0);
    atomic_store(&lg_rt.preempt_requests, 0);
    lg_rt.start_ns = lg_now_ns();

    lg_rt.nworkers = c.workers;
    lg_rt.workers = calloc(c.workers, sizeof(lg_worker *));
    if (!lg_rt.workers) goto fail;
    for (unsigned i = 0; i < c.workers; i++) {
        lg_worker *p = aligned_alloc(LG_CACHELINE, (sizeof(lg_worker) + LG_CACHELINE - 1) / LG_CACHELINE * LG_CACHELINE);
        if (!p) goto fail;
        memset(p, 0, sizeof *p);
        lg_rt.workers[i] = p;
        p->index = i;
        p->rng = 0x9e3779b97f4a7c15ull * (i + 1) ^ lg_rt.start_ns;
        if (!p->rng) p->rng = 1;
        if (lg__deque_init(&p->deque, 256) != 0) goto fail;
        if (lg__trace_start(p) != 0) goto fail;
    }
    if (lg__stacks_start() || lg__timers_start() || lg__poller_start() || lg__overflow_handler_install()) goto fail;
    if (c.seeded && lg__seeded_start() != 0) goto fail;
    if (c.preempt == LG_PREEMPT_SIGNAL) lg__preempt_signal_install();

    atomic_store_explicit(&lg_rt.running, 1, memory_order_release);
    for (unsigned i = 0; i < c.workers; i++) {
        if (lg__thread_start(lg_rt.workers[i], NULL) != 0) goto fail_threads;
    }
    if (!c.seeded && lg__sysmon_start() != 0) goto fail_threads; /* seeded: no monitor, no timing */
    pthread_mutex_unlock(&start_lock);
    return 0;

fail_threads : {
    int e = errno;
    atomic_store(&lg_rt.stopping, 1);
    atomic_store(&lg_rt.running, 0);
    lg__threads_stop_and_join();
    teardown();
    pthread_mutex_unlock(&start_lock);
    errno = e;
    return -1;
}
fail : {
    int e = errno ? errno : ENOMEM;
    teardown();
    pthread_mutex_unlock(&start_lock);
    errno = e;
    return -1;
}
}

static void refuse_on_runtime_thread(const char *what) {
    if (lg__current_thread()) {
        fprintf(stderr, "malphas legion runtime: %s called on one of the runtime's own threads; "
                        "call it from the embedder's thread\n", what);
        abort();
    }
}

void lg_shutdown(void) {
    refuse_on_runtime_thread("lg_shutdown");
    pthread_mutex_lock(&start_lock);
    if (!atomic_load(&lg_rt.running)) {
        pthread_mutex_unlock(&start_lock);
        return;
    }
    atomic_store_explicit(&lg_rt.stopping, 1, memory_order_seq_cst);
    lg_preempt_all(); /* running legions: come to a safe point */
    if (!lg_rt.cfg.seeded) lg__sysmon_stop();
    lg__threads_stop_and_join();
    if (lg_rt.trace_path) lg_trace_write(lg_rt.trace_path);
    atomic_store_explicit(&lg_rt.running, 0, memory_order_release);
    /* Wake a waiter still blocked in lg_wait: nothing will ever run again. */
    pthread_mutex_lock(&lg_rt.idle_lock);
    pthread_cond_broadcast(&lg_rt.wait_cond);
    pthread_mutex_unlock(&lg_rt.idle_lock);
    teardown();
    pthread_mutex_unlock(&start_lock);
}

int lg__runtime_running(void) {
    return atomic_load_explicit(&lg_rt.running, memory_order_acquire);
}

unsigned lg_num_workers(void) {
    return atomic_load_explicit(&lg_rt.running, memory_order_acquire) ? lg_rt.nworkers : 0;
}

const lg_config *lg_current_config(void) {
    return &lg_rt.cfg;
}

/* ---------------------------------------------------------------------------------
 * Quiescence.
 * --------------------------------------------------------------------------------- */
/* Relaxed reads of counters other threads are changing: exact once the runtime is
 * quiescent, a close estimate while it runs. An end counted on one worker may be seen
 * before the spawn counted on another, so a running sum can dip below zero: clamp. */
size_t lg_legions_alive(void) {
    int64_t alive = (int64_t)atomic_load_explicit(&lg_rt.ext_spawned, memory_order_relaxed);
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        alive += (int64_t)atomic_load_explicit(&lg_rt.workers[i]->nspawned, memory_order_relaxed);
        alive -= (int64_t)atomic_load_explicit(&lg_rt.workers[i]->nended, memory_order_relaxed);
    }
    return alive > 0 ? (size_t)alive : 0;
}

void lg__quiescence_poke(void) {
    pthread_mutex_lock(&lg_rt.idle_lock);
    if (lg__quiescent_locked()) pthread_cond_broadcast(&lg_rt.wait_cond);
    pthread_mutex_unlock(&lg_rt.idle_lock);
}

lg_wait_result lg_wait(uint64_t timeout_ns, size_t *parked) {
    refuse_on_runtime_thread("lg_wait");
    pthread_once(&cond_once, cond_init);
    struct timespec deadline;
    if (timeout_ns != UINT64_MAX) {
        clock_gettime(CLOCK_MONOTONIC, &deadline);
        uint64_t ns = (uint64_t)deadline.tv_nsec + timeout_ns % 1000000000u;
        deadline.tv_sec += (time_t)(timeout_ns / 1000000000u + ns / 1000000000u);
        deadline.tv_nsec = (long)(ns % 1000000000u);
    }
    pthread_mutex_lock(&lg_rt.idle_lock);
    lg_wait_result r;
    for (;;) {
        if (lg_rt.waiter_woken) {
            lg_rt.waiter_woken = false;
            r = LG_WAIT_WOKEN;
            break;
        }
        if (!atomic_load_explicit(&lg_rt.running, memory_order_acquire)) {
            if (parked) *parked = 0;
            r = LG_WAIT_QUIESCENT;
            break;
        }
        if (lg__quiescent_locked()) {
            if (parked) *parked = lg_legions_alive();
            r = LG_WAIT_QUIESCENT;
            break;
        }
        if (timeout_ns == UINT64_MAX) {
            pthread_cond_wait(&lg_rt.wait_cond, &lg_rt.idle_lock);
        } else if (pthread_cond_timedwait(&lg_rt.wait_cond, &lg_rt.idle_lock, &deadline) == ETIMEDOUT) {
            if (lg__quiescent_locked()) {
                if (parked) *parked = lg_legions_alive();
                r = LG_WAIT_QUIESCENT;
            } else {
                r = LG_WAIT_TIMEOUT;
            }
            break;
        }
    }
    pthread_mutex_unlock(&lg_rt.idle_lock);
    return r;
}

size_t lg_wait_quiescent(void) {
    size_t parked = 0;
    for (;;) {
        lg_wait_result r = lg_wait(UINT64_MAX, &parked);
        if (r == LG_WAIT_QUIESCENT) return parked;
        /* LG_WAIT_WOKEN: this call waits for quiescence only (and consumes the wake). */
    }
}

void lg_wake_waiter(void) {
    pthread_once(&cond_once, cond_init);
    pthread_mutex_lock(&lg_rt.idle_lock);
    lg_rt.waiter_woken = true;
    pthread_cond_broadcast(&lg_rt.wait_cond);
    pthread_mutex_unlock(&lg_rt.idle_lock);
}
