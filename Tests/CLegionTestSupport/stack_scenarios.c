/*
 * stack_scenarios.c - native stacks: overflow report, big stacks, stackless parking,
 * memory given back by the pool.
 */
#include <errno.h>
#include <alloca.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "scenario.h"

/* ---------------------------------------------------------------------------------
 * Overflow, in a child process.
 * --------------------------------------------------------------------------------- */
static volatile long overflow_sink;

__attribute__((noinline)) static long recurse_forever(long depth) {
    volatile char frame[512];
    frame[0] = (char)depth;
    overflow_sink += frame[0];
    return recurse_forever(depth + 1) + frame[0]; /* not a tail call */
}

static void overflowing_legion(void *u) {
    (void)u;
    overflow_sink = recurse_forever(0);
}

int lg_test_overflow_child(char *out, size_t outlen, int *status) {
    int fds[2];
    if (pipe(fds) != 0) return lg_test_fail("pipe");
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) return lg_test_fail("fork");
    if (pid == 0) {
        dup2(fds[1], 2);
        close(fds[0]);
        close(fds[1]);
        alarm(20); /* never outlive the test */
        lg_config c;
        lg_config_init(&c);
        c.workers = 1;
        c.stack_size = 64 * 1024;
        c.overflow_hint = "rerun with --stack-size 1M";
        if (lg_start(&c) != 0) _exit(3);
        lg_spawn(overflowing_legion, NULL);
        lg_wait_quiescent();
        _exit(0); /* not reached: the overflow ends the process */
    }
    close(fds[1]);
    size_t n = 0;
    ssize_t r;
    while (n + 1 < outlen && (r = read(fds[0], out + n, outlen - 1 - n)) > 0) n += (size_t)r;
    out[n] = 0;
    close(fds[0]);
    int st = 0;
    waitpid(pid, &st, 0);
    *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return 0;
}

/* ---------------------------------------------------------------------------------
 * A legion using a big part of a big stack.
 * --------------------------------------------------------------------------------- */
static size_t big_use;
static _Atomic long big_ok;

__attribute__((noinline)) static long use_stack(size_t bytes) {
    volatile char *buf = alloca(bytes);
    /* Touch from the top (nearest the caller) down, page by page, as a deep call
     * chain would, then check it all. */
    for (size_t i = bytes; i >= 4096; i -= 4096) buf[i - 4096] = (char)(i >> 12);
    long sum = 0;
    for (size_t i = bytes; i >= 4096; i -= 4096) sum += buf[i - 4096] == (char)(i >> 12);
    return sum;
}

static void big_legion(void *u) {
    (void)u;
    long pages = use_stack(big_use);
    if (pages == (long)(big_use / 4096)) atomic_store(&big_ok, 1);
}

int lg_test_big_stack(size_t size, size_t use, uint64_t *high_water) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 1;
    c.stack_size = size;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    big_use = use;
    atomic_store(&big_ok, 0);
    CHECK(lg_spawn(big_legion, NULL), "spawn failed");
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    CHECK(atomic_load(&big_ok), "the stack did not hold its contents");
    lg_worker_stats s[1];
    lg_stats_snapshot(s, 1);
    *high_water = s[0].stack_high_water;
    CHECK(s[0].stack_high_water >= use, "high-water mark %llu below the %zu bytes used",
          (unsigned long long)s[0].stack_high_water, use);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Parked resumable legions hold no native stack.
 * --------------------------------------------------------------------------------- */
static lg_legion **parked_slots;
static _Atomic long parked_finished;

static lg_step_result park_once_step(lg_legion *l, void *u) {
    long i = (long)(intptr_t)u;
    if (parked_slots[i] == NULL) {
        parked_slots[i] = l;
        return LG_STEP_PARK;
    }
    atomic_fetch_add_explicit(&parked_finished, 1, memory_order_relaxed);
    return LG_STEP_DONE;
}

/* Readies the first n legions parked by park_once_step and waits until all have
 * finished; fails with what it saw otherwise. */
static int finish_parked(long n) {
    for (long i = 0; i < n; i++) lg_ready(parked_slots[i]);
    long parked = lg_test_quiesce(120000);
    if (parked != 0) return lg_test_fail("%ld of %ld legions still parked after being readied", parked, n);
    long finished = atomic_load(&parked_finished);
    if (finished != n) return lg_test_fail("%ld of %ld readied legions finished", finished, n);
    return 0;
}

