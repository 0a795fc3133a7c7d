/*
 * sysmon.c - the monitor thread: preemption, hand-off of blocked workers, timers.
 *
 * One thread, holding no worker, wakes every 1 ms while any worker is busy and backs
 * off by doubling to 10 ms while all are idle (Go's sysmon). Each round it
 *   - polls for I/O readiness when no worker has for 10 ms (poller.c);
 *   - fires due timers (workers do too; this covers workers that stay busy). A legion
 *     it wakes goes to the front of the global queue; while one waits there and no
 *     worker is idle or spinning, the worker running the same legion longest is asked
 *     to yield, one per round, so a sleeper next to CPU-bound legions wakes within
 *     about a round instead of a time slice;
 *   - preempts: a worker whose schedtick has not moved for a whole time slice has been
 *     running one legion that long. In mode "on" the monitor sets the worker's preempt
 *     flag, which the legion polls at its safe points; in mode "signal" it sends the
 *     worker's thread SIGURG, whose handler sets the same flag (and interrupts a system
 *     call in progress; SA_RESTART restarts it). Each run is flagged once;
 *   - hands off: a worker blocked in lg_blocking_enter for cfg.blocking_handoff_us
 *     while work waits (in its deque or runnext, or in the global queue) is given to a
 *     spare thread (thread.c);
 *   - reclaims memory once the runtime has been idle for RECLAIM_IDLE_NS (every worker
 *     parked), once per idle period: slabs whose legions are all free, retired and
 *     grown deque arrays, pooled stacks beyond STACK_POOL_KEEP per worker, and then
 *     the C heap's free pages (malloc_trim, which also returns the embedder's freed
 *     memory, e.g. the Swift objects of ended Malphas legions). A spike of legions
 *     thus gives its memory back about a second after it ends, while the hot paths
 *     (spawn, park, ready) pay nothing for it.
 * Monitor-private fields of each worker (mon_*) are touched by this thread only.
 */
#include <errno.h>
#include <malloc.h>
#include <signal.h>
#include <string.h>
#include "futex.h"
#include "runtime.h"

#define MONITOR_MIN_NS 1000000u  /* 1 ms */
#define MONITOR_MAX_NS 10000000u /* 10 ms */
#define RECLAIM_IDLE_NS 1000000000u /* idle this long before memory is reclaimed */
#define STACK_POOL_KEEP 4          /* pooled stacks each worker keeps through a reclaim */

static _Atomic uint64_t monitor_delay = MONITOR_MIN_NS; /* [A: relaxed] the monitor's current sleep */

static void request_preempt(lg_worker *p) {
    atomic_fetch_add_explicit(&lg_rt.preempt_requests, 1, memory_order_relaxed);
    if (lg_rt.cfg.preempt == LG_PREEMPT_SIGNAL) {
        /* acquire: the thread's self handle was set before it published itself. */
        lg_thread *m = atomic_load_explicit(&p->thread, memory_order_acquire);
        if (m) pthread_kill(m->self, SIGURG);
    } else {
        atomic_store_explicit(&p->preempt, 1, memory_order_relaxed);
    }
}

/* While a legion woken by its timer waits at the front of the global queue and no
 * worker is idle or spinning, ask the worker that has been running its current legion
 * longest to yield, once per round, so the woken legion runs within about a round
 * instead of waiting for a time slice to end. Called after the round's look at the
 * workers, so mon_since is fresh; a worker already asked to yield in its current run
 * is skipped (its flag stands until the run ends). */
static void make_room_for_woken(void) {
    if (atomic_load_explicit(&lg_rt.gq_woken, memory_order_relaxed) == 0 ||
        atomic_load_explicit(&lg_rt.nidle_hint, memory_order_relaxed) != 0 ||
        atomic_load_explicit(&lg_rt.nspinning, memory_order_relaxed) != 0 || lg_rt.cfg.preempt == LG_PREEMPT_OFF)
        return;
    lg_worker *longest = NULL;
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        lg_worker *p = lg_rt.workers[i];
        if (!atomic_load_explicit(&p->in_legion, memory_order_relaxed) || p->mon_flagged) continue;
        if (!longest || p->mon_since < longest->mon_since) longest = p;
    }
    if (longest) {
        longest->mon_flagged = true;
        request_preempt(longest);
    }
}

/* Gives back what an idle runtime holds beyond its needs (see the top of this file).
 * Only with every worker parked: idle_lock, held throughout, keeps them parked (a
 * worker leaves the idle list only under it) and orders their last writes to their
 * free lists, deques and pools before ours, and ours before their next reads. */
static void reclaim(void) {
    bool all_parked;
    pthread_mutex_lock(&lg_rt.idle_lock);
    all_parked = lg_rt.nidle == lg_rt.nworkers;
    if (all_parked) {
        for (unsigned i = 0; i < lg_rt.nworkers; i++) {
            lg_worker *p = lg_rt.workers[i];
            lg__deque_shrink(&p->deque);
            lg__stack_pool_shrink(p, STACK_POOL_KEEP);
        }
        lg__legions_reclaim();
    }
    pthread_mutex_unlock(&lg_rt.idle_lock);
#if defined(__GLIBC__)
    if (all_parked) malloc_trim(0);
#endif
}

