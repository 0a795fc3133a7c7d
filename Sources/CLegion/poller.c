/*
 * poller.c - I/O that parks legions, not threads (Go's netpoll, under the runtime's names).
 *
 * A descriptor is registered once (lg_poll_open): made non-blocking and added to the
 * runtime's one epoll instance for input and output, edge-triggered. A legion whose read
 * or write would block (EAGAIN) parks on the descriptor like a legion waiting on a
 * channel: stackless for a resumable legion, through the same park(commit)/ready path,
 * so it inherits every guarantee of that path (no lost wakeup, runnext locality, no
 * native stack while parked).
 *
 * The waiters. Each descriptor has, per direction (reading, writing), under its lock, a
 * queue of waiting legions (linked through lg_legion.io_next) and a ready flag: an edge
 * that arrived while nobody waited, a permit for the next waiter. A legion first tries
 * its I/O; on EAGAIN it parks with poll_commit, which runs on the scheduler's stack after
 * the legion switched out: under the lock, a set ready flag is consumed and cancels the
 * park (the legion tries again), otherwise the legion joins the queue. An edge (or a
 * close) takes the whole queue and every legion of it tries again (edge-triggered: one
 * edge may be enough for several; a legion that gets EAGAIN again parks again).
 *
 * Readying under the lock. Whoever takes a legion off a queue readies it (lg_ready)
 * before it lets go of the lock. A legion that wakes takes itself off the queue
 * (lg_poll_unpark) under the same lock: if it is still queued, its deadline woke it and
 * nobody else will ready it; if it is not, the taker's ready has already happened:
 * either that ready resumed the legion, or it found the legion already running (woken
 * by its timer, or its park cancelled because the deadline had passed) and left a
 * permit, which unpark consumes so that it cannot end a later, unrelated park early.
 * Deadlines are ordinary park deadlines on the timer heap (lg_park_deadline): a ready
 * cancels the timer, and a late timer never wakes a later park (its generation).
 *
 * Who polls. A worker that runs out of work polls without blocking before it parks
 * (find_runnable). One parked worker at a time sleeps in epoll_wait instead of on its
 * futex (poll_sleeper), so a runtime whose legions all wait on I/O costs no CPU; a
 * waker that hands it work writes the eventfd to get it out (lg__poll_break). The
 * monitor polls when nobody has for 10 ms (every worker busy), so I/O-ready legions are
 * not starved. Quiescence: a legion waiting on I/O may be woken from outside, so while
 * any waits (lg__poll_nwaiting) the runtime is not quiescent (a server blocked in accept
 * is not a deadlock). The count drops only after the legions taken were readied, and
 * the sleeper leaves the idle list before it readies what epoll_wait returned, so there
 * is no moment in which a legion is neither counted nor queued.
 *
 * Closing (lg_poll_close) sets the closed flag, deregisters the descriptor and readies
 * every legion waiting on it; they find the flag and fail. The descriptor itself is
 * closed only when the last operation in flight has let go of it (refs), so a legion
 * between its check and its read never reads a number the kernel has since given to
 * another file. Descriptor records are never freed while the runtime runs (an event for
 * a closed one may still sit in another thread's epoll_wait buffer; it then causes at
 * most one spurious retry): they are reused through a free list and freed by
 * lg_shutdown, which also closes the descriptors still open.
 *
 * Watching a descriptor the runtime does not own (lg_poll_watch: standard input). The
 * descriptor stays blocking, since its open file may be the user's terminal or a pipe
 * shared with other processes, and a non-blocking flag left on it would outlive the
 * program on paths that skip cleanup. The caller reads only after poll(2) with a zero
 * timeout says the descriptor is readable (a pipe with bytes, a canonical-mode terminal
 * with a line: the read cannot block) and otherwise parks here as after EAGAIN; the
 * edge-triggered registration reports the readiness that arrives meanwhile (an edge
 * before the park leaves a permit). Such a record is `borrowed`: neither the last
 * release nor lg_shutdown closes its descriptor.
 *
 * Ownership and orders, per record:
 *   lock          a mutex; taken on the scheduler's stack by the commit and by pollers
 *   rq, wq        [L:lock] queues of waiting legions
 *   rready,wready [L:lock] edge permits
 *   closed        [A: seq_cst] set once by lg_poll_close (also under lock)
 *   refs          [A: acq_rel] 1 for being open + 1 per operation in flight
 *   fd            [imm] between lg_poll_open and the last release
 *   borrowed      [imm] between lg_poll_open/watch and the last release
 *   next_*        [L:pd_lock]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/resource.h>
#include <unistd.h>
#include "runtime.h"

#define POLL_BATCH 64

struct lg_pollfd {
    pthread_mutex_t lock;
    lg_legion *rq, *wq;
    bool rready, wready;
    _Atomic uint32_t closed;
    _Atomic uint32_t refs;
    int fd;
    bool borrowed;
    lg_pollfd *next_free;
    lg_pollfd *next_all;
};

static int epfd = -1;                     /* [imm] between lg__poller_start and stop */
static int wakefd = -1;                   /* [imm] the eventfd that gets the sleeper out of epoll_wait */
_Atomic uint64_t lg__poll_nwaiting;       /* [A: seq_cst] legions queued on descriptors; read by quiescence */
static _Atomic(lg_thread *) poll_sleeper; /* [A: seq_cst] the thread in a blocking epoll_wait, or NULL */
static _Atomic uint64_t last_poll_ns;     /* [A: relaxed] when some thread last polled (for the monitor) */
static pthread_mutex_t pd_lock = PTHREAD_MUTEX_INITIALIZER;
static lg_pollfd *pd_free, *pd_all;       /* [L:pd_lock] */

