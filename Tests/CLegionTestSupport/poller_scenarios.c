/*
 * poller_scenarios.c - legions parked on descriptors (poller.c): many descriptors at
 * once, close while legions wait, deadlines, and readiness racing with parking.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>
#include "scenario.h"

static _Atomic long poll_errors;
static char poll_error_text[256];

static void poll_error(const char *what, int e) {
    if (atomic_fetch_add(&poll_errors, 1) == 0)
        snprintf(poll_error_text, sizeof poll_error_text, "%s: %s", what, strerror(e));
}

/* Reads exactly one byte from pd, parking while there is none. Returns the byte, -1 at
 * end of stream, -2 with errno on an error (EBADF once closed, ETIMEDOUT). */
static int read_byte(lg_pollfd *pd, uint64_t deadline) {
    if (!lg_poll_acquire(pd)) {
        errno = EBADF;
        return -2;
    }
    int result;
    for (;;) {
        unsigned char c;
        ssize_t n = read(lg_poll_fd(pd), &c, 1);
        if (n == 1) { result = c; break; }
        if (n == 0) { result = -1; break; }
        if (errno != EAGAIN && errno != EINTR) { result = -2; break; }
        if (errno == EAGAIN && lg_poll_wait(pd, LG_POLL_READ, deadline) != 0) { result = -2; break; }
    }
    int e = errno;
    lg_poll_release(pd);
    errno = e;
    return result;
}

static int write_byte(lg_pollfd *pd, unsigned char c) {
    if (!lg_poll_acquire(pd)) return -1;
    int rc = 0;
    for (;;) {
        ssize_t n = write(lg_poll_fd(pd), &c, 1);
        if (n == 1) break;
        if (n < 0 && errno == EAGAIN && lg_poll_wait(pd, LG_POLL_WRITE, 0) == 0) continue;
        if (n < 0 && errno == EINTR) continue;
        rc = -1;
        break;
    }
    lg_poll_release(pd);
    return rc;
}

/* Two registered ends of a socketpair. */
static int pair(lg_pollfd **a, lg_pollfd **b) {
    int sv[2];
    if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) != 0) return -1;
    *a = lg_poll_open(sv[0]);
    *b = lg_poll_open(sv[1]);
    return *a && *b ? 0 : -1;
}

/* ---------------------------------------------------------------------------------
 * Many descriptors: every reader parks, nothing is quiescent meanwhile, one writer
 * then feeds them all.
 * --------------------------------------------------------------------------------- */
typedef struct reader_slot {
    lg_pollfd *mine, *peer;
    int got;
} reader_slot;

static _Atomic long readers_done;

static void slot_reader(void *u) {
    reader_slot *s = u;
    int c = read_byte(s->mine, 0);
    if (c < 0) poll_error("read", errno);
    s->got = c;
    atomic_fetch_add(&readers_done, 1);
}

static void feeder(void *u) {
    reader_slot *slots = u;
    for (int i = 0; slots[i].mine; i++)
        if (write_byte(slots[i].peer, (unsigned char)(i % 251)) != 0) poll_error("write", errno);
}

int lg_test_poll_many(unsigned workers, long count) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&poll_errors, 0);
    atomic_store(&readers_done, 0);
    reader_slot *slots = calloc((size_t)count + 1, sizeof *slots);
    CHECK(slots, "out of memory");
    for (long i = 0; i < count; i++) CHECK(pair(&slots[i].mine, &slots[i].peer) == 0, "socketpair %ld: %s", i, strerror(errno));
    for (long i = 0; i < count; i++) CHECK(lg_spawn(slot_reader, &slots[i]), "spawn failed");
    /* With every reader waiting on I/O the runtime is not quiescent: they may be woken. */
    size_t parked = 0;
    lg_wait_result r = lg_wait(100000000u, &parked);
    CHECK(r == LG_WAIT_TIMEOUT, "legions waiting on I/O were taken for quiescence (%d)", (int)r);
    CHECK(atomic_load(&readers_done) == 0, "a reader finished with nothing written");
    CHECK(lg_spawn(feeder, slots), "spawn failed");
    long left = lg_test_quiesce(20000);
    CHECK(left == 0, "not every reader finished (%ld parked, %ld done)", left, atomic_load(&readers_done));
    CHECK(atomic_load(&poll_errors) == 0, "%s", poll_error_text);
    for (long i = 0; i < count; i++) CHECK(slots[i].got == (int)(i % 251), "reader %ld got %d", i, slots[i].got);
    for (long i = 0; i < count; i++) {
        lg_poll_close(slots[i].mine);
        lg_poll_close(slots[i].peer);
    }
    rc = 0;
