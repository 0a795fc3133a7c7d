/*
 * scenario_table.c - every C scenario, with the arguments and extra checks the XCTest
 * cases in Tests/CLegionTests use, as one table: the scenario runner of
 * scripts/cross-test.sh (fixtures/scenario_main.c) runs it on each architecture, and
 * CLegionTests checks that every lg_test_* function the XCTest cases call is listed
 * here. Adding a scenario is one line in `scenarios` below (plus a wrapper when it
 * needs arguments or checks of its outputs).
 *
 * Sizes: LG_TEST_SCALE (a fraction in (0, 1], default 1) shrinks the counts of the
 * long scenarios, so the suite stays within minutes under an emulator. Every scenario
 * still runs, and each count keeps a floor at which its checks still mean something.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"

static long scaled(long count, long floor) {
    const char *s = getenv("LG_TEST_SCALE");
    double f = s ? strtod(s, NULL) : 1.0;
    if (!(f > 0 && f <= 1)) f = 1.0;
    long n = (long)((double)count * f);
    return n < floor ? floor : n;
}

#define ASM LG_CONTEXT_ASM
#define UCTX LG_CONTEXT_UCONTEXT

static int spawn_many_stackful(void) {
    for (unsigned w = 1; w <= 4; w *= 2)
        if (lg_test_spawn_many(w, 0, ASM, scaled(100000, 5000))) return -1;
    return 0;
}
static int spawn_many_resumable(void) {
    for (unsigned w = 1; w <= 4; w *= 2)
        if (lg_test_spawn_many(w, 1, ASM, scaled(100000, 5000))) return -1;
    return 0;
}
static int spawn_many_ucontext(void) {
    return lg_test_spawn_many(2, 0, UCTX, scaled(20000, 2000)) || lg_test_spawn_many(2, 1, UCTX, scaled(20000, 2000));
}
static int pingpong_asm(void) {
    return lg_test_yield_pingpong(ASM, scaled(100000, 5000));
}
static int pingpong_ucontext(void) {
    return lg_test_yield_pingpong(UCTX, scaled(20000, 2000));
}
static int handoffs(int resumable, int context, long count) {
    long cross = 0, parks = 0;
    if (lg_test_handoffs(2, resumable, context, count, &cross, &parks)) return -1;
    if (context == ASM && parks <= count / 2)
        return lg_test_fail("only %ld parks for %ld hand-offs: most should park the receiver", parks, count);
    return 0;
}
static int handoffs_stackful(void) {
    return handoffs(0, ASM, scaled(1000000, 20000));
}
static int handoffs_resumable(void) {
    return handoffs(1, ASM, scaled(1000000, 20000));
}
static int handoffs_ucontext(void) {
    return handoffs(0, UCTX, scaled(100000, 5000));
}
static int timers_asm(void) {
    return lg_test_timers(ASM);
}
static int timers_ucontext(void) {
    return lg_test_timers(UCTX);
}
static int spread(int mode) {
    uint64_t counts[2] = {0, 0};
    long count = scaled(10000, 2000);
    if (lg_test_spread(2, mode, count, counts)) return -1;
    if (mode == LG_STEAL_OFF) {
        uint64_t most = counts[0] > counts[1] ? counts[0] : counts[1];
        if (most != (uint64_t)count)
            return lg_test_fail("without stealing %llu and %llu legions ran on the two workers",
                                (unsigned long long)counts[0], (unsigned long long)counts[1]);
    } else if (!counts[0] || !counts[1]) {
        return lg_test_fail("a worker ran no legion (%llu, %llu)", (unsigned long long)counts[0],
                            (unsigned long long)counts[1]);
    }
    return 0;
}
static int spread_random(void) {
    return spread(LG_STEAL_RANDOM);
}
static int spread_most_loaded(void) {
    return spread(LG_STEAL_MOST_LOADED);
}
static int spread_off(void) {
    return spread(LG_STEAL_OFF);
}
static int preempt_flag(void) {
    return lg_test_preempt(LG_PREEMPT_ON, 0) || lg_test_preempt(LG_PREEMPT_ON, 1);
}
static int preempt_signal(void) {
    return lg_test_preempt(LG_PREEMPT_SIGNAL, 0) || lg_test_preempt(LG_PREEMPT_SIGNAL, 1);
}
static int preempt_off(void) {
    return lg_test_preempt(LG_PREEMPT_OFF, 0);
}
static int park_commit(void) {
    return lg_test_park_commit(0) || lg_test_park_commit(1);
}
static int blocking_handoff(void) {
    uint64_t handoffs = 0, exited = 0;
    if (lg_test_blocking_handoff(&handoffs, &exited)) return -1;
    if (handoffs < 1) return lg_test_fail("no hand-off of the blocked worker");
    if (exited < 1) return lg_test_fail("no idle spare thread exited");
    return 0;
}
static int stress(void) {
    for (int seed = 0; seed < 4; seed++)
        if (lg_test_stress(4, 200, scaled(200, 50), seed)) return lg_test_fail("seed %d", seed);
    return 0;
}
static int overflow(void) {
    if (lg_test_under_thread_sanitizer()) return LG_TEST_SKIPPED; /* no threads after fork under TSan */
    char out[4096];
    int status = 0;
    if (lg_test_overflow_child(out, sizeof out, &status)) return -1;
    if (status != 70) return lg_test_fail("the overflowing child exited with %d: %s", status, out);
    if (!strstr(out, "overflowed its native stack of 64 KiB") || !strstr(out, "guard region") ||
        !strstr(out, "rerun with --stack-size 1M"))
        return lg_test_fail("unexpected overflow report: %s", out);
    return 0;
}
static int big_stack(void) {
    uint64_t high = 0;
    if (lg_test_big_stack(8 << 20, 4 << 20, &high)) return -1;
    return high >= (4u << 20) ? 0 : lg_test_fail("high-water mark %llu below 4 MiB", (unsigned long long)high);
}
static int parked_stackless(void) {
    size_t stacks = 0;
    long maps = 0;
    if (lg_test_parked_resumable(2, 1, scaled(200000, 20000), &stacks, &maps)) return -1;
    if (stacks > 4) return lg_test_fail("%zu native stacks mapped while legions are parked", stacks);
    if (maps >= 100) return lg_test_fail("/proc/self/maps grew by %ld lines while legions are parked", maps);
    return 0;
}
static int parked_dedicated(void) {
    size_t stacks = 0;
    long maps = 0;
    if (lg_test_parked_resumable(2, 0, 2000, &stacks, &maps)) return -1;
    if (stacks < 2000) return lg_test_fail("only %zu stacks for 2000 parked legions", stacks);
    if (maps < 4000) return lg_test_fail("/proc/self/maps grew by only %ld lines for 2000 stacks", maps);
    return 0;
}
static int stack_memory_returned(void) {
    if (lg_test_under_thread_sanitizer()) return LG_TEST_SKIPPED; /* shadow memory makes RSS meaningless */
    long before = 0, peak = 0, after = 0, touched = 64 * 1536;
    if (lg_test_stack_memory_returned(64, 2 << 20, 1536 << 10, &before, &peak, &after)) return -1;
    if (peak - before <= touched * 3 / 4) return lg_test_fail("RSS grew by only %ld KiB", peak - before);
    if (after - before >= touched / 4)
        return lg_test_fail("RSS after pooling: before %ld KiB, peak %ld KiB, after %ld KiB", before, peak, after);
    return 0;
}
static int stack_exhaustion(void) {
    if (lg_test_under_thread_sanitizer()) return LG_TEST_SKIPPED; /* TSan's shadow owns most of the address space */
    /* qemu-user keeps per-page state for the guest's mappings: filling the address
     * space would exhaust the emulator's memory first (it is killed). */
    if (getenv("LG_TEST_EMULATED")) return LG_TEST_SKIPPED;
    long spawned = 0, unrun = 0;
    return lg_test_stack_exhaustion(&spawned, &unrun);
}
static int memory_after_spike(void) {
    long before = 0, peak = 0, after = 0;
    unsigned ms = 0;
    if (lg_test_under_thread_sanitizer()) /* shadow memory makes RSS meaningless: races only */
        return lg_test_memory_after_spike(20000, 3000, &before, &peak, &after, &ms);
    if (lg_test_memory_after_spike(scaled(500000, 50000), 3000, &before, &peak, &after, &ms)) return -1;
    if (after - before > (peak - before) / 4)
        return lg_test_fail("RSS %ld KiB before, %ld KiB at the peak, still %ld KiB %u ms after the spike", before,
                            peak, after, ms);
    return 0;
}
static int trace(void) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/legion-trace-%d.json", (int)getpid());
    int rc = lg_test_trace(path);
    unlink(path);
    return rc;
}
static int stats_table(void) {
    char out[8192];
    if (lg_test_stats_table(out, sizeof out)) return -1;
    if (strncmp(out, "worker", 6) || !strstr(out, "\n0 ") || !strstr(out, "\n1 ") || !strstr(out, "\ntotal"))
        return lg_test_fail("unexpected statistics table:\n%s", out);
    return 0;
}

