/*
 * thread.c - the runtime's OS threads: starting and joining them, the thread-local
 * "current thread" accessor, per-thread signal stacks, and the adaptive thread pool
 * behind lg_blocking_enter/lg_blocking_exit.
 *
 * Thread-local storage. A legion may suspend on one OS thread and resume on another,
 * so no code may keep the address of a thread-local across a switch: a compiler may
 * compute the TLS address once per function and reuse it after the switch, reading
 * the old thread's variable. So the runtime reads its thread through one non-inlined
 * accessor, lg__current_thread, whose empty asm with a memory clobber also keeps the
 * compiler from deciding it is a pure function whose result can be reused; code
 * re-reads it after every call that may switch.
 *
 * The adaptive thread pool (Go's handoffp/entersyscall). A legion about to make a
 * native call that may block brackets it with lg_blocking_enter/exit. Enter marks its
 * worker BLOCKING (release store: the worker's state so far goes with it). If the
 * monitor later sees the worker blocked for at least cfg.blocking_handoff_us while
 * work is waiting, it takes the worker with a CAS (BLOCKING -> RUNNING, epoch + 1) and
 * gives it to a spare thread, waking an idle one or starting a new one. The spare runs
 * the worker's queues as a normal thread. When the blocked call returns, exit tries the
 * opposite CAS with the epoch it entered with: if it succeeds nothing happened and the
 * legion goes on; if it fails the worker is gone, so the legion switches to its
 * thread's g0 (its stack stays pinned), g0 queues it on the global queue, and the
 * thread becomes a spare itself. An idle spare exits after cfg.spare_idle_ms. Threads
 * therefore number W plus the legions blocked right now, and shrink back over time.
 */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "futex.h"
#include "runtime.h"

/* initial-exec: a fixed offset from the thread pointer, so reading it from the SIGURG
 * and SIGSEGV handlers is async-signal-safe even when linked into a shared object. */
static __thread lg_thread *tls_thread __attribute__((tls_model("initial-exec")));

__attribute__((noinline)) lg_thread *lg__current_thread(void) {
    __asm__ volatile("" ::: "memory");
    return tls_thread;
}

lg_worker *lg__current_worker(void) {
    lg_thread *m = lg__current_thread();
    return m && !m->in_blocking ? m->p : NULL;
}

int lg_worker_index(void) {
    lg_worker *p = lg__current_worker();
    return p ? (int)p->index : -1;
}

/* ---------------------------------------------------------------------------------
 * Signal stacks: the overflow handler must not run on the stack that overflowed.
 * --------------------------------------------------------------------------------- */
void lg__thread_signal_setup(lg_thread *m) {
    size_t len = 64 * 1024;
    if (len < (size_t)SIGSTKSZ) len = (size_t)SIGSTKSZ;
    void *mem = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (mem == MAP_FAILED) return;
    stack_t ss = {.ss_sp = mem, .ss_size = len, .ss_flags = 0};
    if (sigaltstack(&ss, NULL) != 0) {
        munmap(mem, len);
        return;
    }
    m->altstack = mem;
    m->altstack_len = len;
}

void lg__thread_signal_teardown(lg_thread *m) {
    if (!m->altstack) return;
    stack_t ss = {.ss_sp = NULL, .ss_size = 0, .ss_flags = SS_DISABLE};
    sigaltstack(&ss, NULL);
    munmap(m->altstack, m->altstack_len);
    m->altstack = NULL;
}

/* ---------------------------------------------------------------------------------
 * Spare threads.
 * --------------------------------------------------------------------------------- */

/* Waits on the spare list until the monitor assigns a worker (true) or the idle
 * timeout passes or the runtime stops (false: the thread ends). */
