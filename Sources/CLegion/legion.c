/*
 * legion.c - legions: spawning, running, parking, readying and ending.
 *
 * The state machine (state word in runtime.h; "g0" is the scheduler context of the
 * thread that ran the legion, which handles everything after the legion switched out):
 *
 *   spawn ──> RUNNABLE ──(a worker takes it from a queue; lg__run)──> RUNNING
 *   RUNNING ──(lg_yield / step YIELD; g0 pushes it on the global queue)──> RUNNABLE
 *   RUNNING ──(lg_park / step PARK; g0 runs the commit, then CAS)──> PARKED
 *   PARKED ──(lg_ready from anyone, or its timer; CAS, then queued)──> RUNNABLE
 *   RUNNING ──(entry returns / step DONE; g0 frees its stack)──> DEAD
 *   RUNNING ──(blocking bracket lost its worker; g0 queues it globally)──> RUNNABLE
 *
 * RUNNABLE and RUNNING are one value in the state word (ACTIVE): which of the two a
 * legion is in is known from who holds it (a queue or a thread), and nobody else
 * needs to know. Only the transitions into and out of PARKED, and into DEAD, are
 * atomic operations.
 *
 * Parking never loses a wakeup (Go's gopark with an unlock function). The legion first
 * switches to g0 with the state still RUNNING (a stackless legion instead returns from
 * its step, and its runner plays g0's part: run_next_here); only then does g0 run the
 * commit (which,
 * say, unlocks the channel on which the legion queued itself), and only after that does
 * it try RUNNING -> PARKED with a CAS. A ready that lands between the unlock and the CAS
 * finds RUNNING and sets the WAKE bit instead; the CAS then fails on WAKE and g0 resumes
 * the legion at once. A ready that comes after the CAS finds PARKED and queues it; its
 * context was saved before the switch, and the release CAS / acquire CAS pair makes it
 * visible to whichever thread runs it next. A commit that returns false cancels the
 * park the same way. WAKE also means a ready before a park is a permit, like unpark.
 *
 * Who may touch what: while RUNNING a legion's fields belong to the thread running it
 * (and that thread's g0); while RUNNABLE to the queue holding it; while PARKED to
 * nobody but the thread that wins the PARKED -> RUNNABLE CAS. Memory orders: the CAS
 * into PARKED is release (publishes the saved context), every CAS out of PARKED or
 * that sets WAKE is acq_rel (takes the context, publishes the readier's writes), and
 * the queues themselves carry release/acquire (deque.c, scheduler.c).
 *
 * Deadlines: a park may carry a deadline. After the CAS into PARKED (with DEADLINE set
 * and the generation advanced), g0 arms a timer holding a reference to the legion and
 * the generation. lg_ready of a DEADLINE park cancels the timer; a timer that fires
 * readies the legion only if it is still parked in that same generation.
 *
 * Memory of legions comes from slabs, reused through a per-worker free list (owner
 * only) that spills to a global one (slab_lock). A legion is freed when its last
 * reference goes: 1 for being alive, 1 per armed timer, 1 per lg_legion_retain. Slabs
 * whose legions are all free go back to the allocator when the monitor reclaims memory
 * from an idle runtime (lg__legions_reclaim, see sysmon.c); the rest live until
 * lg_shutdown.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "runtime.h"

/* ---------------------------------------------------------------------------------
 * Memory.
 * --------------------------------------------------------------------------------- */
#define SLAB_LEGIONS 256
#define LOCAL_FREE_MAX 1024

static pthread_mutex_t slab_lock = PTHREAD_MUTEX_INITIALIZER;
static void **slabs;             /* [L:slab_lock] every slab, freed at shutdown */
static size_t nslabs, slabs_cap; /* [L:slab_lock] */
static lg_legion *global_free;   /* [L:slab_lock] */

/* Ids are unique for the life of the process (not reset by lg_start). Workers take
 * blocks of 1024 so that spawning does not contend on one cache line. */
static _Atomic uint64_t next_id = 1; /* [A: relaxed] */

