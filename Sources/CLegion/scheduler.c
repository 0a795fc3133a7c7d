/*
 * scheduler.c - the scheduler loop, the run queues, spinning and parking of workers.
 *
 * The model. There are W workers (W = CPUs by default) and each is held by one OS
 * thread. A thread holding a worker loops on its own stack (g0): find a runnable
 * legion, switch to it, and when it switches back do what it asked (legion.c). Where
 * runnable legions wait, in the order a worker looks:
 *
 *   1. every 61st look: the global queue first, so a legion there never starves behind
 *      a worker whose local queues never run dry (Go's schedtick % 61);
 *   2. runnext: one slot holding the legion this worker readied last; a legion that
 *      readies another and then parks (a channel hand-off) passes the worker to it
 *      directly, and the pair stays on one core;
 *   3. the worker's Chase-Lev deque (deque.c), LIFO for the owner: spawns land here;
 *   4. the global queue (a mutex-protected FIFO): spawns and readies from threads
 *      that hold no worker, yields and preemptions, legions whose bracket lost its
 *      worker. A worker takes a fair share (size/W + 1, at most 128) at once;
 *   5. stealing: half of another worker's deque (steal mode random or most-loaded; off
 *      disables it) in up to 4 rounds; in the last round also a victim's runnext if the
 *      victim has been running the same legion for a while;
 *   6. park.
 *
 * Spinning and parking (Go's findrunnable/wakep protocol). A thread with nothing to do
 * may become "spinning" (looking for work to steal) only while fewer than half of the
 * busy workers spin; the others park at once on their futex word. Whoever makes work
 * available (spawn, a ready that displaces runnext, a global push) calls lg__wakep,
 * which wakes one parked thread only if no thread is spinning (a spinner will find the
 * work). The woken thread starts out spinning; when a spinner finds work it stops
 * spinning, and if it was the last spinner it calls wakep again, so a burst of work
 * wakes threads one by one while there is more to take.
 *
 * No lost wakeups: a spinning thread that gives up first decrements nspinning, then
 * (seq_cst fence) looks at every deque and the global queue again; a producer first
 * publishes its work, then (seq_cst fence) reads nspinning and nidle_hint. With the two
 * fences at least one side sees the other: either the parker sees the work, or the
 * producer sees a parked thread (or a spinner) and wakes it. A parked thread is on the
 * idle list (idle_lock); wakep pops it under the lock, sets its spinning flag and its
 * park_word (release), then futex-wakes it.
 *
 * A parked thread sleeps with a timeout when a timer is pending, so sleeping legions
 * wake on time even when every worker is idle (the monitor fires timers too).
 *
 * I/O (poller.c): a worker out of work polls the descriptors without blocking before
 * it parks, and while legions wait on I/O one parked thread sleeps in epoll_wait rather
 * than on its futex word; waking it (wake_thread) also writes the poller's eventfd.
 *
 * Quiescence: every worker parked, the global queue empty, no timer pending, no legion
 * waiting on I/O and no thread inside a blocking bracket means no legion can run again unless some thread
 * outside the runtime readies one. The last thread to park checks that and wakes
 * lg_wait (runtime.c).
 */
#include <stdlib.h>
#include "futex.h"
#include "runtime.h"

static inline void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#elif defined(__aarch64__)
    __asm__ volatile("yield");
#elif defined(__riscv)
    __asm__ volatile(".insn i 0x0F, 0, x0, x0, 0x010"); /* pause (Zihintpause); a fence hint elsewhere */
#endif
}

/* ---------------------------------------------------------------------------------
 * The global queue.
 * --------------------------------------------------------------------------------- */
