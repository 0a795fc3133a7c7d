/*
 * clegion_test_support.h - test scenarios for the legion runtime, written in C (where
 * legions are natural to write) and driven from the XCTest cases in Tests/CLegionTests.
 *
 * Every scenario starts its own runtime, checks what it is about, shuts the runtime
 * down and returns 0 on success. On failure it returns non-zero and lg_test_failure()
 * says what went wrong. Every scenario is bounded in time: waits have timeouts.
 */
#ifndef CLEGION_TEST_SUPPORT_H
#define CLEGION_TEST_SUPPORT_H

#include <stddef.h>
#include <stdint.h>

/// Why the last scenario failed.
const char *lg_test_failure(void);

/// 1 when built with ThreadSanitizer, which cannot start threads after forking a
/// multithreaded process and whose shadow memory makes RSS meaningless.
int lg_test_under_thread_sanitizer(void);

/// Two contexts switch 1000 times through the assembly switch; every callee-saved
/// register and each context's own MXCSR and x87 control word must survive (x86-64).
int lg_test_context_registers(void);

/// One legion spawns `count` legions (stackful or resumable) that each add their index
/// to a sum; checks the sum, that all ran, and that nothing is left parked.
int lg_test_spawn_many(unsigned workers, int resumable, int context, long count);

/// `count` park/ready hand-offs: 8 pairs of legions play ping-pong through mailboxes
/// (park with a commit that unlocks the mailbox; the giver readies the taker), yielding
/// every 8 rounds so they move between workers. Checks every legion received exactly
/// its share, no token is left over, and parks <= readies of parked legions (a ready
/// that lands before the park completes cancels it).
/// *cross receives how many hand-offs went to a legion on another worker, *parks how
/// many parks were committed.
int lg_test_handoffs(unsigned workers, int resumable, int context, long count, long *cross, long *parks);

/// Two legions on one worker yield `rounds` times each; checks that they alternate
/// strictly (a yield goes to the back of the FIFO global queue).
int lg_test_yield_pingpong(int context, long rounds);

/// One legion spawns `count` CPU-bound legions; per_worker[i] receives how many ran on
/// worker i (per_worker has `workers` entries).
int lg_test_spread(unsigned workers, int steal_mode, long count, uint64_t *per_worker);

/// On one worker, a legion that spins polling only the preempt flag (yielding when it
/// is set) must let another legion run. mode: LG_PREEMPT_*. With LG_PREEMPT_OFF the
/// scenario checks the opposite: the other legion does not run within 300 ms.
int lg_test_preempt(int mode, int resumable);

/// In a child process (fork), a legion recurses until it hits its guard region. The
/// child's stderr goes to out; *status receives its exit status (or 128+signal).
int lg_test_overflow_child(char *out, size_t outlen, int *status);

/// A legion uses `use` bytes of a stack of `size` bytes; checks the high-water mark.
int lg_test_big_stack(size_t size, size_t use, uint64_t *high_water);

/// `count` resumable legions park at their first step. *stacks receives the native
/// stacks mapped while they are parked and *maps the growth of /proc/self/maps lines.
/// Then all are readied and must finish.
int lg_test_parked_resumable(unsigned workers, int stackless, long count, size_t *stacks, long *maps);

/// `count` stackful legions each touch `touch` bytes of a `size` stack and park; then
/// they are readied and end. RSS (KiB, /proc/self/statm) before, while parked, after.
int lg_test_stack_memory_returned(long count, size_t size, size_t touch, long *before_kb, long *peak_kb,
                                  long *after_kb);

/// Native stacks of 1 TiB exhaust the address space: a resumable spawn with stackless
/// parking off (its stack mapped at spawn) fails with 0 and ENOMEM while the legions
/// spawned before it park and finish; stackful legions that cannot get a stack when
/// they first run end unrun and lg_config.stack_failure hears of each. *spawned
/// receives the resumable spawns that succeeded, *ended_unrun the stackful failures.
int lg_test_stack_exhaustion(long *spawned, long *ended_unrun);

/// One legion spawns `count` resumable legions that all park (the spike), then all are
/// readied and end. RSS (KiB) before, at the peak, and after: polled until the growth
/// over `before` is down to a quarter of the spike's or `within_ms` have passed since
/// the last legion ended; *after_ms receives when it was read. Then a spike a tenth the
/// size runs on what the monitor's reclaim left, and must finish.
int lg_test_memory_after_spike(long count, unsigned within_ms, long *before_kb, long *peak_kb, long *after_kb,
                               unsigned *after_ms);

