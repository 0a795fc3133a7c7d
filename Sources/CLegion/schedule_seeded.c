/*
 * schedule_seeded.c - the seeded scheduling policy: deterministic schedules from a seed.
 *
 * With lg_config.seeded the runtime runs every legion on one worker and takes every
 * decision that could make two runs differ from one seeded generator instead of from
 * timing:
 *   - which runnable legion runs next (lg__seeded_schedule, the worker's loop);
 *   - where a running legion is preempted: the embedder calls lg_schedule_safe_point at
 *     each of its safe points, which counts a step and says whether to yield there
 *     (the monitor is not started, so nothing preempts by time);
 *   - any choice the embedder makes among equals (lg_schedule_choice: which ready case a
 *     select takes).
 * Time is virtual: lg_clock_ns starts at 0 and only moves when the run set is empty
 * and a timer is pending, jumping to the earliest deadline, so sleeps and timeouts take
 * no real time. With lg_config.clock_limit_ns the clock stops there instead: the
 * worker goes idle with timers pending, lg_wait reports quiescence and
 * lg_clock_limit_reached says why (a test's time limit, counted in virtual time).
 * Same seed and same input, same schedule: the generator is splitmix64 (Steele, Lea
 * and Flood, "Fast splittable pseudorandom number generators", OOPSLA 2014), integer
 * arithmetic only, so the sequence is identical on every machine.
 *
 * Two kinds of schedule, chosen by the seed itself (so that --seed S alone replays):
 *   - PCT, probabilistic concurrency testing (Burckhardt, Kothari, Musuvathi and
 *     Nagarakatte, ASPLOS 2010), three seeds in four: every legion gets a random
 *     priority when it first becomes runnable, and the runnable legion of highest
 *     priority always runs, preempting the running one at its next safe point when a
 *     higher one becomes runnable. d-1 change points are drawn uniformly from the steps
 *     1..k; the legion that takes step k_i drops below every initial priority, to
 *     i + 1 (see the priorities above add()). For a program of n legions and k
 *     steps, one run finds a given bug of depth d (d ordering constraints between
 *     steps) with probability at least 1/(n k^(d-1)). d is 1, 2 or 3. k is 2^h for
 *     the step hint h in bits 48-55 of the seed (the explorer measures a test's steps
 *     and puts the hint there); without one it is 2^j, j uniform in 3..14. A legion
 *     that yields by itself (waiting in a loop) draws a new priority, or drops to the
 *     bottom (lg__seeded_requeue): fixed priorities would let it spin forever.
 *   - Uniform, one seed in four: every choice of the next legion is uniform among the
 *     runnable ones, and each safe point preempts with probability 1/P, P one of 2, 8,
 *     64. It reaches the interleavings PCT's strict priorities make unlikely.
 * A step is one scheduling decision or one safe point.
 *
 * The hooks elsewhere are small and marked "seeded": lg__schedule hands the loop to
 * lg__seeded_schedule; a yield in lg__run comes back to lg__seeded_requeue; finish_park
 * and lg_sleep_ns compare deadlines with lg_clock_ns; lg__quiescent_locked accepts a
 * stopped clock; idle_park sleeps without a timeout; lg__trace stamps events with
 * virtual time plus one microsecond per step, so a trace is deterministic too; lg_start
 * forces one worker, no stealing, no time preemption and no monitor.
 *
 * Ownership: everything here is [owner] of the one worker (its thread and the legion
 * running on it), except lg__seeded_on ([imm] between lg_start and lg_shutdown), the
 * clock and the stop flag ([A: relaxed] written by the worker, read by anyone: a
 * waiter reads them after lg_wait, whose idle_lock orders them) and last_steps.
 * Legions reach the run set from the worker's runnext slot and deque (spawns and
 * readies on the worker) and from the global queue (spawns and readies from other
 * threads, which also wake the worker as usual); the run set is filled from them in a
 * fixed order before every decision. What other threads do is outside the schedule:
 * it is taken in whenever the worker next looks, so a run is deterministic when, as
 * in Malphas, the embedder spawns one main legion and legions do the rest.
 */