void lg__gq_push(lg_legion *l) {
    l->next = NULL;
    pthread_mutex_lock(&lg_rt.gq_lock);
    if (lg_rt.gq_tail) lg_rt.gq_tail->next = l;
    else lg_rt.gq_head = l;
    lg_rt.gq_tail = l;
    atomic_store_explicit(&lg_rt.gq_size, atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    pthread_mutex_unlock(&lg_rt.gq_lock);
}

/* Under gq_lock: l leaves the global queue. */
static inline void gq_taken(lg_legion *l) {
    if (LG_UNLIKELY(l->woken_front)) {
        l->woken_front = false;
        atomic_store_explicit(&lg_rt.gq_woken, atomic_load_explicit(&lg_rt.gq_woken, memory_order_relaxed) - 1,
                              memory_order_relaxed);
    }
}

/* Pushes l at the front: a legion woken by its timer while every worker was busy runs
 * next (see sysmon.c), rather than behind the yielded ones. */
void lg__gq_push_front(lg_legion *l) {
    pthread_mutex_lock(&lg_rt.gq_lock);
    l->woken_front = true;
    atomic_store_explicit(&lg_rt.gq_woken, atomic_load_explicit(&lg_rt.gq_woken, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    l->next = lg_rt.gq_head;
    lg_rt.gq_head = l;
    if (!lg_rt.gq_tail) lg_rt.gq_tail = l;
    atomic_store_explicit(&lg_rt.gq_size, atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) + 1,
                          memory_order_relaxed);
    pthread_mutex_unlock(&lg_rt.gq_lock);
}

lg_legion *lg__gq_take_all(void) {
    if (atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) == 0) return NULL;
    pthread_mutex_lock(&lg_rt.gq_lock);
    lg_legion *head = lg_rt.gq_head;
    for (lg_legion *l = head; l; l = l->next) gq_taken(l);
    lg_rt.gq_head = lg_rt.gq_tail = NULL;
    atomic_store_explicit(&lg_rt.gq_size, 0, memory_order_relaxed);
    pthread_mutex_unlock(&lg_rt.gq_lock);
    return head;
}

/* Pushes l at the back and takes the head, under one lock (l itself if it was alone). */
lg_legion *lg__gq_swap(lg_legion *l) {
    l->next = NULL;
    pthread_mutex_lock(&lg_rt.gq_lock);
    lg_legion *head = lg_rt.gq_head;
    if (!head) {
        pthread_mutex_unlock(&lg_rt.gq_lock);
        return l;
    }
    gq_taken(head);
    lg_rt.gq_head = head->next;
    if (lg_rt.gq_head) lg_rt.gq_tail->next = l;
    else lg_rt.gq_head = l;
    lg_rt.gq_tail = l;
    pthread_mutex_unlock(&lg_rt.gq_lock);
    return head;
}

/* Takes one legion to run and, if batch, a fair share more into p's deque. */
static lg_legion *gq_get(lg_worker *p, bool batch) {
    if (atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) == 0) return NULL;
    pthread_mutex_lock(&lg_rt.gq_lock);
    size_t size = atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed);
    if (size == 0) {
        pthread_mutex_unlock(&lg_rt.gq_lock);
        return NULL;
    }
    size_t n = 1;
    if (batch) {
        n = size / lg_rt.nworkers + 1;
        if (n > size) n = size;
        if (n > 128) n = 128;
    }
    lg_legion *first = lg_rt.gq_head;
    lg_rt.gq_head = first->next;
    gq_taken(first);
    for (size_t i = 1; i < n; i++) {
        lg_legion *l = lg_rt.gq_head;
        lg_rt.gq_head = l->next;
        gq_taken(l);
        if (lg__deque_push(&p->deque, l) != 0) { /* no memory to grow: leave it queued */
            l->next = lg_rt.gq_head;
            lg_rt.gq_head = l;
            n = i;
            break;
        }
    }
    if (!lg_rt.gq_head) lg_rt.gq_tail = NULL;
    atomic_store_explicit(&lg_rt.gq_size, size - n, memory_order_relaxed);
    pthread_mutex_unlock(&lg_rt.gq_lock);
    LG_STAT_ADD(p, global_takes, n);
    return first;
}

/* ---------------------------------------------------------------------------------
 * Waking and parking.
 * --------------------------------------------------------------------------------- */
static void idle_push(lg_thread *m) { /* under idle_lock */
    m->on_idle = true;
    m->idle_next = lg_rt.idle;
    lg_rt.idle = m;
    lg_rt.nidle++;
    atomic_store_explicit(&lg_rt.nidle_hint, lg_rt.nidle, memory_order_seq_cst);
}

static void idle_remove(lg_thread *m) { /* under idle_lock, m->on_idle */
    for (lg_thread **pp = &lg_rt.idle; *pp; pp = &(*pp)->idle_next) {
        if (*pp == m) {
            *pp = m->idle_next;
            break;
        }
    }
    m->on_idle = false;
    lg_rt.nidle--;
    atomic_store_explicit(&lg_rt.nidle_hint, lg_rt.nidle, memory_order_seq_cst);
}

static void wake_thread(lg_thread *m) {
    /* release: the waker's writes (m->spinning, m->p) happen before m reads them. */
    atomic_store_explicit(&m->park_word, 1, memory_order_release);
    lg__futex_wake(&m->park_word, 1);
    lg__poll_break(m); /* it may be the one sleeping in epoll_wait (poller.c) */
}

