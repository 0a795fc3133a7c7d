/*
 * timer.c - the timer heap behind deadlines and sleeps.
 *
 * One binary min-heap of (deadline, legion, park generation) under one mutex: timers
 * are armed only by parks that carry a deadline, so the lock is not on any hot path.
 * lg__timer_next mirrors the earliest deadline (UINT64_MAX when empty) so that workers
 * can check for due timers with one relaxed load per scheduling round, and parked
 * workers can sleep exactly until the next deadline. Workers fire due timers in their
 * scheduling loop and when their park times out; the monitor fires them too, so a
 * deadline is met within about a millisecond even when every worker is busy.
 *
 * An entry holds a reference to its legion. It is removed when the legion is readied
 * by someone else (lg__timer_cancel) or when it fires; a firing readies the legion
 * only if it is still parked in the generation the timer was armed for. A legion has
 * at most one entry: arming over an older, stale entry (possible when a ready raced
 * with the arming) replaces it, and an older arming never replaces a newer one.
 */
#include <stdlib.h>
#include "runtime.h"

typedef struct lg_timer {
    uint64_t deadline;
    uint64_t gen;
    lg_legion *legion;
} lg_timer;

static pthread_mutex_t timer_lock = PTHREAD_MUTEX_INITIALIZER;
static lg_timer *heap;       /* [L:timer_lock] */
static size_t nheap, capheap; /* [L:timer_lock] */
_Atomic uint64_t lg__timer_next = UINT64_MAX; /* [L:timer_lock] for writes (seq_cst); lock-free reads */

static void place(size_t i, lg_timer t) {
    heap[i] = t;
    t.legion->timer_index = (int64_t)i;
}

static void sift_up(size_t i) {
    lg_timer t = heap[i];
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (heap[parent].deadline <= t.deadline) break;
        place(i, heap[parent]);
        i = parent;
    }
    place(i, t);
}

static void sift_down(size_t i) {
    lg_timer t = heap[i];
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= nheap) break;
        if (c + 1 < nheap && heap[c + 1].deadline < heap[c].deadline) c++;
        if (heap[c].deadline >= t.deadline) break;
        place(i, heap[c]);
        i = c;
    }
    place(i, t);
}

static void remove_at(size_t i) {
    heap[i].legion->timer_index = -1;
    nheap--;
    if (i < nheap) {
        place(i, heap[nheap]);
        sift_down(i);
        sift_up(heap[i].legion->timer_index);
    }
}

static void publish_next(void) {
    atomic_store_explicit(&lg__timer_next, nheap ? heap[0].deadline : UINT64_MAX, memory_order_seq_cst);
}

int lg__timers_start(void) {
    pthread_mutex_lock(&timer_lock);
    nheap = 0;
    publish_next();
    pthread_mutex_unlock(&timer_lock);
    return 0;
}

void lg__timers_stop(void) {
    /* The legions themselves are freed wholesale with their slabs. */
    pthread_mutex_lock(&timer_lock);
    free(heap);
    heap = NULL;
    nheap = capheap = 0;
    publish_next();
    pthread_mutex_unlock(&timer_lock);
}

void lg__timer_add(lg_legion *l, uint64_t deadline, uint64_t gen) {
    lg_legion *drop = NULL;
    pthread_mutex_lock(&timer_lock);
    if (l->timer_index >= 0) {
        size_t i = (size_t)l->timer_index;
        if (heap[i].gen >= gen) {
            drop = l; /* a newer park already armed its timer: ours is stale */
        } else {
            drop = l; /* replace the stale entry; its reference goes */
            heap[i].deadline = deadline;
            heap[i].gen = gen;
            sift_down(i);
            sift_up((size_t)l->timer_index);
        }
    } else {
        if (nheap == capheap) {
            size_t cap = capheap ? capheap * 2 : 256;
            lg_timer *n = realloc(heap, cap * sizeof *n);
            if (!n) {
                /* No memory to arm the timer: the deadline passes at once (the legion
                 * wakes as if it had expired) rather than the process aborting. A sleep
                 * parks again for the time left; this timer's reference goes. */
                pthread_mutex_unlock(&timer_lock);
                lg__ready_gen(l, gen);
                lg_legion_release(l);
                return;
            }
            heap = n;
            capheap = cap;
        }
        heap[nheap] = (lg_timer){deadline, gen, l};
        l->timer_index = (int64_t)nheap;
        nheap++;
        sift_up(nheap - 1);
    }
    publish_next();
    pthread_mutex_unlock(&timer_lock);
    if (drop) lg_legion_release(drop);
    /* No wake needed: the arming thread holds a worker and is on its way to its
     * scheduling loop, which checks lg__timer_next each round and sleeps no longer
     * than the next deadline when idle; the monitor covers workers that stay busy. */
}

void lg__timer_cancel(lg_legion *l) {
    bool removed = false;
    pthread_mutex_lock(&timer_lock);
    if (l->timer_index >= 0) {
        remove_at((size_t)l->timer_index);
        removed = true;
        publish_next();
    }
    pthread_mutex_unlock(&timer_lock);
    if (removed) lg_legion_release(l);
}

size_t lg__timers_fire(uint64_t now) {
    size_t fired = 0;
    for (;;) {
        lg_timer due[64];
        size_t n = 0;
        bool empty;
        pthread_mutex_lock(&timer_lock);
        while (n < 64 && nheap && heap[0].deadline <= now) {
            due[n++] = heap[0];
            remove_at(0);
        }
        publish_next();
        empty = nheap == 0;
        pthread_mutex_unlock(&timer_lock);
        for (size_t i = 0; i < n; i++) {
            if (lg__ready_gen(due[i].legion, due[i].gen)) fired++;
            lg_legion_release(due[i].legion);
        }
        if (n < 64) {
            /* The last timer going may be what lg_wait is waiting for. */
            if (empty && fired == 0) lg__quiescence_poke();
            return fired;
        }
    }
}