/* [self] events a sleeper got from epoll_wait, processed once it left the idle list */
static __thread struct epoll_event sleep_events[POLL_BATCH];
static __thread int sleep_nevents;

/* ---------------------------------------------------------------------------------
 * Start and stop (runtime.c).
 * --------------------------------------------------------------------------------- */

/* Raises the soft limit on open descriptors to the hard limit, as Go does at start:
 * a server holding thousands of connections should not need `ulimit -n`. */
static void raise_nofile_limit(void) {
    struct rlimit r;
    if (getrlimit(RLIMIT_NOFILE, &r) == 0 && r.rlim_cur < r.rlim_max) {
        r.rlim_cur = r.rlim_max;
        setrlimit(RLIMIT_NOFILE, &r);
    }
}

int lg__poller_start(void) {
    raise_nofile_limit();
    atomic_store(&lg__poll_nwaiting, 0);
    atomic_store(&poll_sleeper, NULL);
    atomic_store(&last_poll_ns, lg_now_ns());
    epfd = epoll_create1(EPOLL_CLOEXEC);
    if (epfd < 0) return -1;
    wakefd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    struct epoll_event ev = {.events = EPOLLIN, .data.ptr = NULL};
    if (wakefd < 0 || epoll_ctl(epfd, EPOLL_CTL_ADD, wakefd, &ev) != 0) {
        int e = errno;
        if (wakefd >= 0) close(wakefd);
        close(epfd);
        wakefd = epfd = -1;
        errno = e;
        return -1;
    }
    return 0;
}

void lg__poller_stop(void) {
    pthread_mutex_lock(&pd_lock);
    for (lg_pollfd *pd = pd_all; pd;) {
        lg_pollfd *next = pd->next_all;
        if (pd->fd >= 0 && !pd->borrowed) close(pd->fd); /* still open: the runtime owned it */
        pthread_mutex_destroy(&pd->lock);
        free(pd);
        pd = next;
    }
    pd_all = pd_free = NULL;
    pthread_mutex_unlock(&pd_lock);
    if (wakefd >= 0) close(wakefd);
    if (epfd >= 0) close(epfd);
    wakefd = epfd = -1;
}

/* ---------------------------------------------------------------------------------
 * Descriptors.
 * --------------------------------------------------------------------------------- */
static lg_pollfd *register_fd(int fd, bool borrowed);

lg_pollfd *lg_poll_open(int fd) {
    if (!lg__runtime_running() || epfd < 0) {
        errno = ESRCH;
        return NULL;
    }
    int flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) != 0) return NULL;
    return register_fd(fd, false);
}