int lg_test_parked_resumable(unsigned workers, int stackless, long count, size_t *stacks, long *maps) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    c.stackless = stackless;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    parked_slots = calloc((size_t)count, sizeof(lg_legion *));
    atomic_store(&parked_finished, 0);
    long maps_before = lg_test_map_count();
    for (long i = 0; i < count; i++) CHECK(lg_spawn_resumable(park_once_step, (void *)(intptr_t)i), "spawn failed");
    long parked = lg_test_quiesce(60000);
    CHECK(parked == count, "expected %ld parked, got %ld", count, parked);
    *stacks = lg_live_stacks();
    *maps = lg_test_map_count() - maps_before;
    CHECK(finish_parked(count) == 0, "readied");
    rc = 0;
out:
    lg_shutdown();
    free(parked_slots);
    parked_slots = NULL;
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Memory goes back to the kernel when stacks return to the pool.
 * --------------------------------------------------------------------------------- */
static size_t touch_bytes;
static lg_legion **touch_slots;
static _Atomic long touch_parked;

__attribute__((noinline)) static void touch_stack(size_t bytes) {
    volatile char *buf = alloca(bytes);
    for (size_t i = bytes; i >= 4096; i -= 4096) buf[i - 4096] = 1;
}

static void toucher(void *u) {
    long i = (long)(intptr_t)u;
    touch_stack(touch_bytes);
    touch_slots[i] = lg_current();
    atomic_fetch_add(&touch_parked, 1);
    lg_park(NULL, NULL);
}

int lg_test_stack_memory_returned(long count, size_t size, size_t touch, long *before_kb, long *peak_kb,
                                  long *after_kb) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 1;
    c.stack_size = size;
    c.stack_pool_max = (unsigned)count + 1; /* keep every stack: only madvise can give memory back */
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    touch_bytes = touch;
    touch_slots = calloc((size_t)count, sizeof(lg_legion *));
    atomic_store(&touch_parked, 0);
    *before_kb = lg_test_rss_kb();
    for (long i = 0; i < count; i++) CHECK(lg_spawn(toucher, (void *)(intptr_t)i), "spawn failed");
    CHECK(lg_test_quiesce(30000) == count, "expected %ld parked", count);
    *peak_kb = lg_test_rss_kb();
    size_t mapped = lg_live_stacks();
    for (long i = 0; i < count; i++) lg_ready(touch_slots[i]);
    CHECK(lg_test_quiesce(30000) == 0, "did not finish");
    *after_kb = lg_test_rss_kb();
    CHECK(lg_live_stacks() >= mapped, "stacks were unmapped (%zu of %zu left), so this does not test the pool",
          lg_live_stacks(), mapped);
    rc = 0;
out:
    lg_shutdown();
    free(touch_slots);
    touch_slots = NULL;
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Running out of native stacks fails one spawn, or ends one legion, and nothing else.
 * Stacks of 1 TiB (MAP_NORESERVE: address space only) exhaust the 128 TiB of a 47-bit
 * address space after about a hundred, without touching the kernel's mapping limit or
 * other processes; smaller allocations keep working meanwhile.
 * --------------------------------------------------------------------------------- */
#define HUGE_STACK ((size_t)1 << 40)
#define HUGE_MAX 4096 /* spawns attempted: far more than the address space holds */
static _Atomic long exhaustion_failures, exhaustion_finished;
static lg_legion *exhaustion_parked[HUGE_MAX];
static _Atomic long exhaustion_user_bad;

static void on_stack_failure(lg_legion *l, void *user, int error) {
    (void)l;
    long i = (long)(intptr_t)user;
    if (error != ENOMEM || i < 0 || i >= HUGE_MAX) atomic_fetch_add(&exhaustion_user_bad, 1);
    atomic_fetch_add(&exhaustion_failures, 1);
}

static void parks_once(void *u) {
    exhaustion_parked[(long)(intptr_t)u] = lg_current();
    lg_park(NULL, NULL);
    atomic_fetch_add(&exhaustion_finished, 1);
}