static uint64_t new_id(lg_worker *p) {
    if (!p) return atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    if (p->next_id == p->id_limit) {
        p->next_id = atomic_fetch_add_explicit(&next_id, 1024, memory_order_relaxed);
        p->id_limit = p->next_id + 1024;
    }
    return p->next_id++;
}

static lg_legion *legion_alloc(lg_worker *p) {
    if (p && p->free_legions) {
        lg_legion *l = p->free_legions;
        p->free_legions = l->next;
        p->nfree--;
        return l;
    }
    pthread_mutex_lock(&slab_lock);
    if (!global_free) {
        if (nslabs == slabs_cap) {
            size_t cap = slabs_cap ? slabs_cap * 2 : 64;
            void **n = realloc(slabs, cap * sizeof(void *));
            if (!n) goto fail;
            slabs = n;
            slabs_cap = cap;
        }
        lg_legion *slab = calloc(SLAB_LEGIONS, sizeof(lg_legion));
        if (!slab) goto fail;
        slabs[nslabs++] = slab;
        for (int i = SLAB_LEGIONS - 1; i >= 0; i--) {
            slab[i].next = global_free;
            global_free = &slab[i];
        }
    }
    lg_legion *l = global_free;
    global_free = l->next;
    /* Refill the local list so the next spawns on this worker take no lock. */
    for (int i = 0; p && i < 64 && global_free; i++) {
        lg_legion *x = global_free;
        global_free = x->next;
        x->next = p->free_legions;
        p->free_legions = x;
        p->nfree++;
    }
    pthread_mutex_unlock(&slab_lock);
    return l;
fail:
    pthread_mutex_unlock(&slab_lock);
    return NULL;
}

static void legion_free(lg_legion *l) {
    lg_worker *p = lg__current_worker();
    if (p) {
        l->next = p->free_legions;
        p->free_legions = l;
        if (++p->nfree <= LOCAL_FREE_MAX) return;
        /* Legions spawned on one worker and ending on another pile up here: give half back. */
        lg_legion *head = p->free_legions, *tail = head;
        for (unsigned i = 1; i < LOCAL_FREE_MAX / 2; i++) tail = tail->next;
        p->free_legions = tail->next;
        p->nfree -= LOCAL_FREE_MAX / 2;
        pthread_mutex_lock(&slab_lock);
        tail->next = global_free;
        global_free = head;
        pthread_mutex_unlock(&slab_lock);
        return;
    }
    pthread_mutex_lock(&slab_lock);
    l->next = global_free;
    global_free = l;
    pthread_mutex_unlock(&slab_lock);
}

static int compare_addresses(const void *a, const void *b) {
    uintptr_t x = (uintptr_t)*(void *const *)a, y = (uintptr_t)*(void *const *)b;
    return x < y ? -1 : x > y;
}

/* The index in the sorted slabs of the slab holding l. */
static size_t slab_of(lg_legion *l) {
    size_t lo = 0, hi = nslabs;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if ((uintptr_t)slabs[mid] <= (uintptr_t)l) lo = mid;
        else hi = mid;
    }
    return lo;
}

size_t lg__legions_reclaim(void) {
    /* Every worker is parked (the caller holds idle_lock and saw all of them on the
     * idle list), so their free lists are ours to take: the idle_lock they released
     * when parking orders their last writes before our reads, and they take idle_lock
     * again before running. */
    pthread_mutex_lock(&slab_lock);
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        lg_worker *p = lg_rt.workers[i];
        while (p->free_legions) {
            lg_legion *l = p->free_legions;
            p->free_legions = l->next;
            l->next = global_free;
            global_free = l;
        }
        p->nfree = 0;
    }
    size_t freed = 0;
    uint16_t *nfree_in = nslabs ? calloc(nslabs, sizeof *nfree_in) : NULL;
    if (nfree_in) {
        qsort(slabs, nslabs, sizeof *slabs, compare_addresses);
        for (lg_legion *l = global_free; l; l = l->next) nfree_in[slab_of(l)]++;
        /* Keep the legions of the slabs that stay, in their order. */
        lg_legion **tail = &global_free;
        for (lg_legion *l = global_free; l; l = l->next)
            if (nfree_in[slab_of(l)] != SLAB_LEGIONS) {
                *tail = l;
                tail = &l->next;
            }
        *tail = NULL;
        size_t kept = 0;
        for (size_t i = 0; i < nslabs; i++) {
            if (nfree_in[i] == SLAB_LEGIONS) {
                free(slabs[i]);
                freed++;
            } else {
                slabs[kept++] = slabs[i];
            }
        }
        nslabs = kept;
        free(nfree_in);
    }
    pthread_mutex_unlock(&slab_lock);
    return freed;
}

