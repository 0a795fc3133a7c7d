/*
 * runtime.h - the runtime's internal structures, shared by its C files.
 *
 * The cast (Go's G, M and P, under the runtime's own names):
 *
 *   lg_legion  (G) a lightweight thread: a state word, maybe a native stack.
 *   lg_thread  (M) an OS thread of the runtime. It runs the scheduler loop on its own
 *                  thread stack ("g0") and switches from there into legions.
 *   lg_worker  (P) the right to run legions, with the queues that go with it: a
 *                  Chase-Lev deque, a runnext slot, a stack pool, counters, a preempt
 *                  flag. There are exactly cfg.workers of them. A worker is held by one
 *                  thread at a time; normally the same thread for life, but when that
 *                  thread blocks inside lg_blocking_enter/exit the monitor may hand the
 *                  worker to a spare thread (the adaptive thread pool, thread.c).
 *
 * Ownership notation used on every shared field below:
 *   [owner]    only the thread holding the worker (or running on that thread) touches it
 *   [self]     only the thread itself (and its signal handlers)
 *   [L:name]   under the named mutex
 *   [A:order]  an atomic; the orders used are listed
 *   [imm]      written before publication, read-only afterwards
 *
 * The design of each part is at the top of its file: scheduler.c (the loop, queues,
 * spinning and parking), legion.c (the state machine of a legion), stack.c (native
 * stacks), thread.c (threads, TLS, blocking calls), sysmon.c (the monitor), timer.c,
 * poller.c (legions waiting on file descriptors),
 * stats.c, trace.c, runtime.c (configuration, start, shutdown, quiescence).
 */
#ifndef CLEGION_RUNTIME_H
#define CLEGION_RUNTIME_H

#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include "clegion.h"
#include "context.h"
#include "deque.h"

#define LG_CACHELINE 64
#define LG_LIKELY(x) __builtin_expect(!!(x), 1)
#define LG_UNLIKELY(x) __builtin_expect(!!(x), 0)
#define LG_HIDDEN __attribute__((visibility("hidden")))

/* ---------------------------------------------------------------------------------
 * Legions. The state word (lg_legion.state) packs:
 *   bits 0-1  the state: ACTIVE (runnable or running), PARKED, DEAD
 *   bit  2    WAKE: a ready arrived while the legion was not parked (a permit)
 *   bit  3    DEADLINE: parked with a timer armed
 *   bits 8-63 the park generation, incremented by every park, so a timer can tell
 *             whether the park it was armed for is still the current one
 * RUNNABLE and RUNNING share the encoding ACTIVE: no other thread needs to tell them
 * apart (a ready on either leaves a permit), so moving between a queue and a worker
 * costs no atomic operation. legion.c documents the transitions.
 * --------------------------------------------------------------------------------- */
#define LG_ST_MASK 3u
#define LG_ST_ACTIVE 0u
#define LG_ST_PARKED 2u
#define LG_ST_DEAD 3u
#define LG_ST_WAKE 4u
#define LG_ST_DEADLINE 8u
#define LG_ST_GEN_ONE (UINT64_C(1) << 8)
#define LG_ST_GEN(s) ((s) >> 8)

enum { LG_KIND_STACKFUL = 0, LG_KIND_RESUMABLE = 1 };

typedef struct lg_stack lg_stack;
typedef struct lg_thread lg_thread;
typedef struct lg_worker lg_worker;

struct lg_legion {
    _Atomic uint64_t state;  /* [A: acq_rel CAS, acquire loads] see legion.c */
    _Atomic uint32_t refs;   /* [A: relaxed increments, acq_rel decrement] 1 for being alive, 1 per armed timer, 1 per lg_legion_retain */
    uint8_t kind;            /* [imm] */
    bool woken_front;        /* [L:gq_lock] pushed to the front of the global queue by its timer (here, beside kind, so the struct is 104 bytes, not 112) */
    uint64_t id;             /* [imm] */
    lg_entry_fn entry;       /* [imm] stackful */
    lg_step_fn step;         /* [imm] resumable */
    void *user;              /* the embedder's; the runtime only passes it on */
    size_t stack_size;       /* [imm] 0: the default */
    /* The fields below belong to the thread that runs the legion or performs its
     * transition (the RUNNING side of the state word); they are handed over with it
     * through the release/acquire of the state word and of the queues. */
    lg_stack *stack;         /* its native stack: always while running; while parked only if pinned */
    lg_commit_fn commit;     /* the pending park's commit */
    void *commit_arg;
    uint64_t deadline;       /* the pending park's deadline, 0: none */
    lg_legion *next;         /* link in the global queue or a free list: owned by that list */
    int64_t timer_index;     /* [L:timer lock] position in the timer heap, -1: none */
    uint64_t sched_priority; /* seeded: [owner] PCT priority (schedule_seeded.c), 0 until first runnable */
    lg_legion *io_next;      /* [L:the descriptor's lock] link in a descriptor's queue of waiters (poller.c) */
};