void lg__wakep(void) {
    /* seq_cst fence: orders the caller's publication of work before the loads below
     * (store-load), pairing with the fence in idle_park. */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&lg_rt.nspinning, memory_order_seq_cst) != 0) return;
    if (atomic_load_explicit(&lg_rt.nidle_hint, memory_order_seq_cst) == 0) return;
    uint32_t zero = 0;
    /* Become the one who wakes a spinner: at most one wake in flight. */
    if (!atomic_compare_exchange_strong_explicit(&lg_rt.nspinning, &zero, 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return;
    pthread_mutex_lock(&lg_rt.idle_lock);
    lg_thread *m = lg_rt.idle;
    if (m) idle_remove(m);
    pthread_mutex_unlock(&lg_rt.idle_lock);
    if (!m) {
        atomic_fetch_sub_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst);
        return;
    }
    m->spinning = true; /* it inherits the nspinning we took */
    wake_thread(m);
}

void lg__wakep_hint(void) {
    /* No fence: for callers that will look at the work themselves if nobody else does. */
    if (atomic_load_explicit(&lg_rt.nidle_hint, memory_order_relaxed) == 0 ||
        atomic_load_explicit(&lg_rt.nspinning, memory_order_relaxed) != 0)
        return;
    lg__wakep();
}

void lg__wake_all_idle(void) {
    pthread_mutex_lock(&lg_rt.idle_lock);
    while (lg_rt.idle) {
        lg_thread *m = lg_rt.idle;
        idle_remove(m);
        wake_thread(m);
    }
    pthread_mutex_unlock(&lg_rt.idle_lock);
}

bool lg__quiescent_locked(void) {
    return lg_rt.nidle == lg_rt.nworkers && atomic_load_explicit(&lg_rt.gq_size, memory_order_seq_cst) == 0 &&
           atomic_load_explicit(&lg_rt.nblocking, memory_order_seq_cst) == 0 &&
           (atomic_load_explicit(&lg__timer_next, memory_order_seq_cst) == UINT64_MAX ||
            lg__seeded_clock_stopped()) && /* seeded: timers past the clock's limit never fire */
           atomic_load_explicit(&lg__poll_nwaiting, memory_order_seq_cst) == 0;
}

/* Work this thread could take, seen from outside: the global queue, and other workers'
 * deques when stealing. (Other workers' runnext slots do not count: their owners are
 * running and will take them.) */
static bool work_visible(lg_worker *p) {
    if (atomic_load_explicit(&lg_rt.gq_size, memory_order_seq_cst) != 0) return true;
    if (lg_rt.cfg.steal == LG_STEAL_OFF) return false;
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        lg_worker *v = lg_rt.workers[i];
        if (v != p && lg__deque_size(&v->deque) > 0) return true;
    }
    return false;
}

/* Leaves the idle list after deciding not to sleep. If a waker popped us meanwhile,
 * wait for its park_word store so that what it wrote (spinning) is ours to read. */
static void unidle(lg_thread *m) {
    pthread_mutex_lock(&lg_rt.idle_lock);
    if (m->on_idle) {
        idle_remove(m);
        pthread_mutex_unlock(&lg_rt.idle_lock);
        return;
    }
    pthread_mutex_unlock(&lg_rt.idle_lock);
    while (!atomic_load_explicit(&m->park_word, memory_order_acquire)) lg__futex_wait(&m->park_word, 0, UINT64_MAX);
    atomic_store_explicit(&m->park_word, 0, memory_order_relaxed);
}

/* Parks thread m (holding worker p) until woken or a timer is due. Returns 0 to look
 * for work again, -1 when the runtime is stopping. */