void lg__legions_free_all(void) {
    pthread_mutex_lock(&slab_lock);
    for (size_t i = 0; i < nslabs; i++) free(slabs[i]);
    free(slabs);
    slabs = NULL;
    nslabs = slabs_cap = 0;
    global_free = NULL;
    pthread_mutex_unlock(&slab_lock);
}

void lg_legion_retain(lg_legion *l) {
    atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed);
}

void lg_legion_release(lg_legion *l) {
    /* acq_rel: the last releaser sees every other holder's accesses before freeing. */
    if (atomic_fetch_sub_explicit(&l->refs, 1, memory_order_acq_rel) == 1) legion_free(l);
}

/* ---------------------------------------------------------------------------------
 * Spawning.
 * --------------------------------------------------------------------------------- */
static void runner_main(void *arg);
static uint64_t spawn(uint8_t kind, lg_entry_fn entry, lg_step_fn step, void *user,
                      const lg_spawn_attr *attr) {
    if (!atomic_load_explicit(&lg_rt.running, memory_order_acquire)) {
        errno = EINVAL;
        return 0;
    }
    lg_worker *p = lg__current_worker();
    lg_legion *l = legion_alloc(p);
    if (!l) {
        errno = ENOMEM;
        return 0;
    }
    atomic_init(&l->state, LG_ST_ACTIVE);
    atomic_init(&l->refs, 1);
    l->kind = kind;
    l->entry = entry;
    l->step = step;
    l->user = user;
    l->stack_size = 0;
    if (attr && attr->stack_size) {
        size_t pg = lg_rt.page;
        size_t sz = (attr->stack_size + pg - 1) & ~(pg - 1);
        if (sz != lg_rt.stack_size) l->stack_size = sz;
    }
    l->stack = NULL;
    if (kind == LG_KIND_RESUMABLE && (!lg_rt.cfg.stackless || l->stack_size)) {
        /* It keeps a stack for life: map it now, so that running out of memory or of
         * mappings fails this spawn rather than the legion later. */
        lg_stack *s = lg__stack_acquire(p, l->stack_size);
        if (!s) {
            legion_free(l);
            errno = ENOMEM;
            return 0;
        }
        lg__context_make(&s->ctx, &s->uc, s->lo, s->hi, runner_main, s);
        l->stack = s;
    }
    uint64_t id = new_id(p);
    l->id = id;
    l->commit = NULL;
    l->commit_arg = NULL;
    l->deadline = 0;
    l->next = NULL;
    l->woken_front = false;
    l->timer_index = -1;
    l->sched_priority = 0;
    l->io_next = NULL;
    if (p) {
        atomic_store_explicit(&p->nspawned, atomic_load_explicit(&p->nspawned, memory_order_relaxed) + 1,
                              memory_order_relaxed);
        LG_STAT_ADD(p, spawns, 1);
        lg__trace(p, LG_EV_SPAWN, id, 0);
        /* Onto our own deque (the spawner's data is in this cache); l may be stolen,
         * run and freed from here on, so it is not touched again. */
        if (lg__deque_push(&p->deque, l) != 0) lg__gq_push(l);
        if (lg_rt.cfg.steal != LG_STEAL_OFF) lg__wakep();
    } else {
        atomic_fetch_add_explicit(&lg_rt.ext_spawned, 1, memory_order_relaxed);
        lg__gq_push(l);
        lg__wakep();
    }
    return id;
}