/* ---------------------------------------------------------------------------------
 * Native stacks (stack.c). The descriptor lives at the very top of its own mapping:
 *   [ guard (PROT_NONE) | usable stack, grows down from hi ... | lg_stack ]
 *   map                  lo                                      hi
 * --------------------------------------------------------------------------------- */
struct lg_stack {
    lg_context ctx;          /* the context suspended on this stack: [owner of the stack] */
    ucontext_t uc;           /* ucontext mode storage for ctx */
    char *map;               /* [imm] start of the mapping (the guard region) */
    size_t map_len;          /* [imm] */
    char *lo, *hi;           /* [imm] usable range; the guard is [map, lo) */
    size_t size;             /* [imm] usable bytes as configured (for messages) */
    bool pooled_size;        /* [imm] the default size: may go into a pool */
    bool used;               /* [owner of the stack] run on since its residency was last checked */
    uint32_t uses;           /* [owner of the stack] releases since the last check */
    char *low_sp;            /* [owner of the stack] deepest stack pointer seen at a switch since the last check */
    lg_stack *next;          /* pool link: [owner] of the pool's worker */
    lg_stack *reg_prev, *reg_next; /* [L:stacks lock] registry of all mapped stacks */
};

/* ---------------------------------------------------------------------------------
 * Per-worker counters: written only by the worker's owner with relaxed load+store
 * (no read-modify-write needed: single writer), read by anyone with relaxed loads.
 * --------------------------------------------------------------------------------- */
typedef struct lg_counters {
    _Atomic uint64_t runs, spawns, steal_tries, steal_successes, stolen, preemptions, parks,
        yields, stack_pool_hits, stack_pool_misses, stack_high_water, global_takes, timers_fired;
} lg_counters;

#define LG_STAT_ADD(p, field, n)                                                               \
    atomic_store_explicit(&(p)->stats.field,                                                   \
                          atomic_load_explicit(&(p)->stats.field, memory_order_relaxed) + (n), \
                          memory_order_relaxed)

/* Trace events (trace.c), appended by the worker's owner. */
enum { LG_EV_RUN_BEGIN = 1, LG_EV_RUN_END, LG_EV_SPAWN, LG_EV_PARK, LG_EV_STEAL, LG_EV_PREEMPT };
typedef struct lg_trace_event {
    uint64_t ts;      /* ns since lg_start */
    uint64_t legion;  /* legion id, or the victim worker for STEAL */
    uint32_t kind;
    uint32_t arg;     /* STEAL: legions moved */
} lg_trace_event;

/* Worker status word, for the blocking-call bracket (thread.c): the low 2 bits are
 * LG_P_RUNNING or LG_P_BLOCKING, the rest an epoch that every hand-off increments, so a
 * thread coming back from a blocking call can tell "still mine" from "given away, and
 * the new holder is blocking too" (no ABA). */
enum { LG_P_RUNNING = 0, LG_P_BLOCKING = 1 };
#define LG_P_STATE(s) ((unsigned)((s) & 3u))
#define LG_P_EPOCH_ONE 4u

struct lg_worker {
    unsigned index;                    /* [imm] */
    lg_deque deque;                    /* [owner] pushes/takes, anyone steals (deque.c) */
    _Atomic(lg_legion *) runnext;      /* [A: acq_rel exchange] owner puts/takes, thieves take late (scheduler.c) */

    _Alignas(LG_CACHELINE)
    _Atomic uint8_t preempt;           /* [A: relaxed] set by the monitor, signal handler, lg_preempt_all; cleared by owner when a run ends */
    _Atomic uint8_t in_legion;         /* [A: relaxed] owner: 1 while a legion runs; read by the monitor (a hint) */
    _Atomic uint32_t schedtick;        /* [A: relaxed] owner: +1 per run; the monitor sees a stuck legion by it */
    _Atomic uint64_t status;           /* [A: release store / acq_rel CAS] owner enters/leaves blocking, monitor hands off (thread.c) */
    _Atomic uint64_t blocking_since;   /* [A: relaxed, published by the release store of status] */
    _Atomic(lg_thread *) thread;       /* [A: release/acquire] the thread holding this worker */

