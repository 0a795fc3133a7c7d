/*
 * seeded_scenarios.c - the seeded scheduling policy (schedule_seeded.c): the same seed
 * gives the same interleaving, different seeds give different ones, and time is
 * virtual.
 *
 * The interleaving scenario: legions spawned from outside, each taking STEPS steps;
 * every step appends the legion's letter to a log and passes a safe point (a yield when
 * the schedule asks for one), and every third step the legion yields by itself, so
 * both the choice of the next legion and the preemption points shape the log.
 */
#include <stdlib.h>
#include <string.h>
#include "scenario.h"

#define LEGIONS 4
#define STEPS 12
#define LOG_MAX (LEGIONS * STEPS + 1)

static char order_log[LOG_MAX];
static int order_len; /* one worker: only legions append, one at a time */

typedef struct stepper {
    int index;
    int done;
} stepper;
static stepper steppers[LEGIONS];

static lg_step_result step_once(lg_legion *l, void *user) {
    (void)l;
    stepper *st = user;
    while (st->done < STEPS) {
        order_log[order_len++] = (char)('a' + st->index);
        st->done++;
        if (st->done % 3 == 0) return LG_STEP_YIELD; /* a yield the legion asks for */
        if (lg_schedule_safe_point()) return LG_STEP_YIELD;
    }
    return LG_STEP_DONE;
}

/* The one legion spawned from outside spawns the others: spawns from another thread
 * are taken in whenever the worker next looks, so only what legions do is scheduled
 * deterministically (Malphas, too, spawns one main legion from outside). */
static lg_step_result start_steppers(lg_legion *l, void *user) {
    (void)l;
    (void)user;
    for (int i = 0; i < LEGIONS; i++) {
        steppers[i] = (stepper){i, 0};
        if (!lg_spawn_resumable(step_once, &steppers[i])) abort();
    }
    return LG_STEP_DONE;
}

/* Runs the scenario under `seed`; the interleaving goes to out (LOG_MAX bytes). */
static int run_order(uint64_t seed, char *out) {
    lg_config c;
    lg_config_init(&c);
    c.seeded = true;
    c.seed = seed;
    c.workers = 4; /* ignored: seeded runs on one worker */
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    order_len = 0;
    memset(order_log, 0, sizeof order_log);
    CHECK(lg_num_workers() == 1, "a seeded runtime must have one worker, has %u", lg_num_workers());
    CHECK(lg_spawn_resumable(start_steppers, NULL), "spawn failed");
    long parked = lg_test_quiesce(10000);
    CHECK(parked == 0, "expected every legion to finish, %ld left", parked);
    CHECK(order_len == LEGIONS * STEPS, "expected %d steps, logged %d", LEGIONS * STEPS, order_len);
    memcpy(out, order_log, LOG_MAX);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

int lg_test_seeded_same_seed_same_order(uint64_t seed) {
    lg_test_begin();
    char first[LOG_MAX], again[LOG_MAX];
    if (run_order(seed, first)) return -1;
    for (int i = 0; i < 3; i++) {
        if (run_order(seed, again)) return -1;
        if (memcmp(first, again, LOG_MAX) != 0)
            return lg_test_fail("seed %llu: run 1 was %s, run %d was %s", (unsigned long long)seed, first, i + 2, again);
    }
    return 0;
}

int lg_test_seeded_seeds_differ(unsigned seeds, unsigned *distinct) {
    lg_test_begin();
    char (*orders)[LOG_MAX] = calloc(seeds, LOG_MAX);
    if (!orders) return lg_test_fail("out of memory");
    *distinct = 0;
    for (unsigned i = 0; i < seeds; i++) {
        if (run_order(i + 1, orders[i])) {
            free(orders);
            return -1;
        }
        bool seen = false;
        for (unsigned j = 0; j < i && !seen; j++) seen = memcmp(orders[i], orders[j], LOG_MAX) == 0;
        if (!seen) (*distinct)++;
    }
    free(orders);
    return 0;
}

/* ---------------------------------------------------------------------------------
 * Virtual time.
 * --------------------------------------------------------------------------------- */
static uint64_t woke_at[LEGIONS];
static int wake_order[LEGIONS];
static int wakes;

static void sleepy(void *u) {
    int i = (int)(intptr_t)u;
    /* Legion i sleeps (LEGIONS - i) seconds in two halves: the last spawned wakes first. */
    uint64_t total = (uint64_t)(LEGIONS - i) * 1000000000u;
    lg_sleep_ns(total / 2);
    lg_sleep_ns(total - total / 2);
    woke_at[i] = lg_clock_ns();
    wake_order[wakes++] = i;
}

static void start_sleepers(void *u) {
    (void)u;
    for (int i = 0; i < LEGIONS; i++)
        if (!lg_spawn(sleepy, (void *)(intptr_t)i)) abort();
}

int lg_test_seeded_virtual_clock(uint64_t *wall_ns) {
    lg_config c;
    lg_config_init(&c);
    c.seeded = true;
    c.seed = 7;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    wakes = 0;
    uint64_t t0 = lg_now_ns();
    CHECK(lg_clock_ns() == 0, "the virtual clock must start at 0, is %llu", (unsigned long long)lg_clock_ns());
    CHECK(lg_spawn(start_sleepers, NULL), "spawn failed");
    long parked = lg_test_quiesce(10000);
    *wall_ns = lg_now_ns() - t0;
    CHECK(parked == 0, "expected every sleeper to finish, %ld left", parked);
    CHECK(wakes == LEGIONS, "expected %d wakes, saw %d", LEGIONS, wakes);
    for (int i = 0; i < LEGIONS; i++) {
        CHECK(woke_at[i] == (uint64_t)(LEGIONS - i) * 1000000000u, "legion %d woke at %llu ns, not at %d s", i,
              (unsigned long long)woke_at[i], LEGIONS - i);
        CHECK(wake_order[i] == LEGIONS - 1 - i, "wake %d was legion %d", i, wake_order[i]);
    }
    CHECK(lg_clock_ns() == (uint64_t)LEGIONS * 1000000000u, "the clock ended at %llu", (unsigned long long)lg_clock_ns());
    CHECK(!lg_clock_limit_reached(), "no limit was set");
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

static void long_sleeper(void *u) {
    (void)u;
    lg_sleep_ns(5000000000u);
    woke_at[0] = lg_clock_ns();
}

int lg_test_seeded_clock_limit(void) {
    lg_config c;
    lg_config_init(&c);
    c.seeded = true;
    c.seed = 3;
    c.clock_limit_ns = 2000000000u;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    woke_at[0] = 0;
    CHECK(lg_spawn(long_sleeper, NULL), "spawn failed");
    long parked = lg_test_quiesce(10000);
    CHECK(parked == 1, "expected the sleeper parked at the limit, got %ld", parked);
    CHECK(lg_clock_limit_reached(), "the clock must report its limit");
    CHECK(woke_at[0] == 0, "the sleeper woke past the limit");
    CHECK(lg_clock_ns() <= 2000000000u, "the clock passed its limit: %llu", (unsigned long long)lg_clock_ns());
    lg_shutdown();
    /* A runtime started next without the policy waits for its timers again. */
    lg_config_init(&c);
    c.workers = 1;
    if (lg_test_start(&c)) return -1;
    CHECK(lg_spawn(long_sleeper, NULL), "spawn failed");
    CHECK(lg_wait(20000000, NULL) == LG_WAIT_TIMEOUT, "a plain runtime with a sleeper looked quiescent");
    CHECK(!lg_clock_limit_reached(), "the limit outlived its runtime");
    rc = 0;
out:
    lg_shutdown();
    return rc;
}
