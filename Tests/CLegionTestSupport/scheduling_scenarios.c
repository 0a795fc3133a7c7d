/*
 * scheduling_scenarios.c - spawning, hand-offs, yields, load balance, commits,
 * quiescence, timers, tracing and statistics.
 */
#include <stdlib.h>
#include <string.h>
#include "scenario.h"

/* ---------------------------------------------------------------------------------
 * Spawn many.
 * --------------------------------------------------------------------------------- */
static _Atomic long spawn_sum, spawn_ran;
static long spawn_count;

static void spawn_leaf(void *u) {
    atomic_fetch_add_explicit(&spawn_sum, (long)(intptr_t)u, memory_order_relaxed);
    atomic_fetch_add_explicit(&spawn_ran, 1, memory_order_relaxed);
}
static lg_step_result spawn_leaf_step(lg_legion *l, void *u) {
    (void)l;
    spawn_leaf(u);
    return LG_STEP_DONE;
}
static void spawn_root(void *u) {
    for (long i = 1; i <= spawn_count; i++) {
        uint64_t id = u ? lg_spawn_resumable(spawn_leaf_step, (void *)(intptr_t)i)
                        : lg_spawn(spawn_leaf, (void *)(intptr_t)i);
        if (!id) return;
    }
}

int lg_test_spawn_many(unsigned workers, int resumable, int context, long count) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    c.context = context;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&spawn_sum, 0);
    atomic_store(&spawn_ran, 0);
    spawn_count = count;
    CHECK(lg_spawn(spawn_root, resumable ? (void *)1 : NULL) != 0, "spawn failed");
    long parked = lg_test_quiesce(30000);
    CHECK(parked == 0, "quiescence: %ld (expected 0 parked)", parked);
    CHECK(atomic_load(&spawn_ran) == count, "ran %ld of %ld", atomic_load(&spawn_ran), count);
    CHECK(atomic_load(&spawn_sum) == count * (count + 1) / 2, "checksum %ld, expected %ld", atomic_load(&spawn_sum),
          count * (count + 1) / 2);
    lg_worker_stats s[64];
    unsigned n = lg_stats_snapshot(s, 64);
    uint64_t runs = 0, spawns = 0;
    for (unsigned i = 0; i < n; i++) runs += s[i].runs, spawns += s[i].spawns;
    CHECK(spawns == (uint64_t)count, "stats: %llu spawns", (unsigned long long)spawns);
    CHECK(runs == (uint64_t)count + 1, "stats: %llu runs", (unsigned long long)runs);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Hand-offs: PAIRS pairs of legions play ping-pong through mailboxes. Every hand-off
 * is one lg_ready of a parked legion and one park (with a commit that unlocks the
 * mailbox after the switch). Every 8 rounds a legion yields, which sends it through
 * the global queue to whichever worker comes next, so pairs keep moving between
 * workers and many readies come from another worker than the one the waiter parked on.
 * --------------------------------------------------------------------------------- */
enum { PAIRS = 8, PLAYERS = 2 * PAIRS };
static mailbox boxes[PLAYERS];
static long rounds_each;
static _Atomic long cross_worker, readies, finished_players, received[PLAYERS];

/* Takes the token from b, parking until it is there. */
static void box_take(mailbox *b) {
    for (;;) {
        spin_lock(&b->lock);
        if (b->tokens > 0) {
            b->tokens--;
            spin_unlock(&b->lock);
            return;
        }
        b->waiter = lg_current();
        b->giver_worker = lg_worker_index(); /* here: the worker the waiter parks on */
        lg_park(lg_test_unlock_commit, &b->lock); /* the commit unlocks after the switch */
    }
}

static void box_give(mailbox *b) {
    spin_lock(&b->lock);
    b->tokens++;
    lg_legion *w = b->waiter;
    int parked_on = b->giver_worker;
    b->waiter = NULL;
    spin_unlock(&b->lock);
    if (w) {
        if (parked_on != lg_worker_index()) atomic_fetch_add_explicit(&cross_worker, 1, memory_order_relaxed);
        atomic_fetch_add_explicit(&readies, 1, memory_order_relaxed);
        lg_ready(w);
    }
}