lg_pollfd *lg_poll_watch(int fd) {
    if (!lg__runtime_running() || epfd < 0) {
        errno = ESRCH;
        return NULL;
    }
    return register_fd(fd, true);
}

static lg_pollfd *register_fd(int fd, bool borrowed) {
    pthread_mutex_lock(&pd_lock);
    lg_pollfd *pd = pd_free;
    if (pd) {
        pd_free = pd->next_free;
    } else if ((pd = calloc(1, sizeof *pd))) {
        pthread_mutex_init(&pd->lock, NULL);
        pd->next_all = pd_all;
        pd_all = pd;
    }
    pthread_mutex_unlock(&pd_lock);
    if (!pd) {
        errno = ENOMEM;
        return NULL;
    }
    pthread_mutex_lock(&pd->lock);
    pd->rq = pd->wq = NULL;
    pd->rready = pd->wready = false;
    atomic_store_explicit(&pd->closed, 0, memory_order_relaxed);
    atomic_store_explicit(&pd->refs, 1, memory_order_relaxed);
    pd->fd = fd;
    pd->borrowed = borrowed;
    pthread_mutex_unlock(&pd->lock);
    struct epoll_event ev = {.events = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET, .data.ptr = pd};
    if (epoll_ctl(epfd, EPOLL_CTL_ADD, fd, &ev) != 0) {
        int e = errno;
        pd->fd = -1;
        pthread_mutex_lock(&pd_lock);
        pd->next_free = pd_free;
        pd_free = pd;
        pthread_mutex_unlock(&pd_lock);
        errno = e;
        return NULL;
    }
    return pd;
}

int lg_poll_fd(const lg_pollfd *pd) {
    return pd->fd;
}

bool lg_poll_is_closed(lg_pollfd *pd) {
    return atomic_load_explicit(&pd->closed, memory_order_seq_cst) != 0;
}

static void release(lg_pollfd *pd) {
    /* acq_rel: the last one out sees every other user's accesses to fd. */
    if (atomic_fetch_sub_explicit(&pd->refs, 1, memory_order_acq_rel) != 1) return;
    if (!pd->borrowed) close(pd->fd);
    pd->fd = -1;
    pthread_mutex_lock(&pd_lock);
    pd->next_free = pd_free;
    pd_free = pd;
    pthread_mutex_unlock(&pd_lock);
}

bool lg_poll_acquire(lg_pollfd *pd) {
    /* A reference first, then the flag: lg_poll_close sets the flag before it drops the
     * open reference, so seeing the flag clear means the descriptor stays open until our
     * release. */
    atomic_fetch_add_explicit(&pd->refs, 1, memory_order_relaxed);
    if (atomic_load_explicit(&pd->closed, memory_order_seq_cst)) {
        release(pd);
        return false;
    }
    return true;
}

void lg_poll_release(lg_pollfd *pd) {
    release(pd);
}

/* ---------------------------------------------------------------------------------
 * Waking: under the record's lock, take a queue and ready every legion of it.
 * --------------------------------------------------------------------------------- */

/* Readies the queue q (under its record's lock); returns how many. */
static size_t ready_queue(lg_legion *q) {
    size_t n = 0;
    while (q) {
        lg_legion *next = q->io_next; /* before the ready: then q may run and queue again */
        q->io_next = NULL;
        lg_ready(q);
        q = next;
        n++;
    }
    return n;
}

static size_t on_event(lg_pollfd *pd, uint32_t e) {
    size_t n = 0;
    pthread_mutex_lock(&pd->lock);
    if (e & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) {
        if (pd->rq) n += ready_queue(pd->rq);
        else pd->rready = true;
        pd->rq = NULL;
    }
    if (e & (EPOLLOUT | EPOLLHUP | EPOLLERR)) {
        if (pd->wq) n += ready_queue(pd->wq);
        else pd->wready = true;
        pd->wq = NULL;
    }
    pthread_mutex_unlock(&pd->lock);
    return n;
}

/* sleeper: the caller is the thread the eventfd is meant for. Only it drains the
 * eventfd (level-triggered): a worker polling without blocking that drained it could
 * take the one wake meant for the sleeper and leave it in epoll_wait. */