out:
    lg_shutdown();
    free(slots);
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Close while legions wait: every one of them resumes with EBADF, and the peer sees
 * the end of the stream.
 * --------------------------------------------------------------------------------- */
static lg_pollfd *shared_end, *shared_peer;
static _Atomic long closed_seen, waiting_started;

static void waits_for_close(void *u) {
    (void)u;
    atomic_fetch_add(&waiting_started, 1);
    int c = read_byte(shared_end, 0);
    if (c == -2 && errno == EBADF) atomic_fetch_add(&closed_seen, 1);
    else poll_error("a waiter did not see the close", errno);
}

static void closer(void *u) {
    (void)u;
    while (atomic_load(&waiting_started) < 8) lg_sleep_ns(1000000);
    lg_sleep_ns(20000000); /* let them all park: the scenario checks the close wakes them */
    lg_poll_close(shared_end);
    int c = read_byte(shared_peer, 0);
    if (c != -1) poll_error("the peer did not see end of stream", errno);
    if (read_byte(shared_end, 0) != -2 || errno != EBADF) poll_error("reading after close did not fail", errno);
}

int lg_test_poll_close_wakes_waiters(unsigned workers) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&poll_errors, 0);
    atomic_store(&closed_seen, 0);
    atomic_store(&waiting_started, 0);
    CHECK(pair(&shared_end, &shared_peer) == 0, "socketpair: %s", strerror(errno));
    for (int i = 0; i < 8; i++) CHECK(lg_spawn(waits_for_close, NULL), "spawn failed");
    CHECK(lg_spawn(closer, NULL), "spawn failed");
    CHECK(lg_test_quiesce(20000) == 0, "legions left parked after the close");
    CHECK(atomic_load(&poll_errors) == 0, "%s", poll_error_text);
    CHECK(atomic_load(&closed_seen) == 8, "%ld of 8 waiters saw the close", atomic_load(&closed_seen));
    lg_poll_close(shared_peer);
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Deadlines: a wait on a silent descriptor times out no earlier than its deadline; a
 * deadline beaten by data does not fire later into a sleep.
 * --------------------------------------------------------------------------------- */
static lg_pollfd *silent_end, *silent_peer, *fed_end, *fed_peer;
static _Atomic int deadline_phase;

static void times_out(void *u) {
    (void)u;
    uint64_t deadline = lg_now_ns() + 30000000u;
    int c = read_byte(silent_end, deadline);
    if (c != -2 || errno != ETIMEDOUT) poll_error("a silent descriptor did not time out", errno);
    else if (lg_now_ns() < deadline) poll_error("timed out before the deadline", 0);
    /* The descriptor still works after a timeout. */
    if (write_byte(silent_peer, 'x') != 0 || read_byte(silent_end, lg_now_ns() + 5000000000u) != 'x')
        poll_error("the descriptor did not work after a timeout", errno);
}

static void beats_deadline(void *u) {
    (void)u;
    int c = read_byte(fed_end, lg_now_ns() + 50000000u);
    if (c != 'y') poll_error("data did not beat the deadline", errno);
    atomic_store(&deadline_phase, 1);
    /* Sleep past the beaten deadline: a stale timer must not cut this sleep short. */
    uint64_t start = lg_now_ns();
    lg_park_deadline(start + 150000000u);
    lg_park(NULL, NULL);
    if (lg_now_ns() < start + 150000000u) poll_error("a beaten I/O deadline woke a later park", 0);
    atomic_store(&deadline_phase, 2);
}

