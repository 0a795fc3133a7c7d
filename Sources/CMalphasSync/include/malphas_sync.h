/*
 * malphas_sync.h - the few atomics and the lock the Malphas VM needs to run legions on
 * several worker threads at once: a channel lock, relaxed loads and stores of inline
 * caches, and counters. (A legion's claim word is a Swift Atomic inside its LegionState.)
 *
 * Why C: the operations must be real atomics (so ThreadSanitizer sees them and the
 * compiler keeps them whole) and the lock must not be a pthread mutex. A legion takes a
 * channel's lock in its step and the runtime releases it in the park commit, on the
 * worker's scheduler stack (another fiber): pthread mutexes do not allow that, an
 * atomic word does.
 *
 * Also here, because Swift's Glibc module does not export <malloc.h>: the malloc
 * settings the `malphas` command makes (mal_malloc_one_arena).
 */
#ifndef MALPHAS_SYNC_H
#define MALPHAS_SYNC_H

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ---- Lock: a word, 0 free, 1 held, 2 held with waiters (Drepper, "Futexes Are Tricky",
 * mutex 2). Taken with one CAS when free; contended takers spin briefly, then sleep on
 * the futex. Critical sections in the VM are a few hundred instructions at most. ---- */

void mal_lock_slow(uint32_t *word);
void mal_unlock_wake(uint32_t *word);

static inline void mal_lock(uint32_t *word) {
    uint32_t expected = 0;
    if (__builtin_expect(__atomic_compare_exchange_n(word, &expected, 1, false, __ATOMIC_ACQUIRE,
                                                     __ATOMIC_RELAXED), 1))
        return;
    mal_lock_slow(word);
}

static inline bool mal_trylock(uint32_t *word) {
    uint32_t expected = 0;
    return __atomic_compare_exchange_n(word, &expected, 1, false, __ATOMIC_ACQUIRE, __ATOMIC_RELAXED);
}

static inline void mal_unlock(uint32_t *word) {
    if (__builtin_expect(__atomic_exchange_n(word, 0, __ATOMIC_RELEASE) == 2, 0))
        mal_unlock_wake(word);
}

/* ---- Claim words and flags. ---- */

/// Sets *word from 0 to 1; true for the one caller that did it (acq_rel: the claimer
/// sees what the waiter wrote before queueing, and whoever sees 1 sees the claim).
static inline bool mal_claim(uint32_t *word) {
    uint32_t expected = 0;
    return __atomic_compare_exchange_n(word, &expected, 1, false, __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE);
}

static inline uint32_t mal_load_acquire_u32(const uint32_t *word) {
    return __atomic_load_n(word, __ATOMIC_ACQUIRE);
}

static inline void mal_store_release_u32(uint32_t *word, uint32_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELEASE);
}

/* ---- Inline caches and counters: relaxed, single-copy atomic words. ---- */

static inline uint64_t mal_load_relaxed_u64(const uint64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}

static inline void mal_store_relaxed_u64(uint64_t *word, uint64_t value) {
    __atomic_store_n(word, value, __ATOMIC_RELAXED);
}

static inline int64_t mal_fetch_add_i64(int64_t *word, int64_t delta) {
    return __atomic_fetch_add(word, delta, __ATOMIC_RELAXED);
}

static inline int64_t mal_load_relaxed_i64(const int64_t *word) {
    return __atomic_load_n(word, __ATOMIC_RELAXED);
}

static inline uint8_t mal_load_relaxed_u8(const uint8_t *byte) {
    return __atomic_load_n(byte, __ATOMIC_RELAXED);
}

/* For flags that signal handlers and other threads raise and one thread polls (the
 * REPL's interrupt request): relaxed, because the flag carries no data with it. */
static inline void mal_store_relaxed_u8(uint8_t *byte, uint8_t value) {
    __atomic_store_n(byte, value, __ATOMIC_RELAXED);
}

/* ---- Allocator. Legions allocate their state on worker threads. glibc gives each
 * thread an arena of its own, and a thread arena grows its heap one mprotect call per
 * page it needs: a million legions made about 90,000 calls, a tenth of the spawn
 * benchmark's time. The main arena grows with brk, M_TOP_PAD bytes at a time; with one
 * arena and 16 MiB steps the same run makes about 50 calls. Small blocks still come
 * from per-thread caches without the arena's lock. A larger step costs no memory
 * (pages are committed on first touch); setting it also fixes the mmap threshold at
 * its default (128 KiB) instead of letting glibc raise it. ---- */
static inline void mal_malloc_one_arena(int grow_step_bytes) {
    mallopt(M_ARENA_MAX, 1);
    mallopt(M_TOP_PAD, grow_step_bytes);
}

#ifdef __cplusplus
}
#endif
#endif /* MALPHAS_SYNC_H */