static size_t dispatch(struct epoll_event *ev, int n, bool sleeper) {
    size_t woken = 0;
    for (int i = 0; i < n; i++) {
        lg_pollfd *pd = ev[i].data.ptr;
        if (!pd) {
            if (sleeper) {
                uint64_t v;
                ssize_t r = read(wakefd, &v, sizeof v);
                (void)r;
            }
            continue;
        }
        woken += on_event(pd, ev[i].events);
    }
    /* Only now: until they were queued, the count kept the runtime from looking quiescent. */
    if (woken) atomic_fetch_sub_explicit(&lg__poll_nwaiting, woken, memory_order_seq_cst);
    return woken;
}

bool lg__poll_pending(void) {
    return atomic_load_explicit(&lg__poll_nwaiting, memory_order_relaxed) != 0;
}

size_t lg__poll_now(void) {
    struct epoll_event ev[POLL_BATCH];
    atomic_store_explicit(&last_poll_ns, lg_now_ns(), memory_order_relaxed);
    int n = epoll_wait(epfd, ev, POLL_BATCH, 0);
    return n > 0 ? dispatch(ev, n, false) : 0;
}

int lg__poll_sleep(lg_thread *m, uint64_t timeout_ns) {
    if (!lg__poll_pending()) return -1;
    lg_thread *none = NULL;
    if (!atomic_compare_exchange_strong_explicit(&poll_sleeper, &none, m, memory_order_seq_cst, memory_order_relaxed))
        return -1;
    /* Pairs with the fence in lg__poll_break: either the waker sees us as the sleeper and
     * writes the eventfd, or we see the park_word it stored before. */
    atomic_thread_fence(memory_order_seq_cst);
    int n = 0;
    if (!atomic_load_explicit(&m->park_word, memory_order_seq_cst)) {
        int ms = -1;
        if (timeout_ns != UINT64_MAX)
            ms = timeout_ns >= (uint64_t)INT32_MAX * 1000000u ? INT32_MAX : (int)((timeout_ns + 999999u) / 1000000u);
        n = epoll_wait(epfd, sleep_events, POLL_BATCH, ms);
    }
    atomic_store_explicit(&poll_sleeper, NULL, memory_order_seq_cst);
    atomic_store_explicit(&last_poll_ns, lg_now_ns(), memory_order_relaxed);
    sleep_nevents = n > 0 ? n : 0;
    return sleep_nevents;
}

size_t lg__poll_sleep_finish(void) {
    int n = sleep_nevents;
    sleep_nevents = 0;
    return dispatch(sleep_events, n, true);
}

void lg__poll_break(lg_thread *m) {
    /* Pairs with the fence in lg__poll_sleep (our caller stored park_word before). */
    atomic_thread_fence(memory_order_seq_cst);
    if (atomic_load_explicit(&poll_sleeper, memory_order_seq_cst) != m) return;
    uint64_t one = 1;
    ssize_t r = write(wakefd, &one, sizeof one);
    (void)r;
}

void lg__poll_monitor(uint64_t now) {
    if (!lg__poll_pending() || atomic_load_explicit(&poll_sleeper, memory_order_relaxed)) return;
    if (now - atomic_load_explicit(&last_poll_ns, memory_order_relaxed) < 10000000u) return;
    lg__poll_now(); /* not a worker: the legions go on the global queue, with a wakep */
}

/* ---------------------------------------------------------------------------------
 * Parking on a descriptor.
 * --------------------------------------------------------------------------------- */

/* The argument of the commit: the record, with the direction in its low bit. */
#define WAIT_ARG(pd, mode) ((void *)((uintptr_t)(pd) | (uintptr_t)((mode) == LG_POLL_WRITE)))
#define WAIT_PD(arg) ((lg_pollfd *)((uintptr_t)(arg) & ~(uintptr_t)1))
#define WAIT_WRITE(arg) (((uintptr_t)(arg) & 1) != 0)