static void player(void *u) {
    long me = (long)(intptr_t)u, partner = me ^ 1;
    for (long r = 0; r < rounds_each; r++) {
        if (me & 1) {
            box_take(&boxes[me]);
            atomic_fetch_add_explicit(&received[me], 1, memory_order_relaxed);
            box_give(&boxes[partner]);
        } else {
            box_give(&boxes[partner]);
            box_take(&boxes[me]);
            atomic_fetch_add_explicit(&received[me], 1, memory_order_relaxed);
        }
        if ((r & 7) == 7) lg_yield();
    }
    atomic_fetch_add(&finished_players, 1);
}

/* The same player as a resumable legion: a state machine whose step never blocks in
 * place; it returns LG_STEP_PARK with the unlocking commit when its mailbox is empty. */
typedef struct player_state {
    long me, round;
    int phase; /* 0: next action is the first of the round, 1: the second */
} player_state;
static player_state players[PLAYERS];

static lg_step_result player_step(lg_legion *l, void *u) {
    player_state *st = u;
    long partner = st->me ^ 1;
    bool taker_first = st->me & 1;
    while (st->round < rounds_each) {
        bool take = (st->phase == 0) == taker_first;
        if (take) {
            mailbox *b = &boxes[st->me];
            spin_lock(&b->lock);
            if (b->tokens == 0) {
                b->waiter = l;
                b->giver_worker = lg_worker_index();
                lg_park_commit(lg_test_unlock_commit, &b->lock);
                return LG_STEP_PARK;
            }
            b->tokens--;
            spin_unlock(&b->lock);
            atomic_fetch_add_explicit(&received[st->me], 1, memory_order_relaxed);
        } else {
            box_give(&boxes[partner]);
        }
        if (++st->phase == 2) {
            st->phase = 0;
            if ((st->round++ & 7) == 7) return LG_STEP_YIELD;
        }
    }
    atomic_fetch_add(&finished_players, 1);
    return LG_STEP_DONE;
}

int lg_test_handoffs(unsigned workers, int resumable, int context, long count, long *cross, long *parks) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    c.context = context;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    rounds_each = count / PLAYERS;
    memset(boxes, 0, sizeof boxes);
    for (int i = 0; i < PLAYERS; i++) {
        atomic_store(&received[i], 0);
        players[i] = (player_state){i, 0, 0};
    }
    atomic_store(&cross_worker, 0);
    atomic_store(&readies, 0);
    atomic_store(&finished_players, 0);
    for (long i = 0; i < PLAYERS; i++) {
        uint64_t id = resumable ? lg_spawn_resumable(player_step, &players[i]) : lg_spawn(player, (void *)(intptr_t)i);
        CHECK(id, "spawn failed");
    }
    long parked = lg_test_quiesce(60000);
    CHECK(parked == 0, "quiescence: %ld parked (expected 0; -1 is a timeout)", parked);
    CHECK(atomic_load(&finished_players) == PLAYERS, "%ld of %d players finished", atomic_load(&finished_players),
          PLAYERS);
    for (int i = 0; i < PLAYERS; i++)
        CHECK(atomic_load(&received[i]) == rounds_each, "player %d received %ld tokens, expected %ld", i,
              atomic_load(&received[i]), rounds_each);
    for (int i = 0; i < PLAYERS; i++) CHECK(boxes[i].tokens == 0, "mailbox %d holds %ld tokens", i, boxes[i].tokens);
    lg_worker_stats ws[64];
    unsigned nw = lg_stats_snapshot(ws, 64);
    long np = 0;
    for (unsigned i = 0; i < nw; i++) np += (long)ws[i].parks;
    /* A ready can land between the commit's unlock and the CAS into PARKED: it leaves a
     * permit and the park is cancelled, so readies may exceed parks, never the reverse. */
    CHECK(np <= atomic_load(&readies), "%ld parks committed but only %ld readies of parked legions", np,
          atomic_load(&readies));
    if (parks) *parks = np;
    if (cross) *cross = atomic_load(&cross_worker);
    if (getenv("LG_TEST_STATS")) lg_stats_print(stderr);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Yield ping-pong.
 * --------------------------------------------------------------------------------- */
static _Atomic long pp_turns, pp_errors, pp_last = -1;
static long pp_rounds;

static void pp_player(void *u) {
    long me = (long)(intptr_t)u;
    for (long i = 0; i < pp_rounds; i++) {
        long prev = atomic_exchange(&pp_last, me);
        if (prev == me) atomic_fetch_add(&pp_errors, 1); /* ran twice in a row */
        atomic_fetch_add(&pp_turns, 1);
        lg_yield();
    }
}