int lg__idle_park(lg_thread *m, lg_worker *p) {
    /* About to sleep, probably: give back stack memory used since the last check
     * (stack.c). Before joining the idle list, because from then on the monitor may
     * shrink this worker's pool (sysmon.c), and outside idle_lock. */
    lg__stack_pool_trim(p);
    pthread_mutex_lock(&lg_rt.idle_lock);
    if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) {
        pthread_mutex_unlock(&lg_rt.idle_lock);
        return -1;
    }
    if (atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) != 0) {
        pthread_mutex_unlock(&lg_rt.idle_lock);
        return 0;
    }
    /* Once on the idle list, m->spinning belongs to whoever pops us (lg__wakep sets it
     * before its release store of park_word): read and clear it before joining. */
    bool was_spinning = m->spinning;
    m->spinning = false;
    atomic_store_explicit(&m->park_word, 0, memory_order_relaxed);
    idle_push(m);
    pthread_mutex_unlock(&lg_rt.idle_lock);

    if (was_spinning) atomic_fetch_sub_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst);
    /* Pairs with the fence in lg__wakep: see the top of this file. */
    atomic_thread_fence(memory_order_seq_cst);
    if (work_visible(p)) {
        unidle(m);
        if (!m->spinning && lg_rt.cfg.steal != LG_STEAL_OFF) {
            /* Go straight to stealing, past the spinning limit: this work was
             * published while we were giving up and nobody may be coming for it. */
            m->spinning = true;
            atomic_fetch_add_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst);
        }
        return 0;
    }

    /* If this was the last busy worker, lg_wait may be waiting for that. */
    pthread_mutex_lock(&lg_rt.idle_lock);
    if (m->on_idle && lg__quiescent_locked()) pthread_cond_broadcast(&lg_rt.wait_cond);
    pthread_mutex_unlock(&lg_rt.idle_lock);

    for (;;) {
        if (atomic_load_explicit(&m->park_word, memory_order_acquire)) break;
        if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) {
            unidle(m);
            return -1;
        }
        uint64_t timeout = UINT64_MAX;
        uint64_t next = atomic_load_explicit(&lg__timer_next, memory_order_relaxed);
        if (next != UINT64_MAX && !lg_rt.cfg.seeded) { /* seeded: the worker's own loop moves the clock */
            uint64_t now = lg_now_ns();
            if (next <= now) {
                unidle(m); /* fire it from find_runnable, holding our worker */
                return 0;
            }
            timeout = next - now;
        }
        /* One idle thread sleeps in epoll_wait while legions wait on I/O (poller.c). */
        int polled = lg__poll_sleep(m, timeout);
        if (polled < 0) lg__futex_wait(&m->park_word, 0, timeout);
        else if (polled > 0) {
            unidle(m); /* first: the legions it readies go to our worker */
            lg__poll_sleep_finish();
            return 0;
        }
    }
    atomic_store_explicit(&m->park_word, 0, memory_order_relaxed);
    return 0;
}

/* ---------------------------------------------------------------------------------
 * Stealing.
 * --------------------------------------------------------------------------------- */
static uint32_t rand32(lg_worker *p) {
    uint64_t x = p->rng; /* xorshift64* */
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    p->rng = x;
    return (uint32_t)((x * UINT64_C(2685821657736338717)) >> 32);
}

static unsigned gcd(unsigned a, unsigned b) {
    while (b) {
        unsigned t = a % b;
        a = b;
        b = t;
    }
    return a;
}

/* Steals half of v's deque (rounded up): returns the first legion, pushes the rest on
 * p's own deque. */
static lg_legion *steal_half(lg_worker *p, lg_worker *v) {
    LG_STAT_ADD(p, steal_tries, 1);
    int64_t n = lg__deque_size(&v->deque);
    if (n <= 0) return NULL;
    int64_t want = (n + 1) / 2;
    lg_legion *first = NULL;
    uint32_t moved = 0;
    int aborts = 0;
    for (int64_t i = 0; i < want;) {
        void *x = lg__deque_steal(&v->deque);
        if (x == LG_DEQUE_ABORT) {
            if (++aborts > 4) break; /* contended: take what we have */
            continue;
        }
        if (!x) break;
        i++;
        moved++;
        if (!first) first = x;
        else if (lg__deque_push(&p->deque, x) != 0) lg__gq_push(x);
    }
    if (first) {
        LG_STAT_ADD(p, steal_successes, 1);
        LG_STAT_ADD(p, stolen, moved);
        lg__trace(p, LG_EV_STEAL, v->index, moved);
    }
    return first;
}

/* Takes v's runnext if v has been running one legion all along (it cannot take the slot
 * itself until that legion stops). The pause gives v the chance to take it first. */
static lg_legion *steal_runnext(lg_worker *p, lg_worker *v) {
    if (!atomic_load_explicit(&v->runnext, memory_order_relaxed)) return NULL;
    if (!atomic_load_explicit(&v->in_legion, memory_order_relaxed)) return NULL;
    uint32_t tick = atomic_load_explicit(&v->schedtick, memory_order_relaxed);
    for (int i = 0; i < 2000; i++) cpu_relax();
    if (atomic_load_explicit(&v->schedtick, memory_order_relaxed) != tick) return NULL;
    /* acq_rel: acquire takes the legion from its publisher. */
    lg_legion *l = atomic_exchange_explicit(&v->runnext, NULL, memory_order_acq_rel);
    if (l) {
        LG_STAT_ADD(p, steal_successes, 1);
        LG_STAT_ADD(p, stolen, 1);
        lg__trace(p, LG_EV_STEAL, v->index, 1);
    }
    return l;
}