static void *sysmon_main(void *arg) {
    (void)arg;
    uint64_t delay = MONITOR_MIN_NS;
    uint64_t idle_since = lg_now_ns();
    bool reclaimed = false; /* in this idle period */
    while (!atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) {
        atomic_store_explicit(&monitor_delay, delay, memory_order_relaxed);
        lg__futex_wait(&lg_rt.sysmon_word, 0, delay);
        atomic_store_explicit(&lg_rt.sysmon_word, 0, memory_order_relaxed);
        if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) break;
        uint64_t now = lg_now_ns();
        if (lg__timers_due(now)) lg__timers_fire(now);
        lg__poll_monitor(now); /* I/O readiness when no worker has polled lately */
        bool busy = false;
        for (unsigned i = 0; i < lg_rt.nworkers; i++) {
            lg_worker *p = lg_rt.workers[i];
            /* acquire: pairs with the release store in lg_blocking_enter. */
            uint64_t status = atomic_load_explicit(&p->status, memory_order_acquire);
            if (LG_P_STATE(status) == LG_P_BLOCKING) {
                busy = true;
                uint64_t since = atomic_load_explicit(&p->blocking_since, memory_order_relaxed);
                bool work = lg__deque_size(&p->deque) > 0 || atomic_load_explicit(&p->runnext, memory_order_relaxed) ||
                            atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) > 0;
                if (work && now - since >= (uint64_t)lg_rt.cfg.blocking_handoff_us * 1000u) lg__handoff(p);
                continue;
            }
            if (!atomic_load_explicit(&p->in_legion, memory_order_relaxed)) continue;
            busy = true;
            uint32_t tick = atomic_load_explicit(&p->schedtick, memory_order_relaxed);
            if (tick != p->mon_tick) {
                p->mon_tick = tick;
                p->mon_since = now;
                p->mon_flagged = false;
            } else if (lg_rt.cfg.preempt != LG_PREEMPT_OFF && !p->mon_flagged &&
                       now - p->mon_since >= lg_rt.time_slice_ns) {
                p->mon_flagged = true;
                request_preempt(p);
            }
        }
        make_room_for_woken(); /* after the loop: mon_tick and mon_since are this round's */
        if (busy || atomic_load_explicit(&lg_rt.nidle_hint, memory_order_relaxed) != lg_rt.nworkers) {
            idle_since = now;
            reclaimed = false;
        } else if (!reclaimed && now - idle_since >= RECLAIM_IDLE_NS) {
            reclaim();
            reclaimed = true;
        }
        delay = busy ? MONITOR_MIN_NS : (delay * 2 > MONITOR_MAX_NS ? MONITOR_MAX_NS : delay * 2);
        /* With preemption, a slice shorter than the tick needs a shorter tick. */
        if (busy && lg_rt.cfg.preempt != LG_PREEMPT_OFF && lg_rt.time_slice_ns / 2 < delay)
            delay = lg_rt.time_slice_ns / 2 > 50000 ? lg_rt.time_slice_ns / 2 : 50000;
    }
    return NULL;
}

void lg__sysmon_kick(void) {
    if (atomic_load_explicit(&monitor_delay, memory_order_relaxed) <= MONITOR_MIN_NS) return;
    atomic_store_explicit(&lg_rt.sysmon_word, 1, memory_order_release);
    lg__futex_wake(&lg_rt.sysmon_word, 1);
}

int lg__sysmon_start(void) {
    atomic_store_explicit(&lg_rt.sysmon_word, 0, memory_order_relaxed);
    atomic_store_explicit(&monitor_delay, MONITOR_MIN_NS, memory_order_relaxed);
    int rc = pthread_create(&lg_rt.sysmon, NULL, sysmon_main, NULL);
    if (rc != 0) {
        errno = rc;
        return -1;
    }
    return 0;
}

void lg__sysmon_stop(void) {
    atomic_store_explicit(&lg_rt.sysmon_word, 1, memory_order_release);
    lg__futex_wake(&lg_rt.sysmon_word, 1);
    pthread_join(lg_rt.sysmon, NULL);
}

void lg_preempt_all(void) {
    if (!atomic_load_explicit(&lg_rt.running, memory_order_acquire)) return;
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        lg_worker *p = lg_rt.workers[i];
        atomic_store_explicit(&p->preempt, 1, memory_order_relaxed);
        if (lg_rt.cfg.preempt == LG_PREEMPT_SIGNAL && atomic_load_explicit(&p->in_legion, memory_order_relaxed)) {
            lg_thread *m = atomic_load_explicit(&p->thread, memory_order_acquire);
            if (m) pthread_kill(m->self, SIGURG);
        }
    }
}

/* ---------------------------------------------------------------------------------
 * SIGURG: the signal mode's handler only sets the flag of the worker its thread holds.
 * --------------------------------------------------------------------------------- */
static struct sigaction old_urg;
static bool urg_installed;

static void preempt_handler(int sig) {
    (void)sig;
    int saved = errno;
    lg_worker *p = lg__current_worker();
    if (p) atomic_store_explicit(&p->preempt, 1, memory_order_relaxed);
    errno = saved;
}

void lg__preempt_signal_install(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = preempt_handler;
    sa.sa_flags = SA_RESTART | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGURG, &sa, &old_urg) == 0) urg_installed = true;
}

void lg__preempt_signal_remove(void) {
    if (!urg_installed) return;
    sigaction(SIGURG, &old_urg, NULL);
    urg_installed = false;
}