static void pp_root(void *u) {
    (void)u;
    lg_spawn(pp_player, (void *)0);
    lg_spawn(pp_player, (void *)1);
}

int lg_test_yield_pingpong(int context, long rounds) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 1;
    c.context = context;
    c.preempt = LG_PREEMPT_OFF;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&pp_turns, 0);
    atomic_store(&pp_errors, 0);
    atomic_store(&pp_last, -1);
    pp_rounds = rounds;
    /* Both players exist before either runs: the root spawns them onto its deque. */
    CHECK(lg_spawn(pp_root, NULL), "spawn failed");
    CHECK(lg_test_quiesce(30000) == 0, "did not finish");
    CHECK(atomic_load(&pp_turns) == 2 * rounds, "turns %ld", atomic_load(&pp_turns));
    CHECK(atomic_load(&pp_errors) == 0, "a player ran twice in a row %ld times", atomic_load(&pp_errors));
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Load spreading.
 * --------------------------------------------------------------------------------- */
static _Atomic uint64_t spread_counts[64];
static long spread_n;

static void spread_leaf(void *u) {
    (void)u;
    lg_test_burn(20000);
    int w = lg_worker_index();
    if (w >= 0 && w < 64) atomic_fetch_add_explicit(&spread_counts[w], 1, memory_order_relaxed);
}
static void spread_root(void *u) {
    (void)u;
    for (long i = 0; i < spread_n; i++) lg_spawn(spread_leaf, NULL);
}

int lg_test_spread(unsigned workers, int steal_mode, long count, uint64_t *per_worker) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    c.steal = steal_mode;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    for (int i = 0; i < 64; i++) atomic_store(&spread_counts[i], 0);
    spread_n = count;
    CHECK(lg_spawn(spread_root, NULL), "spawn failed");
    CHECK(lg_test_quiesce(60000) == 0, "did not finish");
    uint64_t total = 0;
    for (unsigned i = 0; i < workers && i < 64; i++) {
        per_worker[i] = atomic_load(&spread_counts[i]);
        total += per_worker[i];
    }
    CHECK(total == (uint64_t)count, "ran %llu of %ld", (unsigned long long)total, count);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Commits and permits.
 * --------------------------------------------------------------------------------- */
static _Atomic int commit_calls, resumed;
static _Atomic(lg_legion *) permit_target;

static bool refuse(lg_legion *l, void *arg) {
    (void)l;
    (void)arg;
    atomic_fetch_add(&commit_calls, 1);
    return false;
}

static void commit_stackful(void *u) {
    (void)u;
    lg_park(refuse, NULL); /* cancelled: returns at once */
    atomic_fetch_add(&resumed, 1);
    lg_ready(lg_current()); /* a permit */
    lg_park(NULL, NULL);    /* consumes it: returns at once */
    atomic_fetch_add(&resumed, 1);
    atomic_store(&permit_target, lg_current());
    lg_park(NULL, NULL); /* parks for real until the test readies it */
    atomic_fetch_add(&resumed, 1);
}

static lg_step_result commit_step(lg_legion *l, void *u) {
    int *phase = u;
    switch ((*phase)++) {
    case 0:
        lg_park_commit(refuse, NULL);
        return LG_STEP_PARK; /* cancelled: the step is called again at once */
    case 1:
        atomic_fetch_add(&resumed, 1);
        lg_ready(l);
        return LG_STEP_PARK; /* the permit: called again at once */
    case 2:
        atomic_fetch_add(&resumed, 1);
        atomic_store(&permit_target, l);
        return LG_STEP_PARK;
    default:
        atomic_fetch_add(&resumed, 1);
        return LG_STEP_DONE;
    }
}

int lg_test_park_commit(int resumable) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    static int phase;
    phase = 0;
    atomic_store(&commit_calls, 0);
    atomic_store(&resumed, 0);
    atomic_store(&permit_target, NULL);
    CHECK(resumable ? lg_spawn_resumable(commit_step, &phase) : lg_spawn(commit_stackful, NULL), "spawn failed");
    long parked = lg_test_quiesce(10000);
    CHECK(parked == 1, "expected 1 parked legion, got %ld", parked);
    CHECK(atomic_load(&commit_calls) == 1, "commit called %d times", atomic_load(&commit_calls));
    CHECK(atomic_load(&resumed) == 2, "resumed %d times before the real park", atomic_load(&resumed));
    lg_ready(atomic_load(&permit_target)); /* from a thread outside the runtime */
    parked = lg_test_quiesce(10000);
    CHECK(parked == 0, "expected 0 parked legions, got %ld", parked);
    CHECK(atomic_load(&resumed) == 3, "resumed %d times", atomic_load(&resumed));
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * A retained legion outlives its end: readying it then does nothing.
 * --------------------------------------------------------------------------------- */
