/*
 * The slow paths of the lock in malphas_sync.h: brief spinning, then sleeping on the
 * word with a private futex. Waking is only needed when a taker marked the word 2.
 */
#include "malphas_sync.h"

#include <linux/futex.h>
#include <sched.h>
#include <sys/syscall.h>
#include <unistd.h>

static void futex_wait(uint32_t *word, uint32_t value) {
    syscall(SYS_futex, word, FUTEX_WAIT_PRIVATE, value, NULL, NULL, 0);
}

static void futex_wake_one(uint32_t *word) {
    syscall(SYS_futex, word, FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

void mal_lock_slow(uint32_t *word) {
    for (int spin = 0; spin < 100; spin++) {
        if (__atomic_load_n(word, __ATOMIC_RELAXED) == 0 && mal_trylock(word))
            return;
#if defined(__x86_64__)
        __builtin_ia32_pause();
#elif defined(__aarch64__)
        __asm__ __volatile__("yield");
#endif
    }
    // Mark the lock contended; whoever releases it then wakes one sleeper.
    while (__atomic_exchange_n(word, 2, __ATOMIC_ACQUIRE) != 0)
        futex_wait(word, 2);
}

void mal_unlock_wake(uint32_t *word) {
    futex_wake_one(word);
}