    _Alignas(LG_CACHELINE)
    uint32_t tick;                     /* [owner] schedule calls, for the 1-in-61 global-queue poll */
    uint64_t rng;                      /* [owner] victim order */
    lg_stack *runner;                  /* [owner] idle stack on which resumable steps run (stackless mode) */
    lg_stack *pool;                    /* [owner] free native stacks of the default size */
    unsigned npool;                    /* [owner] */
    bool pool_dirty;                   /* [owner] some pooled stack or the runner is used but unchecked */
    lg_legion *free_legions;           /* [owner] legion memory to reuse */
    unsigned nfree;                    /* [owner] */
    uint64_t next_id, id_limit;        /* [owner] a block of ids taken from lg_rt.next_id_block */
    _Atomic uint64_t nspawned, nended; /* [owner writes, relaxed; others read relaxed] legions spawned here / ended here */
    lg_counters stats;                 /* [owner writes] */
    lg_trace_event *trace;             /* [owner appends] */
    size_t trace_cap;                  /* [imm] */
    _Atomic size_t trace_len;          /* [A: release by owner, acquire by the writer] */

    /* [monitor only] what the monitor last saw of this worker */
    uint32_t mon_tick;
    uint64_t mon_since;
    bool mon_flagged;
};

/* What a legion asks its thread's scheduler (g0) to do after switching to it.
 * LG_POST_RUN comes from a step runner that has finished the steps it ran itself
 * (legion.c, runner_main): give the runner back and run m->current next (NULL: look
 * for work). */
enum { LG_POST_NONE = 0, LG_POST_EXIT, LG_POST_YIELD, LG_POST_PARK, LG_POST_STEP, LG_POST_LOST_WORKER, LG_POST_RUN };

struct lg_thread {
    pthread_t self;                 /* [imm] pthread_self(), set by the thread before it is published */
    pthread_t join_handle;          /* [L:threads_lock] from pthread_create, for joining */
    lg_context g0;                  /* [self] the scheduler context on the thread's own stack */
    ucontext_t g0_uc;               /* [self] */
    lg_worker *p;                   /* [self]; a spare thread's is set by the monitor before it is woken */
    lg_legion *current;             /* [self] the legion running on this thread, or NULL on g0 (with LG_POST_RUN: the next to run) */
    lg_stack *cur_stack;            /* [self] its stack (for the SIGSEGV handler on this thread) */
    int post;                       /* [self] LG_POST_*, set by the legion, read by g0 */
    lg_step_result step_result;     /* [self] with LG_POST_STEP */
    bool spinning;                  /* [self], except while on the idle list: then the waker that pops it sets it, before the release store of park_word */
    bool in_blocking;               /* [self] inside lg_blocking_enter/exit */
    uint64_t blocking_epoch;        /* [self] the worker's status epoch when the bracket was entered */
    _Atomic uint32_t park_word;     /* [A: release store + futex wake by wakers; acquire by self] */
    bool on_idle;                   /* [L:idle_lock] on lg_rt.idle */
    lg_thread *idle_next;           /* [L:idle_lock] */
    bool on_spare;                  /* [L:threads_lock] on lg_rt.spares */
    lg_thread *spare_next;          /* [L:threads_lock] */
    lg_thread *all_next;            /* [L:threads_lock] every thread ever started, for joining */
    void *altstack;                 /* [self] sigaltstack for the overflow handler */
    size_t altstack_len;            /* [self] */
};

/* ---------------------------------------------------------------------------------
 * The runtime: one per process, set up by lg_start, torn down by lg_shutdown.
 * --------------------------------------------------------------------------------- */