static bool spare_wait(lg_thread *m) {
    pthread_mutex_lock(&lg_rt.threads_lock);
    atomic_store_explicit(&m->park_word, 0, memory_order_relaxed);
    m->on_spare = true;
    m->spare_next = lg_rt.spares;
    lg_rt.spares = m;
    pthread_mutex_unlock(&lg_rt.threads_lock);
    uint64_t deadline = lg_now_ns() + (uint64_t)lg_rt.cfg.spare_idle_ms * 1000000u;
    bool timed_out = false;
    for (;;) {
        if (atomic_load_explicit(&m->park_word, memory_order_acquire)) {
            atomic_store_explicit(&m->park_word, 0, memory_order_relaxed);
            return m->p != NULL;
        }
        uint64_t now = lg_now_ns();
        if (!timed_out && (now >= deadline || atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed))) {
            pthread_mutex_lock(&lg_rt.threads_lock);
            if (m->on_spare) {
                for (lg_thread **pp = &lg_rt.spares; *pp; pp = &(*pp)->spare_next)
                    if (*pp == m) {
                        *pp = m->spare_next;
                        break;
                    }
                m->on_spare = false;
                pthread_mutex_unlock(&lg_rt.threads_lock);
                if (!atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed))
                    atomic_fetch_add_explicit(&lg_rt.threads_exited, 1, memory_order_relaxed);
                return false;
            }
            pthread_mutex_unlock(&lg_rt.threads_lock);
            timed_out = true; /* someone took us off the list: their wake is coming */
        }
        lg__futex_wait(&m->park_word, 0, timed_out ? UINT64_MAX : deadline - now);
    }
}

static void *thread_main(void *arg) {
    lg_thread *m = arg;
    tls_thread = m;
    m->self = pthread_self();
    lg__context_init_thread(&m->g0, &m->g0_uc);
    lg__thread_signal_setup(m);
    for (;;) {
        if (m->p) {
            /* release: m->self and the g0 context are set before the monitor may use
             * this thread through the worker. */
            atomic_store_explicit(&m->p->thread, m, memory_order_release);
            lg__schedule(m);
        }
        if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) break;
        if (!spare_wait(m)) break;
    }
    lg__thread_signal_teardown(m);
    tls_thread = NULL;
    return NULL;
}

int lg__thread_start(lg_worker *p, lg_thread **out) {
    lg_thread *m = calloc(1, sizeof *m);
    if (!m) return -1;
    m->p = p;
    atomic_init(&m->park_word, 0);
    pthread_mutex_lock(&lg_rt.threads_lock);
    int rc = pthread_create(&m->join_handle, NULL, thread_main, m);
    if (rc != 0) {
        pthread_mutex_unlock(&lg_rt.threads_lock);
        free(m);
        errno = rc;
        return -1;
    }
    m->all_next = lg_rt.threads;
    lg_rt.threads = m;
    pthread_mutex_unlock(&lg_rt.threads_lock);
    atomic_fetch_add_explicit(&lg_rt.threads_started, 1, memory_order_relaxed);
    if (out) *out = m;
    return 0;
}

void lg__handoff(lg_worker *p) {
    uint64_t s = atomic_load_explicit(&p->status, memory_order_relaxed);
    if (LG_P_STATE(s) != LG_P_BLOCKING) return;
    uint64_t taken = (s - LG_P_BLOCKING + LG_P_EPOCH_ONE) | LG_P_RUNNING;
    /* acq_rel: acquire takes the worker's queues and pools as the blocked thread left
     * them; release publishes the new epoch. From here the monitor holds p. */
    if (!atomic_compare_exchange_strong_explicit(&p->status, &s, taken, memory_order_acq_rel,
                                                 memory_order_relaxed))
        return;
    pthread_mutex_lock(&lg_rt.threads_lock);
    lg_thread *m = lg_rt.spares;
    if (m) {
        lg_rt.spares = m->spare_next;
        m->on_spare = false;
    }
    pthread_mutex_unlock(&lg_rt.threads_lock);
    if (m) {
        m->p = p;
        atomic_store_explicit(&p->thread, m, memory_order_release);
        atomic_store_explicit(&m->park_word, 1, memory_order_release);
        lg__futex_wake(&m->park_word, 1);
    } else if (lg__thread_start(p, NULL) != 0) {
        /* No thread to give it to: give the worker back to its blocked thread. */
        atomic_store_explicit(&p->status, s, memory_order_release);
        return;
    }
    atomic_fetch_add_explicit(&lg_rt.handoffs, 1, memory_order_relaxed);
}

