/*
 * futex.h - the one primitive idle threads sleep on.
 *
 * A worker, a spare thread or the monitor sleeps on a 32-bit word of its own; whoever
 * wants it awake stores a new value into the word (release) and wakes it. The sleeper
 * re-reads the word (acquire) after every return, so spurious and early returns are
 * harmless. Private futexes: the words never leave this process.
 */
#ifndef CLEGION_FUTEX_H
#define CLEGION_FUTEX_H

#include <errno.h>
#include <linux/futex.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* Sleeps while *word == expected, at most timeout_ns (UINT64_MAX: no limit). */
static inline void lg__futex_wait(_Atomic uint32_t *word, uint32_t expected, uint64_t timeout_ns) {
    struct timespec ts, *tsp = NULL;
    if (timeout_ns != UINT64_MAX) {
        ts.tv_sec = (time_t)(timeout_ns / 1000000000u);
        ts.tv_nsec = (long)(timeout_ns % 1000000000u);
        tsp = &ts;
    }
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, tsp, NULL, 0);
}

static inline void lg__futex_wake(_Atomic uint32_t *word, int count) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, count, NULL, NULL, 0);
}

#endif
