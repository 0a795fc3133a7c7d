/*
 * preemption_scenarios.c - preemption by flag and by signal, and the blocking-call
 * bracket that hands a worker to a spare thread.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "scenario.h"

/* ---------------------------------------------------------------------------------
 * A spinner that only polls the preempt flag must let another legion run.
 * --------------------------------------------------------------------------------- */
static _Atomic int spin_stop, other_ran, spinner_started;

static void spinner(void *u) {
    (void)u;
    atomic_store(&spinner_started, 1);
    uint8_t *flag = lg_preempt_flag();
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed)) {
        if (lg_preempt_requested(flag)) {
            lg_yield();
            flag = lg_preempt_flag(); /* we may be on another worker now */
        }
    }
}

static lg_step_result spinner_step(lg_legion *l, void *u) {
    (void)l;
    (void)u;
    atomic_store(&spinner_started, 1);
    uint8_t *flag = lg_preempt_flag(); /* stable for this step */
    while (!atomic_load_explicit(&spin_stop, memory_order_relaxed))
        if (lg_preempt_requested(flag)) return LG_STEP_YIELD;
    return LG_STEP_DONE;
}

static void other(void *u) {
    (void)u;
    atomic_store(&other_ran, 1);
    atomic_store(&spin_stop, 1);
}

int lg_test_preempt(int mode, int resumable) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 1;
    c.preempt = mode;
    c.time_slice_us = 2000;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&spin_stop, 0);
    atomic_store(&other_ran, 0);
    atomic_store(&spinner_started, 0);
    CHECK(resumable ? lg_spawn_resumable(spinner_step, NULL) : lg_spawn(spinner, NULL), "spawn failed");
    uint64_t t0 = lg_now_ns();
    while (!atomic_load(&spinner_started) && lg_now_ns() - t0 < 5000000000u) usleep(100);
    CHECK(lg_spawn(other, NULL), "spawn failed");
    uint64_t limit = mode == LG_PREEMPT_OFF ? 300000000u : 5000000000u;
    t0 = lg_now_ns();
    while (!atomic_load(&other_ran) && lg_now_ns() - t0 < limit) usleep(200);
    int ran = atomic_load(&other_ran);
    atomic_store(&spin_stop, 1); /* release the spinner in any case */
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    if (mode == LG_PREEMPT_OFF) {
        CHECK(!ran, "with preemption off the other legion ran while the spinner spun");
    } else {
        CHECK(ran, "the other legion did not run within 5 s: the spinner was not preempted");
        lg_worker_stats s[1];
        lg_stats_snapshot(s, 1);
        CHECK(s[0].preemptions >= 1, "no preemption counted");
        lg_runtime_stats r;
        lg_runtime_stats_snapshot(&r);
        CHECK(r.preempt_requests >= 1, "the monitor made no preempt request");
    }
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Blocking bracket.
 * --------------------------------------------------------------------------------- */
static int block_pipe[2];
static _Atomic long block_others;
static _Atomic int block_read_done;
static char block_byte;

static void block_other(void *u) {
    (void)u;
    atomic_fetch_add(&block_others, 1);
}

static void blocker(void *u) {
    (void)u;
    for (int i = 0; i < 100; i++) lg_spawn(block_other, NULL); /* onto this worker's deque */
    lg_blocking_enter();
    ssize_t n = read(block_pipe[0], &block_byte, 1);
    lg_blocking_exit();
    if (n == 1) atomic_store(&block_read_done, 1);
}

int lg_test_blocking_handoff(uint64_t *handoffs, uint64_t *exited) {
    lg_config c;
    lg_config_init(&c);
    c.workers = 1;
    c.blocking_handoff_us = 200;
    c.spare_idle_ms = 50;
    if (pipe(block_pipe) != 0) return lg_test_fail("pipe");
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&block_others, 0);
    atomic_store(&block_read_done, 0);
    CHECK(lg_spawn(blocker, NULL), "spawn failed");
    uint64_t t0 = lg_now_ns();
    while (atomic_load(&block_others) < 100 && lg_now_ns() - t0 < 5000000000u) usleep(200);
    long others = atomic_load(&block_others);
    CHECK(!atomic_load(&block_read_done), "the read returned before the pipe was written");
    CHECK(write(block_pipe[1], "x", 1) == 1, "write");
    CHECK(others == 100, "only %ld of 100 legions ran while one worker's legion was blocked", others);
    CHECK(lg_test_quiesce(10000) == 0, "did not finish");
    CHECK(atomic_load(&block_read_done), "the blocked legion did not finish its read");
    /* The thread that lost its worker is now a spare: it exits after 50 ms idle. */
    lg_runtime_stats r;
    t0 = lg_now_ns();
    do {
        usleep(10000);
        lg_runtime_stats_snapshot(&r);
    } while (r.threads_exited == 0 && lg_now_ns() - t0 < 3000000000u);
    *handoffs = r.handoffs;
    *exited = r.threads_exited;
    CHECK(r.handoffs >= 1, "no hand-off happened");
    CHECK(r.threads_exited >= 1, "no spare thread exited after its idle timeout");
    rc = 0;
out:
    lg_shutdown();
    close(block_pipe[0]);
    close(block_pipe[1]);
    return rc;
}