typedef struct lg_runtime {
    lg_config cfg;                   /* [imm] with defaults applied */
    char *overflow_hint;             /* [imm] copy */
    char *trace_path;                /* [imm] copy */
    unsigned nworkers;               /* [imm] */
    lg_worker **workers;             /* [imm] array of nworkers */
    size_t page;                     /* [imm] */
    size_t stack_size;               /* [imm] usable bytes of a default stack */
    size_t guard_size;               /* [imm] */
    uint64_t time_slice_ns;          /* [imm] */
    uint64_t start_ns;               /* [imm] trace time origin */
    _Atomic int running;             /* [A: acquire/release] between start and shutdown */
    _Atomic int stopping;            /* [A: relaxed hint; seq_cst store] shutdown requested */

    /* Global queue: FIFO of runnable legions linked through lg_legion.next. */
    pthread_mutex_t gq_lock;
    lg_legion *gq_head, *gq_tail;    /* [L:gq_lock] */
    _Atomic size_t gq_size;          /* [L:gq_lock] for writes; relaxed reads are hints (seq_cst in the park protocol) */
    _Atomic size_t gq_woken;         /* [L:gq_lock] for writes; relaxed reads by the monitor: woken_front legions queued */

    /* Idle workers and spinning (scheduler.c). */
    pthread_mutex_t idle_lock;
    lg_thread *idle;                 /* [L:idle_lock] threads parked with their worker */
    unsigned nidle;                  /* [L:idle_lock] */
    _Atomic uint32_t nidle_hint;     /* [A: seq_cst] = nidle, readable without the lock */
    _Atomic uint32_t nspinning;      /* [A: seq_cst] threads looking for work to steal */

    /* Quiescence (runtime.c). */
    pthread_cond_t wait_cond;        /* with idle_lock */
    bool waiter_woken;               /* [L:idle_lock] */
    _Atomic uint32_t nblocking;      /* [A: seq_cst] threads inside lg_blocking_enter/exit */
    _Atomic uint64_t ext_spawned;    /* [A: relaxed] legions spawned from outside workers */

    /* Threads (thread.c). */
    pthread_mutex_t threads_lock;
    lg_thread *threads;              /* [L:threads_lock] all threads started, for joining */
    lg_thread *spares;               /* [L:threads_lock] idle spare threads */
    _Atomic uint64_t threads_started, threads_exited, handoffs, preempt_requests; /* [A: relaxed] */

    /* Monitor (sysmon.c). */
    pthread_t sysmon;
    _Atomic uint32_t sysmon_word;    /* [A: release + futex wake] wakes the monitor early */

    _Atomic uint64_t next_id_block;  /* [A: relaxed] next block of legion ids */
} lg_runtime;

extern lg_runtime lg_rt LG_HIDDEN;

/* thread.c */
LG_HIDDEN lg_thread *lg__current_thread(void); /* noinline: never cache across a switch */
LG_HIDDEN lg_worker *lg__current_worker(void); /* the worker of this thread, NULL outside / in a bracket */
LG_HIDDEN int lg__thread_start(lg_worker *p, lg_thread **out);
LG_HIDDEN void lg__handoff(lg_worker *p);       /* monitor: give a blocked worker to a spare thread */
LG_HIDDEN void lg__threads_stop_and_join(void);
LG_HIDDEN void lg__thread_signal_setup(lg_thread *m);
LG_HIDDEN void lg__thread_signal_teardown(lg_thread *m);

/* scheduler.c */
LG_HIDDEN void lg__schedule(lg_thread *m);      /* g0 loop while the thread holds a worker */
LG_HIDDEN lg_legion *lg__find_local(lg_worker *p); /* timers, runnext, deque (and the global queue 1 in 61) */
LG_HIDDEN void lg__wakep(void);                 /* wake an idle worker if none is spinning */
LG_HIDDEN void lg__gq_push(lg_legion *l);
LG_HIDDEN lg_legion *lg__gq_swap(lg_legion *l);   /* push l, pop the head, one lock */
LG_HIDDEN void lg__gq_push_front(lg_legion *l);
LG_HIDDEN void lg__wakep_hint(void);            /* lg__wakep without the fence: may miss */
LG_HIDDEN void lg__wake_all_idle(void);
LG_HIDDEN bool lg__quiescent_locked(void);      /* under idle_lock */
LG_HIDDEN int lg__idle_park(lg_thread *m, lg_worker *p); /* 0: look for work again, -1: stopping */
LG_HIDDEN lg_legion *lg__gq_take_all(void);     /* empties the global queue, returns it linked by next */

/* schedule_seeded.c: the seeded policy (lg_config.seeded) */
extern _Atomic bool lg__seeded_on LG_HIDDEN;
LG_HIDDEN int lg__seeded_start(void);
LG_HIDDEN void lg__seeded_stop(void);
LG_HIDDEN void lg__seeded_schedule(lg_thread *m); /* the worker's loop instead of lg__schedule's */
LG_HIDDEN void lg__seeded_requeue(lg_worker *p, lg_legion *l); /* a yield */
LG_HIDDEN uint64_t lg__seeded_trace_ns(void);
LG_HIDDEN bool lg__seeded_clock_stopped(void);