uint64_t lg_spawn(lg_entry_fn entry, void *user) {
    return spawn(LG_KIND_STACKFUL, entry, NULL, user, NULL);
}
uint64_t lg_spawn_ex(lg_entry_fn entry, void *user, const lg_spawn_attr *attr) {
    return spawn(LG_KIND_STACKFUL, entry, NULL, user, attr);
}
uint64_t lg_spawn_resumable(lg_step_fn step, void *user) {
    return spawn(LG_KIND_RESUMABLE, NULL, step, user, NULL);
}
uint64_t lg_spawn_resumable_ex(lg_step_fn step, void *user, const lg_spawn_attr *attr) {
    return spawn(LG_KIND_RESUMABLE, NULL, step, user, attr);
}

/* ---------------------------------------------------------------------------------
 * Readying.
 * --------------------------------------------------------------------------------- */

/* l has just become RUNNABLE and belongs to the caller: queue it. From a worker it
 * runs next there (ping-pong between two legions then stays on one core); the legion
 * it displaces from runnext goes onto the deque, where it can be stolen, so that is
 * when an idle worker is worth waking. From elsewhere it goes on the global queue: at
 * the back, or at the front if its timer woke it. */
static void queue_ready(lg_legion *l, bool from_timer) {
    lg_worker *p = lg__current_worker();
    if (p) {
        /* acq_rel: release publishes l to whoever takes it (owner or thief); acquire
         * takes the displaced legion from its publisher. */
        lg_legion *old = atomic_exchange_explicit(&p->runnext, l, memory_order_acq_rel);
        if (old) {
            if (lg__deque_push(&p->deque, old) != 0) lg__gq_push(old);
            if (lg_rt.cfg.steal != LG_STEAL_OFF) lg__wakep();
        }
    } else {
        /* A sleeper woken by the monitor's timer goes first: it has waited long enough. */
        if (from_timer) lg__gq_push_front(l);
        else lg__gq_push(l);
        lg__wakep();
    }
}

static bool ready(lg_legion *l, bool from_timer, uint64_t gen) {
    uint64_t s = atomic_load_explicit(&l->state, memory_order_acquire);
    for (;;) {
        unsigned st = (unsigned)(s & LG_ST_MASK);
        if (st == LG_ST_PARKED) {
            if (from_timer && LG_ST_GEN(s) != gen) return false;
            uint64_t n = (s & ~(uint64_t)(LG_ST_MASK | LG_ST_WAKE | LG_ST_DEADLINE)) | LG_ST_ACTIVE;
            if (atomic_compare_exchange_weak_explicit(&l->state, &s, n, memory_order_acq_rel,
                                                      memory_order_acquire)) {
                /* Cancel before queueing: once queued it may park again with a new timer. */
                if ((s & LG_ST_DEADLINE) && !from_timer) lg__timer_cancel(l);
                queue_ready(l, from_timer);
                return true;
            }
        } else if (st == LG_ST_DEAD || from_timer) {
            return false;
        } else { /* ACTIVE (running or runnable): leave a permit */
            if (s & LG_ST_WAKE) return true;
            if (atomic_compare_exchange_weak_explicit(&l->state, &s, s | LG_ST_WAKE, memory_order_acq_rel,
                                                      memory_order_acquire))
                return true;
        }
    }
}

void lg_ready(lg_legion *l) {
    ready(l, false, 0);
}

bool lg__ready_gen(lg_legion *l, uint64_t gen) {
    return ready(l, true, gen);
}

/* ---------------------------------------------------------------------------------
 * Running (on g0) and what g0 does after a legion switched back to it.
 * --------------------------------------------------------------------------------- */

/* The first frame of a stackful legion's stack (under lg_ctx_trampoline). */
static void legion_main(void *arg) {
    lg_stack *s = arg;
    lg_thread *m = lg__current_thread();
    lg_legion *l = m->current;
    l->entry(l->user);
    m = lg__current_thread(); /* entry may have moved us to another thread */
    m->post = LG_POST_EXIT;
    lg__context_switch(&s->ctx, &m->g0);
    abort(); /* g0 never switches back to an ended legion */
}