static int seeded_same_order(void) {
    uint64_t seeds[] = {1, 42, 0xDEADBEEF, (9ull << 48) | 12345};
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++)
        if (lg_test_seeded_same_seed_same_order(seeds[i])) return -1;
    return 0;
}
static int seeded_seeds_differ(void) {
    unsigned distinct = 0;
    if (lg_test_seeded_seeds_differ(20, &distinct)) return -1;
    if (distinct < 10) return lg_test_fail("20 seeds gave only %u different interleavings", distinct);
    return 0;
}
static int seeded_virtual_clock(void) {
    uint64_t wall = 0;
    return lg_test_seeded_virtual_clock(&wall);
}

static int poll_many(void) {
    return lg_test_poll_many(1, 500) || lg_test_poll_many(4, 500);
}
static int poll_close(void) {
    return lg_test_poll_close_wakes_waiters(1) || lg_test_poll_close_wakes_waiters(3);
}
static int poll_deadlines(void) {
    return lg_test_poll_deadlines(2);
}
static int poll_watch(void) {
    return lg_test_poll_watch(1, scaled(5000, 500)) || lg_test_poll_watch(4, scaled(5000, 500));
}
static int poll_pingpong(void) {
    return lg_test_poll_pingpong(1, 4, scaled(2000, 200)) || lg_test_poll_pingpong(4, 8, scaled(2000, 200));
}

