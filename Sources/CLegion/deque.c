/*
 * deque.c - the Chase-Lev work-stealing deque with the C11 memory orders of
 * N. M. Le, A. Pop, A. Cohen, F. Zappa Nardelli, "Correct and Efficient Work-Stealing
 * for Weak Memory Models", PPoPP 2013 (figure 1), proven correct there for the C11
 * model. Each order is justified next to the access that carries it.
 *
 * Invariants: top only grows (each increment is a successful CAS that claims the item
 * at the old top); bottom is written only by the owner; the items in [top, bottom) are
 * the deque's contents; an array slot is rewritten only after top has moved past it
 * (the owner checks bottom - top < size before writing).
 *
 * One deliberate departure from the paper: push publishes the new bottom with a
 * release store instead of a release fence followed by a relaxed store. For the
 * synchronisation it gives (a thief that reads the new bottom with acquire sees the
 * item and everything written before it) the two are equivalent, and ThreadSanitizer
 * understands the store but not the fence.
 */
#include "deque.h"
#include <stdlib.h>

#define DEQUE_MIN 64 /* slots of a new deque's array */

static lg_deque_array *array_new(int64_t size) {
    lg_deque_array *a = malloc(sizeof(lg_deque_array) + (size_t)size * sizeof(_Atomic(void *)));
    if (!a) return NULL;
    a->size = size;
    a->retired = NULL;
    for (int64_t i = 0; i < size; i++) atomic_init(&a->slot[i], NULL);
    return a;
}

int lg__deque_init(lg_deque *q, int64_t capacity) {
    int64_t size = DEQUE_MIN;
    while (size < capacity) size *= 2;
    lg_deque_array *a = array_new(size);
    if (!a) return -1;
    atomic_init(&q->top, 0);
    atomic_init(&q->bottom, 0);
    atomic_init(&q->array, a);
    return 0;
}

void lg__deque_destroy(lg_deque *q) {
    lg_deque_array *a = atomic_load_explicit(&q->array, memory_order_relaxed);
    while (a) {
        lg_deque_array *older = a->retired;
        free(a);
        a = older;
    }
    atomic_store_explicit(&q->array, NULL, memory_order_relaxed);
}

size_t lg__deque_shrink(lg_deque *q) {
    lg_deque_array *a = atomic_load_explicit(&q->array, memory_order_relaxed);
    size_t freed = 0;
    for (lg_deque_array *r = a->retired; r;) {
        lg_deque_array *older = r->retired;
        freed += sizeof *r + (size_t)r->size * sizeof r->slot[0];
        free(r);
        r = older;
    }
    a->retired = NULL;
    int64_t t = atomic_load_explicit(&q->top, memory_order_relaxed);
    int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
    if (a->size > DEQUE_MIN && b == t) {
        lg_deque_array *n = array_new(DEQUE_MIN);
        if (n) { /* empty: nothing to copy; indices stay, taken modulo the new size */
            atomic_store_explicit(&q->array, n, memory_order_relaxed);
            freed += sizeof *a + (size_t)a->size * sizeof a->slot[0];
            free(a);
        }
    }
    return freed;
}

/* Owner only: doubles the array, copying the live items [t, b). */
static lg_deque_array *grow(lg_deque *q, lg_deque_array *a, int64_t t, int64_t b) {
    lg_deque_array *n = array_new(a->size * 2);
    if (!n) return NULL;
    for (int64_t i = t; i < b; i++)
        atomic_store_explicit(&n->slot[i & (n->size - 1)],
                              atomic_load_explicit(&a->slot[i & (a->size - 1)], memory_order_relaxed),
                              memory_order_relaxed);
    n->retired = a;
    /* release: a thief that loads the new array (acquire) sees the copied slots. */
    atomic_store_explicit(&q->array, n, memory_order_release);
    return n;
}

int lg__deque_push(lg_deque *q, void *item) {
    /* relaxed: only the owner writes bottom. */
    int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed);
    /* acquire: pairs with the thieves' CAS on top, so the slots they took are no longer
     * being read when we overwrite them. */
    int64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
    lg_deque_array *a = atomic_load_explicit(&q->array, memory_order_relaxed);
    if (b - t > a->size - 1) {
        a = grow(q, a, t, b);
        if (!a) return -1;
    }
    atomic_store_explicit(&a->slot[b & (a->size - 1)], item, memory_order_relaxed);
    /* release (the paper: release fence + relaxed store): the item and everything the
     * owner wrote before pushing it are visible to a thief that reads this bottom. */
    atomic_store_explicit(&q->bottom, b + 1, memory_order_release);
    return 0;
}

void *lg__deque_take(lg_deque *q) {
    int64_t b = atomic_load_explicit(&q->bottom, memory_order_relaxed) - 1;
    lg_deque_array *a = atomic_load_explicit(&q->array, memory_order_relaxed);
    /* relaxed store, then a seq_cst fence: the decrement of bottom must be ordered
     * before the load of top (store-load), or the owner and a thief could both take
     * the last item. The thief has the matching seq_cst fence between its loads. */
    atomic_store_explicit(&q->bottom, b, memory_order_relaxed);
    atomic_thread_fence(memory_order_seq_cst);
    int64_t t = atomic_load_explicit(&q->top, memory_order_relaxed);
    void *item = NULL;
    if (t <= b) {
        item = atomic_load_explicit(&a->slot[b & (a->size - 1)], memory_order_relaxed);
        if (t == b) {
            /* The last item: race the thieves for it with the same CAS they use.
             * seq_cst on success, relaxed on failure, as in the paper. */
            if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1, memory_order_seq_cst,
                                                         memory_order_relaxed))
                item = NULL;
            atomic_store_explicit(&q->bottom, b + 1, memory_order_relaxed);
        }
    } else {
        atomic_store_explicit(&q->bottom, b + 1, memory_order_relaxed);
    }
    return item;
}

void *lg__deque_steal(lg_deque *q) {
    /* acquire on top, then a seq_cst fence, then acquire on bottom: the fence pairs with
     * the owner's fence in take (see there); the acquire on bottom pairs with the
     * release in push, making the item's contents visible. */
    int64_t t = atomic_load_explicit(&q->top, memory_order_acquire);
    atomic_thread_fence(memory_order_seq_cst);
    int64_t b = atomic_load_explicit(&q->bottom, memory_order_acquire);
    if (t >= b) return NULL;
    /* acquire (the paper: consume): the array pointer and the slots it copied. */
    lg_deque_array *a = atomic_load_explicit(&q->array, memory_order_acquire);
    void *item = atomic_load_explicit(&a->slot[t & (a->size - 1)], memory_order_relaxed);
    /* seq_cst on success: claims item t against other thieves and the owner's take of
     * the last item; relaxed on failure (we just report the lost race). */
    if (!atomic_compare_exchange_strong_explicit(&q->top, &t, t + 1, memory_order_seq_cst,
                                                 memory_order_relaxed))
        return LG_DEQUE_ABORT;
    return item;
}