static void legion_end(lg_worker *p, lg_legion *l) {
    /* ACTIVE -> DEAD. A plain store: the only concurrent change is a ready's CAS adding
     * WAKE, which then fails and sees DEAD. release: a ready that still holds a
     * reference sees DEAD and does nothing. */
    atomic_store_explicit(&l->state, LG_ST_DEAD, memory_order_release);
    atomic_store_explicit(&p->nended, atomic_load_explicit(&p->nended, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    lg_legion_release(l);
}

static void requeue_yield(lg_worker *p, lg_legion *l, bool preempted) {
    LG_STAT_ADD(p, yields, 1);
    if (preempted) {
        LG_STAT_ADD(p, preemptions, 1);
        lg__trace(p, LG_EV_PREEMPT, l->id, 0);
    }
    /* The global queue, not the deque: the deque is LIFO for its owner, so a yielding
     * legion would run again at once; the global queue is FIFO and shared, so every
     * worker helps. The wake is only a hint: this worker itself is about to look at
     * the global queue, so a missed wake costs parallelism, never progress. */
    lg__gq_push(l);
    lg__wakep_hint();
}

/* A yield on a worker with nothing queued locally: push l at the back of the global
 * queue and take its head in one lock round trip. Returns the legion to run next. */
static lg_legion *yield_swap(lg_worker *p, lg_legion *l, bool preempted) {
    LG_STAT_ADD(p, yields, 1);
    if (preempted) {
        LG_STAT_ADD(p, preemptions, 1);
        lg__trace(p, LG_EV_PREEMPT, l->id, 0);
    }
    lg_legion *next = lg__gq_swap(l);
    if (next != l) {
        LG_STAT_ADD(p, global_takes, 1);
        lg__wakep_hint();
    }
    return next;
}

/* The scheduler side of a park (on g0, or on the step runner whose stackless legion's
 * step has returned: run_next_here): commit, then RUNNING -> PARKED unless a ready
 * (WAKE) or the commit cancelled it. Returns true if parked, false if the legion must
 * continue now. */
static bool finish_park(lg_worker *p, lg_legion *l) {
    lg_commit_fn commit = l->commit;
    void *arg = l->commit_arg;
    uint64_t deadline = l->deadline;
    l->commit = NULL;
    l->commit_arg = NULL;
    l->deadline = 0;
    bool ok = commit ? commit(l, arg) : true;
    if (ok && deadline && deadline <= lg_clock_ns()) ok = false; /* seeded: the virtual clock */
    if (ok && deadline) atomic_fetch_add_explicit(&l->refs, 1, memory_order_relaxed); /* the timer's */
    /* Read before the CAS publishes the park: after it, a readier may run and end l and
     * a spawn may reuse its memory, so l's fields are off limits (but for the timer's
     * reference below). */
    uint64_t id = l->id;
    uint64_t s = atomic_load_explicit(&l->state, memory_order_acquire);
    uint64_t n;
    for (;;) {
        if (!ok || (s & LG_ST_WAKE)) {
            /* Continue: consume the permit (acquire: the readier's writes). */
            if (atomic_compare_exchange_weak_explicit(&l->state, &s, s & ~(uint64_t)LG_ST_WAKE,
                                                      memory_order_acquire, memory_order_acquire)) {
                if (ok && deadline) lg_legion_release(l);
                return false;
            }
            continue;
        }
        n = ((s & ~(uint64_t)0xff) + LG_ST_GEN_ONE) | LG_ST_PARKED | (deadline ? LG_ST_DEADLINE : 0);
        /* release: the saved context and every field set so far go to the readier. */
        if (atomic_compare_exchange_weak_explicit(&l->state, &s, n, memory_order_release, memory_order_acquire))
            break;
    }
    LG_STAT_ADD(p, parks, 1);
    lg__trace(p, LG_EV_PARK, id, 0);
    /* After the CAS a ready may already have run and even ended l: the timer's
     * reference keeps it valid, and the generation makes a late timer harmless. */
    if (deadline) lg__timer_add(l, deadline, LG_ST_GEN(n));
    return true;
}

static void fatal(const char *what) {
    fprintf(stderr, "malphas legion runtime: %s\n", what);
    abort();
}

static void runner_main(void *arg);

/* Gives l the stack it runs on next, with its context made; NULL if none could be
 * mapped (errno says why). */
static lg_stack *stack_for_run(lg_worker *p, lg_legion *l) {
    if (l->kind == LG_KIND_RESUMABLE && lg_rt.cfg.stackless && l->stack_size == 0 && p->runner) {
        lg_stack *s = p->runner;
        p->runner = NULL;
        return s;
    }
    lg_stack *s = lg__stack_acquire(p, l->stack_size);
    if (s)
        lg__context_make(&s->ctx, &s->uc, s->lo, s->hi, l->kind == LG_KIND_RESUMABLE ? runner_main : legion_main, s);
    return s;
}

/* The bookkeeping of a run's start and end, the same on g0 and on a step runner. */
static void run_begin(lg_thread *m, lg_worker *p, lg_legion *l, lg_stack *s) {
    m->current = l;
    m->cur_stack = s;
    s->used = true;
    p->pool_dirty = true; /* the runner, if this is one, needs a check before sleeping */
    atomic_store_explicit(&p->schedtick, atomic_load_explicit(&p->schedtick, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    atomic_store_explicit(&p->in_legion, 1, memory_order_relaxed);
    LG_STAT_ADD(p, runs, 1);
    lg__trace(p, LG_EV_RUN_BEGIN, l->id, 0);
    m->post = LG_POST_NONE;
}

/* Returns whether the run was asked to yield. */
static bool run_end(lg_worker *p, lg_legion *l) {
    atomic_store_explicit(&p->in_legion, 0, memory_order_relaxed);
    lg__trace(p, LG_EV_RUN_END, l->id, 0);
    /* The run is over: the preempt flag has done its job. A load and a store, not
     * an exchange, so no atomic read-modify-write is paid on every switch: a request
     * landing after the load stays set for the next run (a request made just before
     * a run starts applies to that run), or, if the flag was already set, merges
     * with the one consumed here; the monitor asks again if it still needs to. */
    bool preempted = atomic_load_explicit(&p->preempt, memory_order_relaxed) != 0;
    if (preempted) atomic_store_explicit(&p->preempt, 0, memory_order_relaxed);
    return preempted;
}

/* A step runner that has finished with it, back to its worker: as the idle runner, or
 * into the pool. */
static void runner_return(lg_worker *p, lg_stack *s) {
    if (!p->runner) p->runner = s;
    else lg__stack_release(p, s);
}

/* Steps run back to back. When a stackless legion's step returns DONE or PARK, nothing
 * of it is left on the runner's stack: the legion has already left its native stack,
 * which is all that g0 waits for before it ends the legion or commits its park. So the
 * runner does that itself (finish_park: the commit, then the CAS into PARKED) and then
 * takes the next legion from where g0 would look first (lg__find_local: timers, the
 * 1-in-61 global poll, runnext, the deque) and calls its step at once, on the same
 * stack, without the two switches through g0. A channel hand-off (ready into runnext,
 * then park) thus costs a function return and a call. Anything else goes through g0:
 * a yield (the global queue), a legion with a stack of its own (stackful, pinned, or a
 * non-default size, or stackless parking off), and the search beyond the local queues.
 * Returns the legion to run next on this runner (its run begun), or NULL after setting
 * m->current to what g0 should run next (NULL: let it search). */
static lg_legion *run_next_here(lg_thread *m, lg_worker *p, lg_legion *l, lg_step_result r, lg_stack *s) {
    run_end(p, l);
    l->stack = NULL; /* stackless parking: the runner is no longer l's */
    lg_legion *next;
    if (r == LG_STEP_DONE) {
        l->commit = NULL;
        l->commit_arg = NULL;
        l->deadline = 0;
        legion_end(p, l);
        next = lg__find_local(p);
    } else {
        next = finish_park(p, l) ? lg__find_local(p) : l;
    }
    if (next && next->kind == LG_KIND_RESUMABLE && !next->stack && next->stack_size == 0) {
        next->stack = s;
        run_begin(m, p, next, s);
        return next;
    }
    m->current = next;
    return NULL;
}

/* The first frame of a step runner's stack: calls the step of whichever resumable
 * legion the thread is running, and the steps that follow it (run_next_here), then goes
 * back to g0 and waits for the next one. The runner is reused across legions: its
 * context stays parked at one of the switches below. */
static void runner_main(void *arg) {
    lg_stack *s = arg;
    lg_thread *m = lg__current_thread();
    lg_legion *l = m->current;
    for (;;) {
        lg_step_result r = l->step(l, l->user);
        m = lg__current_thread(); /* the step may have blocked in place and moved */
        lg_worker *p = m->p;
        if (r != LG_STEP_YIELD && p && lg_rt.cfg.stackless && l->stack_size == 0 &&
            !lg_rt.cfg.seeded) { /* seeded: the policy picks every next legion */
            l = run_next_here(m, p, l, r, s);
            if (l) continue;
            m->post = LG_POST_RUN;
        } else {
            m->step_result = r;
            m->post = LG_POST_STEP;
        }
        lg__context_switch(&s->ctx, &m->g0);
        m = lg__current_thread();
        l = m->current;
    }
}

/* No native stack could be mapped for l to run on: it ends here, on g0, without
 * running further, and the embedder is told (lg_config.stack_failure). Nothing aborts:
 * the rest of the program goes on, or ends, as the embedder decides. */
static void stack_failed(lg_worker *p, lg_legion *l, int error) {
    if (lg_rt.cfg.stack_failure) {
        lg_rt.cfg.stack_failure(l, l->user, error);
    } else {
        fprintf(stderr,
                "malphas legion runtime: legion %llu ended: no native stack of %zu bytes could be mapped for it (%s)\n",
                (unsigned long long)l->id, l->stack_size ? l->stack_size : lg_rt.stack_size, strerror(error));
    }
    l->commit = NULL;
    l->commit_arg = NULL;
    l->deadline = 0;
    legion_end(p, l);
}

/* Runs l on thread m holding worker p, from g0, until l yields, parks, ends or loses
 * the worker. l has been taken from a queue (RUNNABLE). */
void lg__run(lg_thread *m, lg_worker *p, lg_legion *l) {
    for (;;) {
        lg_context *to;
        if (!l->stack && !(l->stack = stack_for_run(p, l))) {
            stack_failed(p, l, errno ? errno : ENOMEM);
            return;
        }
        to = &l->stack->ctx;
        run_begin(m, p, l, l->stack);

        lg__context_switch(&m->g0, to);

        /* Back on g0 of the same thread m, from m->current: l, or with LG_POST_RUN the
         * last legion whose step the runner ran itself, or (from LG_POST_LOST_WORKER)
         * one of those. */
        l = m->current;
        m->current = NULL;
        lg_stack *ran_on = m->cur_stack;
        if (lg__context_mode == LG_CONTEXT_ASM) lg__stack_note_sp(ran_on);
        m->cur_stack = NULL;
        if (m->post == LG_POST_RUN) {
            runner_return(p, ran_on);
            if (!l) return;
            continue;
        }
        if (m->post == LG_POST_LOST_WORKER) {
            /* The legion left a blocking bracket and found its worker given away; it is
             * suspended on its pinned stack. Queue it globally; a worker resumes it. */
            lg__gq_push(l);
            lg__wakep();
            /* Only now: until l was queued the bracket kept the runtime from looking
             * quiescent. By now l may have run to its end on another thread whose
             * quiescence check still counted this bracket, so this decrement may be
             * the transition into quiescence: tell lg_wait. */
            if (atomic_fetch_sub_explicit(&lg_rt.nblocking, 1, memory_order_seq_cst) == 1) lg__quiescence_poke();
            return;
        }
        bool preempted = run_end(p, l);

        int post = m->post;
        lg_step_result r = LG_STEP_DONE;
        if (post == LG_POST_STEP) {
            r = m->step_result;
            if (lg_rt.cfg.stackless && l->stack_size == 0) {
                /* Stackless parking: the step has returned, nothing of it is on the
                 * stack any more. Keep it as this worker's runner, or pool it. */
                lg_stack *s = l->stack;
                l->stack = NULL;
                runner_return(p, s);
            }
            post = r == LG_STEP_DONE ? LG_POST_EXIT : r == LG_STEP_YIELD ? LG_POST_YIELD : LG_POST_PARK;
        }
        if (post != LG_POST_PARK) { /* a commit or deadline belongs to the park it was set for */
            l->commit = NULL;
            l->commit_arg = NULL;
            l->deadline = 0;
        }
        switch (post) {
        case LG_POST_EXIT:
            if (l->stack) {
                lg__stack_release(p, l->stack);
                l->stack = NULL;
            }
            legion_end(p, l);
            return;
        case LG_POST_YIELD:
            if (lg_rt.cfg.seeded) { /* seeded: back into the run set, the policy picks next */
                lg__seeded_requeue(p, l);
                return;
            }
            if (!atomic_load_explicit(&p->runnext, memory_order_relaxed) && lg__deque_size(&p->deque) == 0 &&
                !atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) {
                l = yield_swap(p, l, preempted);
                continue;
            }
            requeue_yield(p, l, preempted);
            return;
        case LG_POST_PARK:
            if (finish_park(p, l)) return;
            continue; /* cancelled or already readied: run it again right away */
        default:
            fatal("a legion switched to the scheduler without saying why");
        }
    }
}

/* ---------------------------------------------------------------------------------
 * The calls a legion makes about itself.
 * --------------------------------------------------------------------------------- */

/* Switches from the running legion to its thread's g0, which performs post. */
static void switch_out(lg_thread *m, lg_legion *l, int post) {
    if (LG_UNLIKELY(m->in_blocking))
        fatal("a legion parked or yielded inside lg_blocking_enter/lg_blocking_exit");
    m->post = post;
    lg__context_switch(&l->stack->ctx, &m->g0);
    /* Resumed, possibly on another thread: m is stale from here on. */
}

lg_legion *lg_current(void) {
    lg_thread *m = lg__current_thread();
    return m ? m->current : NULL;
}

uint64_t lg_legion_id(const lg_legion *l) {
    return l->id;
}
void *lg_legion_user(const lg_legion *l) {
    return l->user;
}
void lg_legion_set_user(lg_legion *l, void *user) {
    l->user = user;
}

void lg_yield(void) {
    lg_thread *m = lg__current_thread();
    lg_legion *l = m ? m->current : NULL;
    if (!l) {
        sched_yield();
        return;
    }
    switch_out(m, l, LG_POST_YIELD);
}

void lg_park(lg_commit_fn commit, void *arg) {
    lg_thread *m = lg__current_thread();
    lg_legion *l = m ? m->current : NULL;
    if (!l) fatal("lg_park called outside a legion");
    l->commit = commit;
    l->commit_arg = arg;
    switch_out(m, l, LG_POST_PARK);
}

void lg_park_commit(lg_commit_fn commit, void *arg) {
    lg_legion *l = lg_current();
    if (!l) fatal("lg_park_commit called outside a legion");
    l->commit = commit;
    l->commit_arg = arg;
}

void lg_park_deadline(uint64_t deadline_ns) {
    lg_legion *l = lg_current();
    if (!l) fatal("lg_park_deadline called outside a legion");
    l->deadline = deadline_ns ? deadline_ns : 1;
}

void lg_sleep_ns(uint64_t ns) {
    lg_thread *m = lg__current_thread();
    if (!m || !m->current) {
        struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
        while (nanosleep(&ts, &ts) != 0) {}
        return;
    }
    uint64_t deadline = lg_clock_ns() + ns; /* seeded: the virtual clock */
    while (lg_clock_ns() < deadline) { /* a ready (permit) may end a park early */
        m = lg__current_thread();
        lg_legion *l = m->current;
        l->deadline = deadline;
        switch_out(m, l, LG_POST_PARK);
    }
}

uint64_t lg_now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

uint8_t *lg_preempt_flag(void) {
    lg_worker *p = lg__current_worker();
    return p ? (uint8_t *)&p->preempt : NULL;
}