static const lg_test_scenario scenarios[] = {
    /* name                                      lg_test_* it drives        run */
    {"context switch keeps registers",          "lg_test_context_registers", lg_test_context_registers},
    {"spawn many stackful, 1/2/4 workers",      "lg_test_spawn_many",        spawn_many_stackful},
    {"spawn many resumable, 1/2/4 workers",     "lg_test_spawn_many",        spawn_many_resumable},
    {"spawn many, ucontext",                    "lg_test_spawn_many",        spawn_many_ucontext},
    {"yield ping-pong, asm",                    "lg_test_yield_pingpong",    pingpong_asm},
    {"yield ping-pong, ucontext",               "lg_test_yield_pingpong",    pingpong_ucontext},
    {"hand-offs, stackful",                     "lg_test_handoffs",          handoffs_stackful},
    {"hand-offs, resumable",                    "lg_test_handoffs",          handoffs_resumable},
    {"hand-offs, ucontext",                     "lg_test_handoffs",          handoffs_ucontext},
    {"park commit and permits",                 "lg_test_park_commit",       park_commit},
    {"retained legion",                         "lg_test_retained_legion",   lg_test_retained_legion},
    {"quiescence",                              "lg_test_quiescence",        lg_test_quiescence},
    {"timers, asm",                             "lg_test_timers",            timers_asm},
    {"timers, ucontext",                        "lg_test_timers",            timers_ucontext},
    {"stealing spreads work, random",           "lg_test_spread",            spread_random},
    {"stealing spreads work, most loaded",      "lg_test_spread",            spread_most_loaded},
    {"no stealing keeps work local",            "lg_test_spread",            spread_off},
    {"preemption by flag",                      "lg_test_preempt",           preempt_flag},
    {"preemption by signal",                    "lg_test_preempt",           preempt_signal},
    {"no preemption keeps the worker",          "lg_test_preempt",           preempt_off},
    {"blocking call hands off its worker",      "lg_test_blocking_handoff",  blocking_handoff},
    {"scheduler stress, 4 seeds",               "lg_test_stress",            stress},
    {"stack overflow report",                   "lg_test_overflow_child",    overflow},
    {"8 MiB stack",                             "lg_test_big_stack",         big_stack},
    {"stackless parking",                       "lg_test_parked_resumable",  parked_stackless},
    {"dedicated stacks when parked",            "lg_test_parked_resumable",  parked_dedicated},
    {"pooled stacks give memory back",          "lg_test_stack_memory_returned", stack_memory_returned},
    {"no native stack fails one spawn",         "lg_test_stack_exhaustion",  stack_exhaustion},
    {"memory comes back after a spike",         "lg_test_memory_after_spike", memory_after_spike},
    {"trace",                                   "lg_test_trace",             trace},
    {"statistics table",                        "lg_test_stats_table",       stats_table},
    {"seeded: same seed, same interleaving",    "lg_test_seeded_same_seed_same_order", seeded_same_order},
    {"seeded: different seeds differ",          "lg_test_seeded_seeds_differ", seeded_seeds_differ},
    {"seeded: virtual clock",                   "lg_test_seeded_virtual_clock", seeded_virtual_clock},
    {"seeded: clock limit",                     "lg_test_seeded_clock_limit", lg_test_seeded_clock_limit},
    {"poller: many descriptors, 1/4 workers",   "lg_test_poll_many",         poll_many},
    {"poller: close wakes every waiter",        "lg_test_poll_close_wakes_waiters", poll_close},
    {"poller: deadlines",                       "lg_test_poll_deadlines",    poll_deadlines},
    {"poller: readiness racing with parking",   "lg_test_poll_pingpong",     poll_pingpong},
    {"poller: a watched blocking descriptor",   "lg_test_poll_watch",        poll_watch},
};

size_t lg_test_scenario_count(void) {
    return sizeof scenarios / sizeof scenarios[0];
}

const lg_test_scenario *lg_test_scenario_at(size_t i) {
    return i < lg_test_scenario_count() ? &scenarios[i] : NULL;
}