static lg_legion *steal_work(lg_worker *p) {
    unsigned n = lg_rt.nworkers;
    unsigned order[n];
    for (int round = 0; round < 4; round++) {
        bool last = round == 3;
        unsigned count = 0;
        if (lg_rt.cfg.steal == LG_STEAL_MOST_LOADED) {
            /* Victims by deque length, longest first (insertion sort: W is small). */
            int64_t size[n];
            for (unsigned i = 0; i < n; i++) {
                if (lg_rt.workers[i] == p) continue;
                int64_t s = lg__deque_size(&lg_rt.workers[i]->deque);
                unsigned j = count++;
                while (j > 0 && size[j - 1] < s) {
                    size[j] = size[j - 1];
                    order[j] = order[j - 1];
                    j--;
                }
                size[j] = s;
                order[j] = i;
            }
        } else {
            /* Every victim once, from a random start with a random stride coprime to n. */
            unsigned start = rand32(p) % n, stride = 1;
            if (n > 2) {
                do stride = 1 + rand32(p) % (n - 1);
                while (gcd(stride, n) != 1);
            }
            for (unsigned i = 0; i < n; i++) {
                unsigned v = (start + i * stride) % n;
                if (lg_rt.workers[v] != p) order[count++] = v;
            }
        }
        for (unsigned i = 0; i < count; i++) {
            lg_worker *v = lg_rt.workers[order[i]];
            lg_legion *l = steal_half(p, v);
            if (l) return l;
            if (last && (l = steal_runnext(p, v))) return l;
        }
        if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) return NULL;
    }
    return NULL;
}

/* ---------------------------------------------------------------------------------
 * The loop.
 * --------------------------------------------------------------------------------- */
/* The first looks of every search, which touch only this worker's own queues (and the
 * global queue one time in 61): due timers, the fairness poll, runnext, the deque.
 * NULL when there is nothing there, or when the runtime is stopping. Called from g0
 * (find_runnable) and from a step runner between two steps (legion.c, runner_main). */
lg_legion *lg__find_local(lg_worker *p) {
    if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) return NULL;
    uint64_t next = atomic_load_explicit(&lg__timer_next, memory_order_relaxed);
    if (LG_UNLIKELY(next != UINT64_MAX)) {
        uint64_t now = lg_now_ns();
        if (next <= now) LG_STAT_ADD(p, timers_fired, lg__timers_fire(now));
    }
    lg_legion *l;
    if (++p->tick % 61 == 0 && (l = gq_get(p, false))) return l;
    if (atomic_load_explicit(&p->runnext, memory_order_relaxed) &&
        (l = atomic_exchange_explicit(&p->runnext, NULL, memory_order_acq_rel)))
        return l;
    return lg__deque_take(&p->deque);
}

static lg_legion *find_runnable(lg_thread *m, lg_worker *p) {
    for (;;) {
        lg_legion *l = lg__find_local(p);
        if (l) return l;
        if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) return NULL;
        if ((l = gq_get(p, true))) return l;
        if (lg_rt.cfg.steal != LG_STEAL_OFF && lg_rt.nworkers > 1) {
            if (!m->spinning) {
                uint32_t spinning = atomic_load_explicit(&lg_rt.nspinning, memory_order_relaxed);
                uint32_t busy = lg_rt.nworkers - atomic_load_explicit(&lg_rt.nidle_hint, memory_order_relaxed);
                if (2 * spinning < busy) {
                    m->spinning = true;
                    atomic_fetch_add_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst);
                }
            }
            if (m->spinning && (l = steal_work(p))) return l;
        }
        if (lg__poll_pending() && lg__poll_now() > 0) continue; /* I/O readiness, without blocking */
        if (lg__idle_park(m, p) < 0) return NULL;
    }
}

void lg__schedule(lg_thread *m) {
    if (lg_rt.cfg.seeded) { /* seeded: the deterministic policy's loop */
        lg__seeded_schedule(m);
        return;
    }
    for (;;) {
        lg_worker *p = m->p;
        lg_legion *l = find_runnable(m, p);
        if (!l) {
            if (m->spinning) {
                m->spinning = false;
                atomic_fetch_sub_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst);
            }
            return;
        }
        if (m->spinning) {
            /* Found work: stop spinning, and if we were the last spinner let another
             * thread look for the rest. */
            m->spinning = false;
            if (atomic_fetch_sub_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst) == 1) lg__wakep();
        }
        lg__run(m, p, l);
        if (!m->p) return; /* the worker was handed to a spare thread during a blocking call */
    }
}