static void feeds(void *u) {
    (void)u;
    if (write_byte(fed_peer, 'y') != 0) poll_error("write", errno);
}

int lg_test_poll_deadlines(unsigned workers) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&poll_errors, 0);
    atomic_store(&deadline_phase, 0);
    CHECK(pair(&silent_end, &silent_peer) == 0 && pair(&fed_end, &fed_peer) == 0, "socketpair: %s", strerror(errno));
    CHECK(lg_spawn(times_out, NULL) && lg_spawn(beats_deadline, NULL) && lg_spawn(feeds, NULL), "spawn failed");
    CHECK(lg_test_quiesce(20000) == 0, "legions left parked");
    CHECK(atomic_load(&poll_errors) == 0, "%s", poll_error_text);
    CHECK(atomic_load(&deadline_phase) == 2, "the deadline legion stopped at phase %d", atomic_load(&deadline_phase));
    rc = 0;
out:
    lg_shutdown();
    return rc;
}

/* ---------------------------------------------------------------------------------
 * Readiness racing with parking: pairs of resumable legions play ping-pong with one
 * byte over a socketpair for many rounds, on several workers, so edges keep arriving
 * between an EAGAIN and the commit. A lost wakeup leaves legions parked forever.
 * --------------------------------------------------------------------------------- */
typedef struct pinger {
    lg_pollfd *pd;
    long rounds, done;
    bool serve;     /* starts by reading */
    bool waiting;   /* parked on the descriptor: unpark first */
    int phase;      /* 0: write, 1: read */
} pinger;

static lg_step_result ping_step(lg_legion *l, void *u) {
    (void)l;
    pinger *p = u;
    if (p->waiting) {
        p->waiting = false;
        if (lg_poll_unpark(p->pd, p->phase ? LG_POLL_READ : LG_POLL_WRITE, 0) != LG_POLL_AGAIN) {
            poll_error("ping-pong descriptor closed", EBADF);
            return LG_STEP_DONE;
        }
    }
    int fd = lg_poll_fd(p->pd);
    /* The server answers its last read before it ends. */
    while (p->done < p->rounds || (p->serve && p->phase == 0)) {
        unsigned char c = 'p';
        ssize_t n = p->phase ? read(fd, &c, 1) : write(fd, &c, 1);
        if (n == 1) {
            if (p->phase) p->done++;
            p->phase ^= 1;
            continue;
        }
        if (n == 0) {
            poll_error("ping-pong peer went away", 0);
            return LG_STEP_DONE;
        }
        if (errno == EINTR) continue;
        if (errno != EAGAIN) {
            poll_error("ping-pong I/O", errno);
            return LG_STEP_DONE;
        }
        p->waiting = true;
        lg_poll_park_commit(p->pd, p->phase ? LG_POLL_READ : LG_POLL_WRITE, 0);
        return LG_STEP_PARK;
    }
    return LG_STEP_DONE;
}

int lg_test_poll_pingpong(unsigned workers, long pairs, long rounds) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    if (lg_test_start(&c)) return -1;
    int rc = -1;
    atomic_store(&poll_errors, 0);
    pinger *ps = calloc((size_t)pairs * 2, sizeof *ps);
    CHECK(ps, "out of memory");
    for (long i = 0; i < pairs; i++) {
        CHECK(pair(&ps[2 * i].pd, &ps[2 * i + 1].pd) == 0, "socketpair: %s", strerror(errno));
        ps[2 * i] = (pinger){ps[2 * i].pd, rounds, 0, false, false, 0};
        ps[2 * i + 1] = (pinger){ps[2 * i + 1].pd, rounds, 0, true, false, 1};
    }
    for (long i = 0; i < 2 * pairs; i++) CHECK(lg_spawn_resumable(ping_step, &ps[i]), "spawn failed");
    long left = lg_test_quiesce(60000);
    CHECK(left == 0, "%ld ping-pong legions never finished (a lost wakeup)", left);
    CHECK(atomic_load(&poll_errors) == 0, "%s", poll_error_text);
    for (long i = 0; i < 2 * pairs; i++) CHECK(ps[i].done == rounds, "legion %ld did %ld rounds", i, ps[i].done);
    for (long i = 0; i < 2 * pairs; i++) lg_poll_close(ps[i].pd);
    rc = 0;