int lg_test_stack_exhaustion(long *spawned, long *ended_unrun) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    c.stackless = false; /* every resumable legion keeps its own stack, mapped at spawn */
    c.stack_size = HUGE_STACK;
    c.stack_failure = on_stack_failure;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    parked_slots = calloc(HUGE_MAX, sizeof(lg_legion *));
    atomic_store(&parked_finished, 0);
    atomic_store(&exhaustion_failures, 0);
    atomic_store(&exhaustion_finished, 0);
    atomic_store(&exhaustion_user_bad, 0);
    memset(exhaustion_parked, 0, sizeof exhaustion_parked);

    /* Resumable legions with dedicated stacks: the spawn itself fails, with ENOMEM. */
    long n = 0;
    int error = 0;
    for (; n < HUGE_MAX; n++) {
        errno = 0;
        if (!lg_spawn_resumable(park_once_step, (void *)(intptr_t)n)) {
            error = errno;
            break;
        }
    }
    *spawned = n;
    CHECK(n < HUGE_MAX, "%d spawns of legions with 1 TiB stacks all succeeded", HUGE_MAX);
    CHECK(error == ENOMEM, "the failed spawn set errno %d (%s), not ENOMEM", error, strerror(error));
    CHECK(lg_test_quiesce(30000) == n, "the %ld legions spawned before the failure did not all park", n);
    CHECK(lg_live_stacks() >= (size_t)n, "%zu stacks mapped for %ld parked legions", lg_live_stacks(), n);
    CHECK(finish_parked(n) == 0, "after the failed spawn");

    /* Stackful legions get their stack when they first run: the ones that cannot end
     * unrun, and the embedder's callback hears of each. */
    for (long i = 0; i < HUGE_MAX / 16; i++) CHECK(lg_spawn(parks_once, (void *)(intptr_t)i), "stackful spawn %ld failed", i);
    long parked = lg_test_quiesce(30000);
    long failures = atomic_load(&exhaustion_failures);
    *ended_unrun = failures;
    CHECK(failures > 0, "all %d stackful legions got a 1 TiB stack", HUGE_MAX / 16);
    CHECK(atomic_load(&exhaustion_user_bad) == 0, "the failure callback got a wrong user pointer or errno");
    CHECK(parked + failures == HUGE_MAX / 16, "%ld parked and %ld ended unrun of %d", parked, failures, HUGE_MAX / 16);
    for (long i = 0; i < HUGE_MAX / 16; i++)
        if (exhaustion_parked[i]) lg_ready(exhaustion_parked[i]);
    CHECK(lg_test_quiesce(30000) == 0, "the parked stackful legions did not finish");
    CHECK(atomic_load(&exhaustion_finished) == parked, "%ld of %ld parked stackful legions finished",
          atomic_load(&exhaustion_finished), parked);
    rc = 0;
out:
    lg_shutdown();
    free(parked_slots);
    parked_slots = NULL;
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Memory comes back after a spike: legions parked at once, then all ended.
 * --------------------------------------------------------------------------------- */
static long spike_count;

static void spike_root(void *u) {
    (void)u;
    /* From one legion, so they go through (and grow) its worker's deque. */
    for (long i = 0; i < spike_count; i++) lg_spawn_resumable(park_once_step, (void *)(intptr_t)i);
}

int lg_test_memory_after_spike(long count, unsigned within_ms, long *before_kb, long *peak_kb, long *after_kb,
                               unsigned *after_ms) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 2;
    parked_slots = calloc((size_t)count, sizeof(lg_legion *));
    if (!parked_slots) return lg_test_fail("calloc");
    memset(parked_slots, 0, (size_t)count * sizeof(lg_legion *)); /* resident in every reading */
    if (lg_test_start(&c)) {
        free(parked_slots);
        return -1;
    }
    int rc = -1;
    spike_count = count;
    atomic_store(&parked_finished, 0);
    *before_kb = lg_test_rss_kb();
    CHECK(lg_spawn(spike_root, NULL), "spawn failed");
    long parked = lg_test_quiesce(120000);
    CHECK(parked == count, "expected %ld parked, got %ld", count, parked);
    *peak_kb = lg_test_rss_kb();
    CHECK(finish_parked(count) == 0, "the spike");
    /* The monitor reclaims after a second of idleness; poll until the growth is down to
     * a quarter of the spike's, or the time is up. */
    uint64_t t0 = lg_now_ns();
    long grown = *peak_kb - *before_kb;
    do {
        *after_kb = lg_test_rss_kb();
        *after_ms = (unsigned)((lg_now_ns() - t0) / 1000000u);
        if (*after_kb - *before_kb <= grown / 4) break;
        usleep(50000);
    } while (*after_ms < within_ms);
    /* The runtime runs on with what the reclaim left: a second, smaller spike through
     * the shrunk deques, pools and free lists. */
    atomic_store(&parked_finished, 0);
    memset(parked_slots, 0, (size_t)count * sizeof(lg_legion *));
    spike_count = count / 10;
    CHECK(lg_spawn(spike_root, NULL), "spawn after the reclaim failed");
    CHECK(lg_test_quiesce(120000) == spike_count, "the second spike did not park");
    CHECK(finish_parked(spike_count) == 0, "the second spike, after the reclaim");
    rc = 0;
out:
    lg_shutdown();
    free(parked_slots);
    parked_slots = NULL;
    return rc;
}
