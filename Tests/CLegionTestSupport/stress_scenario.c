/*
 * stress_scenario.c - many legions on many workers doing random things at once.
 *
 * Every legion (half stackful, half resumable) performs a fixed number of random
 * operations: yield; park in one of a few waiting rooms (sometimes with a deadline);
 * ready a legion waiting in a room; spawn a child; sleep; burn CPU while polling the
 * preempt flag; make a bracketed blocking call. The test thread meanwhile readies
 * every waiting legion from outside the runtime, so no legion waits forever. At the end
 * every legion must have finished all its operations and the runtime must be quiescent
 * with nothing parked. Run under ThreadSanitizer, this is the runtime's race test.
 *
 * A legion parked with a deadline may wake by its timer while still listed in its
 * room, so a waker readies legions while holding the room's lock, and a woken legion
 * takes itself out of the room under the same lock before going on: a legion can never
 * end while someone is about to ready it.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"

enum { ROOMS = 8 };

typedef struct room {
    spinlock lock;
    lg_legion **waiting; /* under lock */
    long count, cap;     /* under lock */
} room;

typedef struct actor {
    uint64_t rng;
    long ops_left;
    int room;       /* the room it is listed in, or -1 */
    bool resumable;
} actor;

static room rooms[ROOMS];
static long max_legions;
static _Atomic long started, finished, ops_done, spawn_budget, bad;

static uint32_t next_rand(actor *a) {
    uint64_t x = a->rng;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    a->rng = x;
    return (uint32_t)((x * UINT64_C(2685821657736338717)) >> 32);
}

static void room_add(room *r, lg_legion *l) { /* under lock */
    if (r->count == r->cap) atomic_fetch_add(&bad, 1);
    else r->waiting[r->count++] = l;
}

static void room_remove(room *r, lg_legion *l) { /* under lock */
    for (long i = 0; i < r->count; i++)
        if (r->waiting[i] == l) {
            r->waiting[i] = r->waiting[--r->count];
            return;
        }
}

/* Readies one waiting legion of room r (or all), under the room's lock. */
static void room_wake(room *r, bool all) {
    spin_lock(&r->lock);
    do {
        if (r->count == 0) break;
        lg_legion *l = r->waiting[--r->count];
        lg_ready(l);
    } while (all);
    spin_unlock(&r->lock);
}

static void leave_room(actor *a, lg_legion *self) {
    if (a->room < 0) return;
    room *r = &rooms[a->room];
    spin_lock(&r->lock);
    room_remove(r, self);
    spin_unlock(&r->lock);
    a->room = -1;
}

static actor *new_actor(uint64_t seed, long ops, bool resumable) {
    actor *a = malloc(sizeof *a);
    a->rng = seed | 1;
    a->ops_left = ops;
    a->room = -1;
    a->resumable = resumable;
    return a;
}

static void stackful_actor(void *u);
static lg_step_result resumable_actor(lg_legion *l, void *u);

static void spawn_actor(actor *parent) {
    if (atomic_fetch_sub(&spawn_budget, 1) <= 0) return;
    actor *child = new_actor(((uint64_t)next_rand(parent) << 32) | next_rand(parent), 20 + next_rand(parent) % 20,
                             next_rand(parent) & 1);
    atomic_fetch_add(&started, 1);
    uint64_t id = child->resumable ? lg_spawn_resumable(resumable_actor, child) : lg_spawn(stackful_actor, child);
    if (!id) {
        atomic_fetch_add(&bad, 1);
        atomic_fetch_add(&finished, 1);
        free(child);
    }
}

static void burn_polling(uint64_t ns, bool may_yield) {
    uint8_t *flag = lg_preempt_flag();
    uint64_t end = lg_now_ns() + ns;
    while (lg_now_ns() < end) {
        if (flag && lg_preempt_requested(flag) && may_yield) {
            lg_yield();
            flag = lg_preempt_flag();
        }
    }
}

/* One operation that does not switch (or switches in place). Returns the kind of
 * switch the caller must do: 0 none, 1 yield, 2 park in a room, 3 sleep-park. */