out:
    lg_shutdown();
    free(ps);
    return rc;
}

/* ---------------------------------------------------------------------------------
 * A watched descriptor (lg_poll_watch, standard input's registration): it stays
 * blocking and open through lg_poll_close and lg_shutdown; a reader that reads only
 * when poll(2) says it cannot block, and parks otherwise, gets every byte in order
 * from a writer that writes one at a time, then the end of the stream.
 * --------------------------------------------------------------------------------- */
#include <fcntl.h>
#include <poll.h>

typedef struct watched_pipe {
    lg_pollfd *pd;
    int rfd, wfd;
    long count;
    long got;  /* bytes read in order */
    bool ended;
} watched_pipe;

static void watched_reader(void *u) {
    watched_pipe *w = u;
    for (;;) {
        struct pollfd p = {.fd = w->rfd, .events = POLLIN};
        int ready = poll(&p, 1, 0);
        if (ready < 0 && errno == EINTR) continue;
        if (ready == 0) {
            if (lg_poll_wait(w->pd, LG_POLL_READ, 0) != 0) { poll_error("wait", errno); return; }
            continue;
        }
        unsigned char buf[16];
        ssize_t n = read(w->rfd, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { poll_error("read", errno); return; }
        if (n == 0) { w->ended = true; return; }
        for (ssize_t i = 0; i < n; i++, w->got++)
            if (buf[i] != (unsigned char)(w->got % 251)) { poll_error("out of order", EILSEQ); return; }
    }
}

static void watched_writer(void *u) {
    watched_pipe *w = u;
    for (long i = 0; i < w->count; i++) {
        unsigned char c = (unsigned char)(i % 251);
        if (write(w->wfd, &c, 1) != 1) { poll_error("write", errno); break; }
        if (i % 7 == 0) lg_yield(); /* let the reader drain and park again */
    }
    close(w->wfd);
}

int lg_test_poll_watch(unsigned workers, long count) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    int fds[2];
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    if (lg_test_start(&c)) { close(fds[0]); close(fds[1]); return -1; }
    int rc = -1;
    atomic_store(&poll_errors, 0);
    watched_pipe w = {.rfd = fds[0], .wfd = fds[1], .count = count};
    w.pd = lg_poll_watch(fds[0]);
    CHECK(w.pd, "lg_poll_watch: %s", strerror(errno));
    CHECK(!(fcntl(fds[0], F_GETFL) & O_NONBLOCK), "lg_poll_watch made the descriptor non-blocking");
    CHECK(lg_spawn(watched_reader, &w), "spawn failed");
    /* The reader parks on the empty pipe: waiting on I/O, the runtime is not quiescent. */
    size_t parked = 0;
    CHECK(lg_wait(50000000u, &parked) == LG_WAIT_TIMEOUT, "a legion waiting on a watched descriptor was taken for quiescence");
    CHECK(lg_spawn(watched_writer, &w), "spawn failed");
    long left = lg_test_quiesce(20000);
    CHECK(left == 0, "the reader did not finish (%ld parked, %ld bytes read)", left, w.got);
    CHECK(atomic_load(&poll_errors) == 0, "%s", poll_error_text);
    CHECK(w.got == count && w.ended, "read %ld of %ld bytes, end seen: %d", w.got, count, (int)w.ended);
    lg_poll_close(w.pd);
    CHECK(fcntl(fds[0], F_GETFD) >= 0, "lg_poll_close closed a watched descriptor");
    rc = 0;
out:
    lg_shutdown();
    if (rc == 0 && fcntl(fds[0], F_GETFD) < 0) {
        lg_test_fail("lg_shutdown closed a watched descriptor");
        rc = -1;
    }
    close(fds[0]);
    return rc;
}
