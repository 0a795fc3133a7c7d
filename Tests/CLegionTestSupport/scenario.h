/*
 * scenario.h - helpers shared by the test scenarios: failure reporting, a start/stop
 * wrapper with bounded waits, a spinlock that may be released on another context (a
 * commit runs on the scheduler's stack, which TSan sees as another fiber, so the
 * mailboxes use an atomic flag rather than a pthread mutex), and a mailbox.
 */
#ifndef CLEGION_SCENARIO_H
#define CLEGION_SCENARIO_H

#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "clegion.h"
#include "clegion_test_support.h"

int lg_test_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
#define CHECK(cond, ...)                          \
    do {                                          \
        if (!(cond)) {                            \
            lg_test_fail(__VA_ARGS__);            \
            goto out;                             \
        }                                         \
    } while (0)

/* Forgets an earlier failure (scenarios without a runtime). */
void lg_test_begin(void);
/* Starts a runtime with c; fails the scenario if it cannot. */
int lg_test_start(lg_config *c);
/* Waits up to timeout_ms for quiescence; returns the parked count, -1 on timeout, or
 * -2 if quiescence was only found when the timeout expired (a lost signal). */
long lg_test_quiesce(unsigned timeout_ms);
/* Resident set size in KiB (/proc/self/statm). */
long lg_test_rss_kb(void);
/* Lines of /proc/self/maps. */
long lg_test_map_count(void);
/* Spins the CPU for about ns nanoseconds. */
void lg_test_burn(uint64_t ns);

typedef struct spinlock {
    atomic_flag f;
} spinlock;
static inline void spin_lock(spinlock *l) {
    while (atomic_flag_test_and_set_explicit(&l->f, memory_order_acquire)) {
#if defined(__x86_64__)
        __builtin_ia32_pause();
#endif
    }
}
static inline void spin_unlock(spinlock *l) {
    atomic_flag_clear_explicit(&l->f, memory_order_release);
}
bool lg_test_unlock_commit(lg_legion *l, void *lock); /* commit: releases a spinlock */

/* A mailbox of tokens with at most one waiting legion. */
typedef struct mailbox {
    spinlock lock;
    long tokens;        /* under lock */
    lg_legion *waiter;  /* under lock */
    int giver_worker;   /* under lock: the worker of the last giver */
} mailbox;

#endif