static bool poll_commit(lg_legion *l, void *arg) {
    lg_pollfd *pd = WAIT_PD(arg);
    bool w = WAIT_WRITE(arg);
    bool park = false;
    pthread_mutex_lock(&pd->lock);
    bool *ready = w ? &pd->wready : &pd->rready;
    if (atomic_load_explicit(&pd->closed, memory_order_relaxed)) {
        /* closed: no park; unpark reports it */
    } else if (*ready) {
        *ready = false; /* an edge came after our EAGAIN: try again */
    } else {
        lg_legion **q = w ? &pd->wq : &pd->rq;
        l->io_next = *q;
        *q = l;
        atomic_fetch_add_explicit(&lg__poll_nwaiting, 1, memory_order_seq_cst);
        park = true;
    }
    pthread_mutex_unlock(&pd->lock);
    return park;
}

void lg_poll_park_commit(lg_pollfd *pd, int mode, uint64_t deadline_ns) {
    if (deadline_ns) lg_park_deadline(deadline_ns);
    lg_park_commit(poll_commit, WAIT_ARG(pd, mode));
}

/* Takes the running legion's permit, if a ready left one (see the top of the file). */
static void consume_permit(lg_legion *l) {
    uint64_t s = atomic_load_explicit(&l->state, memory_order_acquire);
    while ((s & LG_ST_WAKE) &&
           !atomic_compare_exchange_weak_explicit(&l->state, &s, s & ~(uint64_t)LG_ST_WAKE, memory_order_acquire,
                                                  memory_order_acquire)) {
    }
}

lg_poll_outcome lg_poll_unpark(lg_pollfd *pd, int mode, uint64_t deadline_ns) {
    lg_legion *l = lg_current();
    pthread_mutex_lock(&pd->lock);
    lg_legion **q = mode == LG_POLL_WRITE ? &pd->wq : &pd->rq;
    bool queued = false;
    for (lg_legion **pp = q; *pp; pp = &(*pp)->io_next) {
        if (*pp == l) {
            *pp = l->io_next;
            l->io_next = NULL;
            queued = true;
            break;
        }
    }
    if (queued) atomic_fetch_sub_explicit(&lg__poll_nwaiting, 1, memory_order_seq_cst); /* our timer woke us */
    else if (deadline_ns) consume_permit(l); /* a ready that came after our timer's */
    pthread_mutex_unlock(&pd->lock);
    if (atomic_load_explicit(&pd->closed, memory_order_seq_cst)) return LG_POLL_CLOSED;
    if (deadline_ns && deadline_ns <= lg_now_ns()) return LG_POLL_TIMEOUT;
    return LG_POLL_AGAIN;
}

int lg_poll_wait(lg_pollfd *pd, int mode, uint64_t deadline_ns) {
    lg_legion *l = lg_current();
    if (!l) {
        errno = EPERM;
        return -1;
    }
    if (lg_poll_is_closed(pd)) {
        errno = EBADF;
        return -1;
    }
    if (deadline_ns && deadline_ns <= lg_now_ns()) {
        errno = ETIMEDOUT;
        return -1;
    }
    if (deadline_ns) lg_park_deadline(deadline_ns);
    lg_park(poll_commit, WAIT_ARG(pd, mode));
    switch (lg_poll_unpark(pd, mode, deadline_ns)) {
    case LG_POLL_CLOSED: errno = EBADF; return -1;
    case LG_POLL_TIMEOUT: errno = ETIMEDOUT; return -1;
    default: return 0;
    }
}

void lg_poll_close(lg_pollfd *pd) {
    size_t n = 0;
    pthread_mutex_lock(&pd->lock);
    uint32_t zero = 0;
    if (!atomic_compare_exchange_strong_explicit(&pd->closed, &zero, 1, memory_order_seq_cst, memory_order_relaxed)) {
        pthread_mutex_unlock(&pd->lock);
        return;
    }
    /* The descriptor itself closes at the last release: at once unless an operation is
     * in flight (a non-blocking call, over in moments). Not shutdown() first: closing a
     * socket with unread input must reset the connection, as close(2) does. */
    epoll_ctl(epfd, EPOLL_CTL_DEL, pd->fd, NULL);
    n += ready_queue(pd->rq);
    n += ready_queue(pd->wq);
    pd->rq = pd->wq = NULL;
    pthread_mutex_unlock(&pd->lock);
    if (n) atomic_fetch_sub_explicit(&lg__poll_nwaiting, n, memory_order_seq_cst);
    release(pd); /* the open reference */
}