static int do_op(actor *a, lg_legion *self) {
    uint32_t r = next_rand(a) % 100;
    atomic_fetch_add_explicit(&ops_done, 1, memory_order_relaxed);
    if (r < 25) return 1;
    if (r < 50) {
        int k = (int)(next_rand(a) % ROOMS);
        room *rm = &rooms[k];
        spin_lock(&rm->lock);
        room_add(rm, self);
        a->room = k;
        if (next_rand(a) % 5 == 0) lg_park_deadline(lg_now_ns() + 200000 + next_rand(a) % 1000000);
        return 2; /* caller parks with the unlock commit */
    }
    if (r < 70) {
        room_wake(&rooms[next_rand(a) % ROOMS], false);
        return 0;
    }
    if (r < 80) {
        spawn_actor(a);
        return 0;
    }
    if (r < 88) {
        lg_park_deadline(lg_now_ns() + next_rand(a) % 100000);
        return 3;
    }
    if (r < 95) {
        burn_polling(5000 + next_rand(a) % 20000, !a->resumable);
        return 0;
    }
    lg_blocking_enter();
    usleep(20 + next_rand(a) % 100);
    lg_blocking_exit();
    return 0;
}

static void stackful_actor(void *u) {
    actor *a = u;
    while (a->ops_left-- > 0) {
        lg_legion *self = lg_current();
        switch (do_op(a, self)) {
        case 1:
            lg_yield();
            break;
        case 2:
            lg_park(lg_test_unlock_commit, &rooms[a->room].lock);
            leave_room(a, lg_current());
            break;
        case 3:
            lg_park(NULL, NULL);
            break;
        }
    }
    free(a);
    atomic_fetch_add(&finished, 1);
}

static lg_step_result resumable_actor(lg_legion *l, void *u) {
    actor *a = u;
    leave_room(a, l); /* back from a room park, if that is where we were */
    while (a->ops_left-- > 0) {
        switch (do_op(a, l)) {
        case 1:
            return LG_STEP_YIELD;
        case 2:
            lg_park_commit(lg_test_unlock_commit, &rooms[a->room].lock);
            return LG_STEP_PARK;
        case 3:
            return LG_STEP_PARK;
        }
        if ((a->ops_left & 7) == 0) { /* sometimes block in place inside the step */
            lg_yield();
            l = lg_current();
        }
    }
    free(a);
    atomic_fetch_add(&finished, 1);
    return LG_STEP_DONE;
}

int lg_test_stress(unsigned workers, long legions, long ops, int seed) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    /* Seeds 0-3 cover: random/flag/asm, most-loaded/flag/ucontext, random/signal/asm
     * without stackless parking, most-loaded/flag/asm. */
    c.steal = seed % 2 ? LG_STEAL_MOST_LOADED : LG_STEAL_RANDOM;
    c.preempt = seed % 3 == 2 ? LG_PREEMPT_SIGNAL : LG_PREEMPT_ON;
    c.context = seed % 4 == 1 ? LG_CONTEXT_UCONTEXT : LG_CONTEXT_ASM;
    c.stackless = seed % 4 != 2;
    c.time_slice_us = 500;
    c.blocking_handoff_us = 50;
    c.spare_idle_ms = 20;
    c.stack_pool_max = 4;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    max_legions = legions * 3;
    for (int i = 0; i < ROOMS; i++) {
        memset(&rooms[i], 0, sizeof rooms[i]);
        rooms[i].cap = max_legions;
        rooms[i].waiting = calloc((size_t)max_legions, sizeof(lg_legion *));
    }
    atomic_store(&started, 0);
    atomic_store(&finished, 0);
    atomic_store(&ops_done, 0);
    atomic_store(&spawn_budget, legions * 2);
    atomic_store(&bad, 0);
    for (long i = 0; i < legions; i++) {
        actor *a = new_actor((uint64_t)seed * 7919 + (uint64_t)i * 104729 + 1, ops, i & 1);
        atomic_fetch_add(&started, 1);
        CHECK(a->resumable ? lg_spawn_resumable(resumable_actor, a) : lg_spawn(stackful_actor, a), "spawn failed");
    }
    uint64_t t0 = lg_now_ns();
    while (atomic_load(&finished) != atomic_load(&started)) {
        CHECK(lg_now_ns() - t0 < 120000000000u, "stress did not finish in 120 s: %ld of %ld legions done",
              atomic_load(&finished), atomic_load(&started));
        for (int i = 0; i < ROOMS; i++) room_wake(&rooms[i], true);
        usleep(200);
    }
    long parked = lg_test_quiesce(30000);
    CHECK(parked == 0, "after every legion finished: %ld parked (-1: not quiescent)", parked);
    CHECK(atomic_load(&bad) == 0, "%ld internal errors", atomic_load(&bad));
    CHECK(atomic_load(&ops_done) >= legions * ops, "only %ld operations done", atomic_load(&ops_done));
    rc = 0;
out:
    lg_shutdown();
    for (int i = 0; i < ROOMS; i++) free(rooms[i].waiting);
    return rc;
}