static _Atomic(lg_legion *) retained;
static _Atomic int retained_runs;

static void retained_body(void *u) {
    (void)u;
    lg_legion *self = lg_current();
    lg_legion_retain(self);
    atomic_store(&retained, self);
    atomic_fetch_add(&retained_runs, 1);
}

int lg_test_retained_legion(void) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&retained, NULL);
    atomic_store(&retained_runs, 0);
    uint64_t id = lg_spawn(retained_body, NULL);
    CHECK(id, "spawn failed");
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    lg_legion *l = atomic_load(&retained);
    CHECK(l, "the legion did not run");
    CHECK(lg_legion_id(l) == id, "the id of an ended, retained legion changed");
    lg_ready(l); /* ended: nothing happens */
    CHECK(lg_test_quiesce(10000) == 0, "readying an ended legion made something run");
    CHECK(atomic_load(&retained_runs) == 1, "an ended legion ran again");
    lg_legion_release(l);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Quiescence.
 * --------------------------------------------------------------------------------- */
static void park_forever(void *u) {
    (void)u;
    lg_park(NULL, NULL);
}
static void sleeper(void *u) {
    lg_sleep_ns((uint64_t)(intptr_t)u);
}
static void waker(void *u) {
    (void)u;
    lg_wake_waiter();
}

int lg_test_quiescence(void) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    for (int i = 0; i < 10; i++) CHECK(lg_spawn(park_forever, NULL), "spawn failed");
    long parked = lg_test_quiesce(10000);
    CHECK(parked == 10, "expected 10 parked, got %ld", parked);
    /* A sleeper keeps the runtime busy (a timer is pending) until it wakes. */
    uint64_t t0 = lg_now_ns();
    CHECK(lg_spawn(sleeper, (void *)(intptr_t)200000000), "spawn failed");
    size_t p = 0;
    lg_wait_result r = lg_wait(50000000, &p);
    CHECK(r == LG_WAIT_TIMEOUT, "a pending timer must not look quiescent (got %d)", (int)r);
    parked = lg_test_quiesce(10000);
    CHECK(parked == 10, "expected 10 parked after the sleeper, got %ld", parked);
    CHECK(lg_now_ns() - t0 >= 200000000, "quiescent before the sleeper woke");
    /* "main finished": a legion wakes the waiter. */
    CHECK(lg_spawn(waker, NULL), "spawn failed");
    r = lg_wait(10000000000u, &p);
    CHECK(r == LG_WAIT_WOKEN || r == LG_WAIT_QUIESCENT, "lg_wait returned %d", (int)r);
    if (r == LG_WAIT_QUIESCENT) { /* the waker ran before we waited: its wake is pending */
        r = lg_wait(10000000000u, &p);
        CHECK(r == LG_WAIT_WOKEN, "the wake was lost (lg_wait returned %d)", (int)r);
    }
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Timers.
 * --------------------------------------------------------------------------------- */
static _Atomic long timer_errors;
static _Atomic uint64_t late_max;

static void timed_sleeper(void *u) {
    uint64_t ns = (uint64_t)(intptr_t)u;
    uint64_t t0 = lg_now_ns();
    lg_sleep_ns(ns);
    uint64_t took = lg_now_ns() - t0;
    if (took < ns) atomic_fetch_add(&timer_errors, 1);
    uint64_t late = took - ns, m = atomic_load(&late_max);
    while (late > m && !atomic_compare_exchange_weak(&late_max, &m, late)) {}
}

typedef struct deadline_state {
    int phase;
    uint64_t start, ns;
} deadline_state;

static lg_step_result deadline_step(lg_legion *l, void *u) {
    (void)l;
    deadline_state *st = u;
    if (st->phase++ == 0) {
        st->start = lg_now_ns();
        lg_park_deadline(st->start + st->ns);
        return LG_STEP_PARK;
    }
    if (lg_now_ns() - st->start < st->ns) atomic_fetch_add(&timer_errors, 1);
    return LG_STEP_DONE;
}