void lg_blocking_enter(void) {
    lg_thread *m = lg__current_thread();
    if (!m || !m->current || m->in_blocking || !m->p) return;
    lg_worker *p = m->p;
    uint64_t s = atomic_load_explicit(&p->status, memory_order_relaxed); /* RUNNING: only we change it */
    m->blocking_epoch = s & ~(uint64_t)3;
    atomic_store_explicit(&p->blocking_since, lg_now_ns(), memory_order_relaxed);
    atomic_fetch_add_explicit(&lg_rt.nblocking, 1, memory_order_seq_cst);
    m->in_blocking = true;
    atomic_store_explicit(&p->in_legion, 0, memory_order_relaxed); /* not preemptible while blocked */
    /* release: everything this thread did with p (its deque bottom, its pools) happens
     * before a monitor that takes p with its acquire CAS. */
    atomic_store_explicit(&p->status, m->blocking_epoch | LG_P_BLOCKING, memory_order_release);
    if (lg__deque_size(&p->deque) > 0 || atomic_load_explicit(&lg_rt.gq_size, memory_order_relaxed) > 0)
        lg__sysmon_kick();
}

void lg_blocking_exit(void) {
    lg_thread *m = lg__current_thread();
    if (!m || !m->in_blocking) return;
    lg_worker *p = m->p;
    m->in_blocking = false;
    uint64_t expected = m->blocking_epoch | LG_P_BLOCKING;
    /* acq_rel: acquire pairs with our own release (nothing in between if we win). */
    if (atomic_compare_exchange_strong_explicit(&p->status, &expected, m->blocking_epoch | LG_P_RUNNING,
                                                memory_order_acq_rel, memory_order_relaxed)) {
        atomic_store_explicit(&p->in_legion, 1, memory_order_relaxed);
        atomic_fetch_sub_explicit(&lg_rt.nblocking, 1, memory_order_seq_cst);
        return;
    }
    /* The worker was handed to a spare thread. Suspend here; our g0 queues us. */
    m->p = NULL;
    lg_legion *l = m->current;
    m->post = LG_POST_LOST_WORKER;
    lg__context_switch(&l->stack->ctx, &m->g0);
}

void lg__threads_stop_and_join(void) {
    lg__wake_all_idle();
    pthread_mutex_lock(&lg_rt.threads_lock);
    while (lg_rt.spares) {
        lg_thread *m = lg_rt.spares;
        lg_rt.spares = m->spare_next;
        m->on_spare = false;
        atomic_store_explicit(&m->park_word, 1, memory_order_release);
        lg__futex_wake(&m->park_word, 1);
    }
    lg_thread *all = lg_rt.threads;
    lg_rt.threads = NULL;
    pthread_mutex_unlock(&lg_rt.threads_lock);
    for (lg_thread *m = all; m; m = m->all_next) {
        /* A worker parked after the first round of wakes would sleep forever: keep
         * waking the idle list until each thread has ended. */
        for (;;) {
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_nsec += 20 * 1000 * 1000;
            if (ts.tv_nsec >= 1000000000) {
                ts.tv_sec++;
                ts.tv_nsec -= 1000000000;
            }
            if (pthread_timedjoin_np(m->join_handle, NULL, &ts) == 0) break;
            lg__wake_all_idle();
            pthread_mutex_lock(&lg_rt.threads_lock);
            while (lg_rt.spares) {
                lg_thread *s = lg_rt.spares;
                lg_rt.spares = s->spare_next;
                s->on_spare = false;
                atomic_store_explicit(&s->park_word, 1, memory_order_release);
                lg__futex_wake(&s->park_word, 1);
            }
            pthread_mutex_unlock(&lg_rt.threads_lock);
        }
    }
    while (all) {
        lg_thread *next = all->all_next;
        free(all);
        all = next;
    }
}