/* legion.c */
LG_HIDDEN void lg__run(lg_thread *m, lg_worker *p, lg_legion *l);
LG_HIDDEN bool lg__ready_gen(lg_legion *l, uint64_t gen); /* timer: ready only the park of generation gen */
LG_HIDDEN void lg__legions_free_all(void);
LG_HIDDEN size_t lg__legions_reclaim(void);  /* every worker parked, under idle_lock: frees empty slabs */

/* stack.c */
LG_HIDDEN int lg__stacks_start(void);
LG_HIDDEN void lg__stacks_stop(void);
LG_HIDDEN lg_stack *lg__stack_acquire(lg_worker *p, size_t size);
LG_HIDDEN void lg__stack_release(lg_worker *p, lg_stack *s);
LG_HIDDEN void lg__stack_pool_drain(lg_worker *p);
LG_HIDDEN void lg__stack_pool_trim(lg_worker *p); /* before the worker sleeps */
LG_HIDDEN void lg__stack_pool_shrink(lg_worker *p, unsigned keep); /* owner, or with the worker parked */
static inline void lg__stack_note_sp(lg_stack *s) { /* after a switch away from s */
    if ((char *)s->ctx.sp < s->low_sp && s->ctx.sp) s->low_sp = (char *)s->ctx.sp;
}
LG_HIDDEN int lg__overflow_handler_install(void);
LG_HIDDEN void lg__overflow_handler_remove(void);

/* timer.c */
extern _Atomic uint64_t lg__timer_next LG_HIDDEN; /* earliest deadline, UINT64_MAX: none */
LG_HIDDEN int lg__timers_start(void);
LG_HIDDEN void lg__timers_stop(void);
LG_HIDDEN void lg__timer_add(lg_legion *l, uint64_t deadline, uint64_t gen);
LG_HIDDEN void lg__timer_cancel(lg_legion *l);
LG_HIDDEN size_t lg__timers_fire(uint64_t now);
static inline bool lg__timers_due(uint64_t now) {
    return atomic_load_explicit(&lg__timer_next, memory_order_relaxed) <= now;
}

LG_HIDDEN void lg__quiescence_poke(void);     /* wake lg_wait if quiescent */

LG_HIDDEN int lg__runtime_running(void);

/* poller.c */
extern _Atomic uint64_t lg__poll_nwaiting LG_HIDDEN; /* legions waiting on descriptors */
LG_HIDDEN int lg__poller_start(void);
LG_HIDDEN void lg__poller_stop(void);
LG_HIDDEN bool lg__poll_pending(void);             /* some legion waits on a descriptor (relaxed) */
LG_HIDDEN size_t lg__poll_now(void);               /* poll without blocking, ready what is ready */
LG_HIDDEN int lg__poll_sleep(lg_thread *m, uint64_t timeout_ns); /* idle m as the one epoll sleeper: -1 if not */
LG_HIDDEN size_t lg__poll_sleep_finish(void);      /* after unidle: ready what the sleep returned */
LG_HIDDEN void lg__poll_break(lg_thread *m);       /* m was woken: get it out of epoll_wait */
LG_HIDDEN void lg__poll_monitor(uint64_t now);     /* the monitor's poll when nobody polled lately */

/* sysmon.c */
LG_HIDDEN int lg__sysmon_start(void);
LG_HIDDEN void lg__sysmon_stop(void);
LG_HIDDEN void lg__sysmon_kick(void);
LG_HIDDEN void lg__preempt_signal_install(void);
LG_HIDDEN void lg__preempt_signal_remove(void);

/* trace.c */
LG_HIDDEN int lg__trace_start(lg_worker *p);
LG_HIDDEN void lg__trace_stop(lg_worker *p);
static inline void lg__trace(lg_worker *p, uint32_t kind, uint64_t legion, uint32_t arg) {
    if (LG_LIKELY(!p->trace)) return;
    size_t n = atomic_load_explicit(&p->trace_len, memory_order_relaxed);
    if (n >= p->trace_cap) return; /* full: later events are dropped */
    /* seeded: virtual time plus a microsecond per step, the same in every replay */
    uint64_t ts = LG_UNLIKELY(lg_rt.cfg.seeded) ? lg__seeded_trace_ns() : lg_now_ns() - lg_rt.start_ns;
    p->trace[n] = (lg_trace_event){ts, legion, kind, arg};
    /* release: the writer that reads trace_len (acquire) sees the event. */
    atomic_store_explicit(&p->trace_len, n + 1, memory_order_release);
}

#endif