static _Atomic(lg_legion *) early_target;
static _Atomic int early_phase;
static void early_woken(void *u) {
    (void)u;
    uint64_t t0 = lg_now_ns();
    atomic_store(&early_target, lg_current());
    lg_park_deadline(t0 + 100000000); /* 100 ms */
    lg_park(NULL, NULL);
    if (lg_now_ns() - t0 > 90000000) atomic_fetch_add(&timer_errors, 1); /* should be the early ready */
    atomic_store(&early_phase, 1);
    atomic_store(&early_target, lg_current());
    lg_park(NULL, NULL); /* no deadline: the cancelled timer must not end this park */
    atomic_store(&early_phase, 2);
}

int lg_test_timers(int context) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    c.context = context;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&timer_errors, 0);
    atomic_store(&late_max, 0);
    static deadline_state ds[20];
    for (int i = 0; i < 20; i++) {
        CHECK(lg_spawn(timed_sleeper, (void *)(intptr_t)((i + 1) * 1000000)), "spawn failed");
        ds[i] = (deadline_state){0, 0, (uint64_t)(i + 1) * 1000000};
        CHECK(lg_spawn_resumable(deadline_step, &ds[i]), "spawn failed");
    }
    long parked = lg_test_quiesce(10000);
    CHECK(parked == 0, "sleepers did not all finish (%ld)", parked);
    CHECK(atomic_load(&timer_errors) == 0, "%ld legions woke before their deadline", atomic_load(&timer_errors));
    /* A sanity bound only: on a loaded machine threads themselves can be descheduled
     * for tens of milliseconds; legion-bench measures lateness properly. */
    CHECK(atomic_load(&late_max) < 1000000000, "a sleeper woke %llu ns late",
          (unsigned long long)atomic_load(&late_max));

    atomic_store(&early_target, NULL);
    atomic_store(&early_phase, 0);
    CHECK(lg_spawn(early_woken, NULL), "spawn failed");
    uint64_t t0 = lg_now_ns();
    while (!atomic_load(&early_target) && lg_now_ns() - t0 < 5000000000u) lg_sleep_ns(100000);
    lg_sleep_ns(5000000); /* let it park */
    lg_ready(atomic_load(&early_target));
    while (atomic_load(&early_phase) == 0 && lg_now_ns() - t0 < 5000000000u) lg_sleep_ns(100000);
    CHECK(atomic_load(&early_phase) == 1, "the early ready did not wake the legion");
    lg_sleep_ns(150000000); /* past the cancelled deadline */
    parked = lg_test_quiesce(10000);
    CHECK(parked == 1 && atomic_load(&early_phase) == 1, "a cancelled timer woke a later park (phase %d, parked %ld)",
          atomic_load(&early_phase), parked);
    lg_ready(atomic_load(&early_target));
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    CHECK(atomic_load(&timer_errors) == 0, "the deadline fired instead of the early ready");
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Trace and statistics.
 * --------------------------------------------------------------------------------- */
static void traced_child(void *u) {
    (void)u;
    lg_yield();
}
static void traced_root(void *u) {
    (void)u;
    for (int i = 0; i < 100; i++) lg_spawn(traced_child, NULL);
}

int lg_test_trace(const char *path) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    c.trace = true;
    c.trace_capacity = 100000;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    char *text = NULL;
    CHECK(lg_spawn(traced_root, NULL), "spawn failed");
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    CHECK(lg_trace_write(path) == 0, "lg_trace_write failed");
    FILE *f = fopen(path, "r");
    CHECK(f, "cannot read the trace back");
    text = calloc(1, 8 << 20);
    size_t n = fread(text, 1, (8 << 20) - 1, f);
    fclose(f);
    CHECK(n > 0 && text[0] == '{', "not JSON");
    CHECK(strstr(text, "\"traceEvents\""), "no traceEvents");
    CHECK(strstr(text, "\"ph\":\"X\""), "no run slices");
    CHECK(strstr(text, "\"name\":\"worker 0\""), "no worker track");
    CHECK(strstr(text, "\"name\":\"spawn\""), "no spawn events");
    rc = 0;
out:
    free(text);
    lg_shutdown();
    return rc;
}

int lg_test_stats_table(char *out, size_t outlen) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    CHECK(lg_spawn(traced_root, NULL), "spawn failed");
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    FILE *f = fmemopen(out, outlen, "w");
    CHECK(f, "fmemopen");
    lg_stats_print(f);
    fclose(f);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}