/// Sleeps and deadlines: stackful lg_sleep_ns, resumable lg_park_deadline, a deadline
/// cancelled by an earlier ready, and a timer that must not wake a later park.
int lg_test_timers(int context);

/// A legion retained with lg_legion_retain outlives its end: its id stays readable and
/// lg_ready on it does nothing; lg_legion_release frees it.
int lg_test_retained_legion(void);

/// Quiescence: parked legions are counted; lg_wake_waiter wakes; a sleeping legion
/// keeps the runtime from being quiescent until it wakes.
int lg_test_quiescence(void);

/// Commit returning false cancels the park; a ready before the park is a permit.
int lg_test_park_commit(int resumable);

/// On one worker, a legion blocks in a bracketed read of a pipe while 100 others run.
/// *handoffs receives the number of hand-offs; also checks spare threads exit.
int lg_test_blocking_handoff(uint64_t *handoffs, uint64_t *exited);

/// Many legions on many workers doing random yields, parks (with and without
/// deadlines), readies, spawns, sleeps and blocking calls, while the test thread wakes
/// parked ones from outside. Checks every operation completed and nothing was lost.
/// The seed also picks the steal mode, preemption mode, context switch and whether
/// stackless parking is on.
int lg_test_stress(unsigned workers, long legions, long ops, int seed);

/// Writes a trace of a small run to path and checks the JSON has run slices.
int lg_test_trace(const char *path);

/// Prints the statistics table of a small run to a string (for the table test).
int lg_test_stats_table(char *out, size_t outlen);

/// Seeded policy: the scenario of four stepping legions (seeded_scenarios.c) run four
/// times under `seed` logs the same interleaving every time.
int lg_test_seeded_same_seed_same_order(uint64_t seed);

/// Seeded policy: the same scenario under seeds 1..seeds; *distinct receives how many
/// different interleavings they produced.
int lg_test_seeded_seeds_differ(unsigned seeds, unsigned *distinct);

/// Seeded policy: legions sleeping 1 to 4 virtual seconds wake in deadline order at
/// exactly their deadlines on the virtual clock; *wall_ns receives the real time taken.
int lg_test_seeded_virtual_clock(uint64_t *wall_ns);

/// Seeded policy with a clock limit of 2 s: a legion sleeping 5 s leaves the runtime
/// quiescent with lg_clock_limit_reached() true, never woken; a plain runtime started
/// after it is not quiescent while a legion sleeps.
int lg_test_seeded_clock_limit(void);

/// One entry of the table of every scenario (scenario_table.c), run on each
/// architecture by scripts/cross-test.sh.
typedef struct lg_test_scenario {
    const char *name;    ///< what it checks, for the result line
    const char *drives;  ///< the lg_test_* function it calls
    int (*run)(void);    ///< 0: passed, LG_TEST_SKIPPED, or else lg_test_failure() says why
} lg_test_scenario;

/// What a scenario returns when it cannot run here (the XCTest cases skip it too).
#define LG_TEST_SKIPPED 77

/// The number of scenarios in the table, and the i-th of them.
size_t lg_test_scenario_count(void);
const lg_test_scenario *lg_test_scenario_at(size_t i);

/// `count` stackful legions each wait to read one byte from their own socketpair; while
/// they all wait the runtime must not look quiescent; then one legion writes to every
/// pair and each reader must get its own byte (poller.c).
int lg_test_poll_many(unsigned workers, long count);

/// Eight legions wait to read one descriptor; another closes it: each must resume with
/// EBADF, the peer must see end of stream, and reading after the close must fail.
int lg_test_poll_close_wakes_waiters(unsigned workers);

/// A read with a deadline on a silent descriptor times out (not before the deadline) and
/// the descriptor works afterwards; a deadline beaten by data does not cut a later park short.
int lg_test_poll_deadlines(unsigned workers);

/// `pairs` pairs of resumable legions play ping-pong with one byte for `rounds` rounds
/// over socketpairs (parking stacklessly with lg_poll_park_commit), so readiness keeps
/// racing with parking; a lost wakeup leaves a legion parked.
int lg_test_poll_pingpong(unsigned workers, long pairs, long rounds);

/// A blocking pipe watched with lg_poll_watch: a reader that reads only when poll(2)
/// says it cannot block, parking otherwise, gets all `count` bytes in order and the end;
/// the descriptor stays blocking and open through lg_poll_close and lg_shutdown.
int lg_test_poll_watch(unsigned workers, long count);

#endif