#include <stdio.h>
#include <stdlib.h>
#include "runtime.h"

enum { KIND_PCT = 0, KIND_UNIFORM = 1 };
#define MAX_CHANGE_POINTS 2

_Atomic bool lg__seeded_on; /* [A: relaxed] [imm] while running */

static struct {
    uint64_t rng;                       /* splitmix64 state */
    int kind;
    unsigned depth;                     /* PCT: d */
    uint64_t change[MAX_CHANGE_POINTS]; /* PCT: the steps k_1..k_{d-1} */
    uint32_t preempt_one_in;            /* uniform: P */
    uint64_t steps;
    bool preempting;                    /* lg_schedule_safe_point asked the running legion to yield */
    lg_legion **run;                    /* the run set */
    size_t nrun, caprun;
} s;

static _Atomic uint64_t vclock;        /* [A: relaxed] virtual ns */
static _Atomic bool clock_stopped;     /* [A: relaxed] at clock_limit_ns with timers pending */
static _Atomic uint64_t last_steps;    /* [A: relaxed] steps of the current or last seeded run */

/* splitmix64: the state advances by the golden gamma; the output is its mix. */
static uint64_t next64(uint64_t *state) {
    uint64_t z = (*state += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

/* Uniform in [0, n) by multiply-shift of the high 32 bits (n < 2^32). */
static uint32_t bounded(uint64_t *state, uint32_t n) {
    return (uint32_t)(((next64(state) >> 32) * (uint64_t)n) >> 32);
}

/* The plan a seed stands for; the generator continues from it for the run. */
typedef struct plan {
    int kind;
    unsigned depth;
    uint64_t k;
    uint64_t change[MAX_CHANGE_POINTS];
    uint32_t preempt_one_in;
    uint64_t rng;
} plan;

static plan make_plan(uint64_t seed) {
    plan p = {0};
    p.rng = seed;
    unsigned hint = (unsigned)((seed >> 48) & 0xff);
    p.kind = bounded(&p.rng, 4) == 0 ? KIND_UNIFORM : KIND_PCT;
    if (p.kind == KIND_PCT) {
        p.depth = 1 + bounded(&p.rng, 3);
        unsigned log2k = hint ? (hint > 40 ? 40 : hint) : 3 + bounded(&p.rng, 12);
        p.k = UINT64_C(1) << log2k;
        for (unsigned i = 0; i + 1 < p.depth; i++) {
            uint64_t r = next64(&p.rng);
            p.change[i] = 1 + (r & (p.k - 1));
        }
    } else {
        static const uint32_t one_in[] = {2, 8, 64};
        p.preempt_one_in = one_in[bounded(&p.rng, 3)];
    }
    return p;
}

int lg_schedule_describe(uint64_t seed, char *buf, size_t len) {
    plan p = make_plan(seed);
    if (p.kind == KIND_UNIFORM)
        return snprintf(buf, len, "uniform, a preemption at 1 safe point in %u", p.preempt_one_in);
    if (p.depth == 1) return snprintf(buf, len, "PCT, depth 1 (random priorities), k %llu", (unsigned long long)p.k);
    if (p.depth == 2)
        return snprintf(buf, len, "PCT, depth 2, k %llu, a priority change at step %llu", (unsigned long long)p.k,
                        (unsigned long long)p.change[0]);
    return snprintf(buf, len, "PCT, depth %u, k %llu, priority changes at steps %llu and %llu", p.depth,
                    (unsigned long long)p.k, (unsigned long long)p.change[0], (unsigned long long)p.change[1]);
}

/* ---------------------------------------------------------------------------------
 * Start and stop (runtime.c).
 * --------------------------------------------------------------------------------- */
int lg__seeded_start(void) {
    plan p = make_plan(lg_rt.cfg.seed);
    s.rng = p.rng;
    s.kind = p.kind;
    s.depth = p.depth;
    for (unsigned i = 0; i < MAX_CHANGE_POINTS; i++) s.change[i] = p.change[i];
    s.preempt_one_in = p.preempt_one_in;
    s.steps = 0;
    s.preempting = false;
    s.nrun = 0;
    atomic_store_explicit(&vclock, 0, memory_order_relaxed);
    atomic_store_explicit(&clock_stopped, false, memory_order_relaxed);
    atomic_store_explicit(&last_steps, 0, memory_order_relaxed);
    atomic_store_explicit(&lg__seeded_on, true, memory_order_relaxed);
    return 0;
}

void lg__seeded_stop(void) {
    atomic_store_explicit(&lg__seeded_on, false, memory_order_relaxed);
    /* A runtime started next without the policy must see its timers again. */
    atomic_store_explicit(&clock_stopped, false, memory_order_relaxed);
    free(s.run);
    s.run = NULL;
    s.nrun = s.caprun = 0;
}

/* ---------------------------------------------------------------------------------
 * The run set.
 * --------------------------------------------------------------------------------- */
static void count_step(void) {
    s.steps++;
    atomic_store_explicit(&last_steps, s.steps, memory_order_relaxed);
}

/* PCT priorities, highest runs: 0 is unassigned, 1 the bottom (a legion that yielded
 * by itself, sometimes), 2..d the priorities change point 1..d-1 gives, and above
 * them the random initial priorities (56 bits: distinct in practice; a tie goes to the
 * legion earlier in the run set). */
#define PRIORITY_BOTTOM 1u
static uint64_t initial_priority(void) {
    return s.depth + 2 + (next64(&s.rng) >> 8);
}

static void add(lg_legion *l) {
    if (s.nrun == s.caprun) {
        size_t cap = s.caprun ? s.caprun * 2 : 64;
        lg_legion **n = realloc(s.run, cap * sizeof *n);
        if (!n) {
            fprintf(stderr, "malphas legion runtime: out of memory for the seeded run set\n");
            abort();
        }
        s.run = n;
        s.caprun = cap;
    }
    /* PCT: a legion's first priority, when it first becomes runnable. */
    if (l->sched_priority == 0) l->sched_priority = initial_priority();
    s.run[s.nrun++] = l;
}

/* Moves every legion made runnable since the last look into the run set: the global
 * queue (other threads' spawns and readies), then the deque (spawns here), then
 * runnext (the last ready here). A fixed order, so the run set is a function of what
 * happened, not of when. */
static void collect(lg_worker *p) {
    for (lg_legion *l = lg__gq_take_all(); l;) {
        lg_legion *next = l->next;
        add(l);
        l = next;
    }
    lg_legion *l;
    while ((l = lg__deque_take(&p->deque))) add(l);
    if (atomic_load_explicit(&p->runnext, memory_order_relaxed) &&
        (l = atomic_exchange_explicit(&p->runnext, NULL, memory_order_acq_rel)))
        add(l);
}

static size_t highest(void) {
    size_t best = 0;
    for (size_t i = 1; i < s.nrun; i++)
        if (s.run[i]->sched_priority > s.run[best]->sched_priority) best = i;
    return best;
}

/* PCT: at change point i (1..d-1) the legion taking the step drops to priority i + 1,
 * below every initial priority. */
static void change_priority(lg_legion *l) {
    for (unsigned i = 0; i + 1 < s.depth; i++)
        if (s.steps == s.change[i]) l->sched_priority = i + 2;
}

static lg_legion *choose(void) {
    count_step();
    size_t i;
    if (s.kind == KIND_UNIFORM) {
        i = bounded(&s.rng, (uint32_t)s.nrun);
    } else {
        i = highest();
        change_priority(s.run[i]);
        i = highest();
    }
    lg_legion *l = s.run[i];
    s.run[i] = s.run[--s.nrun]; /* order changes, deterministically */
    return l;
}

/* ---------------------------------------------------------------------------------
 * The worker's loop and the calls into it.
 * --------------------------------------------------------------------------------- */
void lg__seeded_schedule(lg_thread *m) {
    for (;;) {
        lg_worker *p = m->p;
        if (m->spinning) { /* woken by lg__wakep, which counted us as spinning */
            m->spinning = false;
            atomic_fetch_sub_explicit(&lg_rt.nspinning, 1, memory_order_seq_cst);
        }
        if (atomic_load_explicit(&lg_rt.stopping, memory_order_relaxed)) return;
        collect(p);
        if (s.nrun == 0) {
            /* Every legion is blocked: time moves to the next deadline, or, past the
             * limit, stops, and the worker sleeps until another thread makes work. */
            uint64_t next = atomic_load_explicit(&lg__timer_next, memory_order_seq_cst);
            if (next != UINT64_MAX && (lg_rt.cfg.clock_limit_ns == 0 || next <= lg_rt.cfg.clock_limit_ns)) {
                if (next > atomic_load_explicit(&vclock, memory_order_relaxed))
                    atomic_store_explicit(&vclock, next, memory_order_relaxed);
                LG_STAT_ADD(p, timers_fired, lg__timers_fire(next));
                continue;
            }
            atomic_store_explicit(&clock_stopped, next != UINT64_MAX, memory_order_relaxed);
            if (lg__idle_park(m, p) < 0) return;
            continue;
        }
        lg__run(m, p, choose());
        if (!m->p) return;
    }
}

void lg__seeded_requeue(lg_worker *p, lg_legion *l) {
    LG_STAT_ADD(p, yields, 1);
    if (s.preempting) {
        s.preempting = false;
        LG_STAT_ADD(p, preemptions, 1);
        lg__trace(p, LG_EV_PREEMPT, l->id, 0);
    } else if (s.kind == KIND_PCT) {
        /* A yield the program asked for (it waits for something, in a loop): under
         * fixed priorities it would run again at once, forever. One time in four it
         * drops to the bottom, below even the change points' priorities; otherwise it
         * draws a new initial priority. A waiting loop thus soon lets the legion it
         * waits for run, without a yield always losing its place. */
        l->sched_priority = bounded(&s.rng, 4) == 0 ? PRIORITY_BOTTOM : initial_priority();
    }
    add(l);
}

uint64_t lg__seeded_trace_ns(void) {
    return atomic_load_explicit(&vclock, memory_order_relaxed) + s.steps * 1000u;
}

bool lg__seeded_clock_stopped(void) {
    return atomic_load_explicit(&clock_stopped, memory_order_relaxed);
}

/* ---------------------------------------------------------------------------------
 * The public calls.
 * --------------------------------------------------------------------------------- */
bool lg_schedule_safe_point(void) {
    if (!atomic_load_explicit(&lg__seeded_on, memory_order_relaxed)) return false;
    lg_worker *p = lg__current_worker();
    lg_legion *l = lg_current();
    if (!p || !l) return false;
    count_step();
    collect(p);
    bool yield;
    if (s.kind == KIND_UNIFORM) {
        yield = s.nrun > 0 && bounded(&s.rng, s.preempt_one_in) == 0;
    } else {
        change_priority(l);
        yield = s.nrun > 0 && s.run[highest()]->sched_priority > l->sched_priority;
    }
    s.preempting = yield;
    return yield;
}

uint32_t lg_schedule_choice(uint32_t n) {
    if (n <= 1 || !atomic_load_explicit(&lg__seeded_on, memory_order_relaxed)) return 0;
    return bounded(&s.rng, n);
}

bool lg_schedule_seeded(void) {
    return atomic_load_explicit(&lg__seeded_on, memory_order_relaxed);
}

uint64_t lg_schedule_steps(void) {
    return atomic_load_explicit(&last_steps, memory_order_relaxed);
}

uint64_t lg_clock_ns(void) {
    if (LG_UNLIKELY(atomic_load_explicit(&lg__seeded_on, memory_order_relaxed)))
        return atomic_load_explicit(&vclock, memory_order_relaxed);
    return lg_now_ns();
}

bool lg_clock_limit_reached(void) {
    return atomic_load_explicit(&clock_stopped, memory_order_relaxed);
}
