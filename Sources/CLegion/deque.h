/*
 * deque.h - the Chase-Lev work-stealing deque of each worker.
 *
 * One owner thread pushes and takes at the bottom (LIFO: the legion spawned last runs
 * first, while its spawner's data is still in cache); any other thread may steal from
 * the top (FIFO: thieves take the oldest work). The owner is whichever thread holds the
 * worker (see lg_worker in runtime.h); ownership moves only with a release/acquire
 * hand-off. Items are non-NULL pointers. See deque.c for the memory orders.
 */
#ifndef CLEGION_DEQUE_H
#define CLEGION_DEQUE_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

/* The circular array. Replaced by one twice the size when full; retired arrays are
 * kept because a thief may still be reading one, until lg__deque_shrink runs at a
 * moment when no thief can be (every worker parked) or lg__deque_destroy. */
typedef struct lg_deque_array {
    int64_t size;                  /* a power of two; immutable */
    struct lg_deque_array *retired; /* owner only: the array this one replaced */
    _Atomic(void *) slot[];        /* relaxed: a thief may read a slot the owner rewrites */
} lg_deque_array;

typedef struct lg_deque {
    _Alignas(64) _Atomic int64_t top;    /* CAS by thieves, and by the owner for the last item */
    _Alignas(64) _Atomic int64_t bottom; /* written by the owner only */
    _Atomic(lg_deque_array *) array;     /* written by the owner only (release) */
} lg_deque;

/* steal() lost a race with another thief or the owner: the deque may not be empty. */
#define LG_DEQUE_ABORT ((void *)1)

int lg__deque_init(lg_deque *q, int64_t capacity);
void lg__deque_destroy(lg_deque *q);
/* Frees the retired arrays and, if the deque is empty, replaces a grown array by one of
 * the initial size. Only while no thread can be pushing, taking or stealing (every
 * worker parked). Returns the bytes freed. */
size_t lg__deque_shrink(lg_deque *q);
/* Owner only. Returns 0, or -1 if growing failed (the item was not pushed). */
int lg__deque_push(lg_deque *q, void *item);
/* Owner only. NULL when empty. */
void *lg__deque_take(lg_deque *q);
/* Any thread. NULL when empty, LG_DEQUE_ABORT when it lost a race. */
void *lg__deque_steal(lg_deque *q);
/* Any thread: a snapshot that may be stale by the time it returns. */
static inline int64_t lg__deque_size(lg_deque *q) {
    int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
    int64_t t = atomic_load_explicit(&q->top, memory_order_relaxed);
    return b > t ? b - t : 0;
}

#endif
