/*
 * legion-bench - C-level benchmarks of the legion runtime, each improvement measured
 * against its simple alternative in the same run.
 *
 *   swift build -c release --product legion-bench && .build/release/legion-bench
 *
 * Options: --quick (smaller counts), --runs N (repetitions, default 5; medians are
 * reported with the min-max spread), --only SECTION (switch, spawn, parkready, steal,
 * parked, fairness), --overflow (demonstrates the stack overflow report and exits).
 */
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "clegion.h"

static int runs = 5;
static bool quick = false;

/* ---------------------------------------------------------------------------------
 * Helpers.
 * --------------------------------------------------------------------------------- */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

typedef struct summary {
    double median, min, max;
} summary;

static summary summarize(double *v, int n) {
    qsort(v, (size_t)n, sizeof *v, cmp_double);
    summary s = {n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2, v[0], v[n - 1]};
    return s;
}

static void start(unsigned workers, void (*tweak)(lg_config *)) {
    lg_config c;
    lg_config_init(&c);
    c.workers = workers;
    if (tweak) tweak(&c);
    if (lg_start(&c) != 0) {
        perror("lg_start");
        exit(1);
    }
}

static long rss_kb(void) {
    FILE *f = fopen("/proc/self/statm", "r");
    long size = 0, rss = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &size, &rss) != 2) rss = 0;
        fclose(f);
    }
    return rss * (sysconf(_SC_PAGESIZE) / 1024);
}

static long map_count(void) {
    FILE *f = fopen("/proc/self/maps", "r");
    long n = 0;
    int ch;
    if (!f) return -1;
    while ((ch = fgetc(f)) != EOF) n += ch == '\n';
    fclose(f);
    return n;
}

static void burn(uint64_t ns) {
    uint64_t end = lg_now_ns() + ns;
    while (lg_now_ns() < end) {}
}

/* ---------------------------------------------------------------------------------
 * switch: a bare switch, and a yield through the scheduler, asm vs ucontext.
 * --------------------------------------------------------------------------------- */
static long yield_rounds;

static void yielder(void *u) {
    (void)u;
    for (long i = 0; i < yield_rounds; i++) lg_yield();
}
static void yield_root(void *u) {
    (void)u;
    lg_spawn(yielder, NULL);
    lg_spawn(yielder, NULL);
}

static lg_context_mode bench_mode;
static void tweak_mode(lg_config *c) {
    c->context = bench_mode;
    c->preempt = LG_PREEMPT_OFF;
}

static double yield_ns(lg_context_mode mode, long rounds) {
    bench_mode = mode;
    yield_rounds = rounds;
    start(1, tweak_mode);
    uint64_t t0 = lg_now_ns();
    lg_spawn(yield_root, NULL);
    lg_wait_quiescent();
    uint64_t t1 = lg_now_ns();
    lg_shutdown();
    return (double)(t1 - t0) / (double)(2 * rounds);
}

static void bench_switch(void) {
    printf("\n== switch: ns per context switch (median of %d, [min-max]) ==\n", runs);
    uint64_t raw_n = quick ? 2000000 : 10000000, raw_u = quick ? 200000 : 1000000;
    long y_n = quick ? 200000 : 1000000, y_u = quick ? 50000 : 200000;
    double a[32], u[32];
    for (int i = 0; i < runs; i++) a[i] = lg_measure_switch_ns(LG_CONTEXT_ASM, raw_n);
    for (int i = 0; i < runs; i++) u[i] = lg_measure_switch_ns(LG_CONTEXT_UCONTEXT, raw_u);
    summary sa = summarize(a, runs), su = summarize(u, runs);
    printf("bare switch, two contexts      asm %7.1f ns [%.1f-%.1f]   ucontext %7.1f ns [%.1f-%.1f]   ucontext/asm %.0fx\n",
           sa.median, sa.min, sa.max, su.median, su.min, su.max, su.median / sa.median);
    for (int i = 0; i < runs; i++) a[i] = yield_ns(LG_CONTEXT_ASM, y_n);
    for (int i = 0; i < runs; i++) u[i] = yield_ns(LG_CONTEXT_UCONTEXT, y_u);
    sa = summarize(a, runs);
    su = summarize(u, runs);
    printf("yield ping-pong, 1 worker      asm %7.1f ns [%.1f-%.1f]   ucontext %7.1f ns [%.1f-%.1f]   ucontext/asm %.1fx\n",
           sa.median, sa.min, sa.max, su.median, su.min, su.max, su.median / sa.median);
    printf("  (a yield is legion -> scheduler -> legion: two switches plus a global-queue round trip)\n");
}

/* ---------------------------------------------------------------------------------
 * spawn: spawn-and-complete throughput.
 * --------------------------------------------------------------------------------- */
static long spawn_n;
static _Atomic long spawn_done;
static void empty_legion(void *u) {
    (void)u;
    atomic_fetch_add_explicit(&spawn_done, 1, memory_order_relaxed);
}
static lg_step_result empty_step(lg_legion *l, void *u) {
    (void)l;
    empty_legion(u);
    return LG_STEP_DONE;
}
static void spawn_root(void *u) {
    for (long i = 0; i < spawn_n; i++) {
        if (u) lg_spawn_resumable(empty_step, NULL);
        else lg_spawn(empty_legion, NULL);
    }
}

static void bench_spawn(void) {
    spawn_n = quick ? 200000 : 1000000;
    printf("\n== spawn: legions spawned by one legion and run to completion (%ld), legions/s ==\n", spawn_n);
    for (int kind = 0; kind < 2; kind++) {
        for (unsigned w = 1; w <= 2; w++) {
            double v[32];
            for (int i = 0; i < runs; i++) {
                start(w, NULL);
                atomic_store(&spawn_done, 0);
                uint64_t t0 = lg_now_ns();
                lg_spawn(spawn_root, kind ? (void *)1 : NULL);
                lg_wait_quiescent();
                uint64_t t1 = lg_now_ns();
                if (atomic_load(&spawn_done) != spawn_n) printf("  WRONG: %ld done\n", atomic_load(&spawn_done));
                lg_shutdown();
                v[i] = (double)spawn_n / ((double)(t1 - t0) / 1e9);
            }
            summary s = summarize(v, runs);
            printf("%-9s %u worker%s  %10.0f legions/s [%.0f-%.0f]  (%.0f ns each)\n", kind ? "resumable" : "stackful",
                   w, w > 1 ? "s" : " ", s.median, s.min, s.max, 1e9 / s.median);
        }
    }
}

/* ---------------------------------------------------------------------------------
 * parkready: round trips between two legions through one-slot mailboxes.
 * --------------------------------------------------------------------------------- */
typedef struct slot {
    atomic_flag lock;
    int full;
    lg_legion *waiter;
} slot;
static slot slots[2];
static long pr_rounds;

static bool unlock_slot(lg_legion *l, void *arg) {
    (void)l;
    atomic_flag_clear_explicit(&((slot *)arg)->lock, memory_order_release);
    return true;
}
static void slot_lock(slot *s) {
    while (atomic_flag_test_and_set_explicit(&s->lock, memory_order_acquire)) {}
}
static void slot_put(slot *s) {
    slot_lock(s);
    s->full = 1;
    lg_legion *w = s->waiter;
    s->waiter = NULL;
    atomic_flag_clear_explicit(&s->lock, memory_order_release);
    if (w) lg_ready(w);
}
static void slot_take(slot *s) {
    for (;;) {
        slot_lock(s);
        if (s->full) {
            s->full = 0;
            atomic_flag_clear_explicit(&s->lock, memory_order_release);
            return;
        }
        s->waiter = lg_current();
        lg_park(unlock_slot, s);
    }
}
static void pinger(void *u) {
    (void)u;
    for (long i = 0; i < pr_rounds; i++) {
        slot_put(&slots[1]);
        slot_take(&slots[0]);
    }
}
static void ponger(void *u) {
    (void)u;
    for (long i = 0; i < pr_rounds; i++) {
        slot_take(&slots[1]);
        slot_put(&slots[0]);
    }
}
static void pr_root(void *u) {
    (void)u;
    lg_spawn(ponger, NULL);
    lg_spawn(pinger, NULL);
}

static void bench_parkready(void) {
    pr_rounds = quick ? 200000 : 1000000;
    printf("\n== parkready: ns per round trip (ready + park each way) between two legions, %ld round trips ==\n",
           pr_rounds);
    for (unsigned w = 1; w <= 2; w++) {
        double v[32];
        for (int i = 0; i < runs; i++) {
            start(w, NULL);
            memset(slots, 0, sizeof slots);
            uint64_t t0 = lg_now_ns();
            lg_spawn(pr_root, NULL);
            lg_wait_quiescent();
            uint64_t t1 = lg_now_ns();
            lg_shutdown();
            v[i] = (double)(t1 - t0) / (double)pr_rounds;
        }
        summary s = summarize(v, runs);
        printf("%u worker%s  %7.1f ns per round trip [%.1f-%.1f]\n", w, w > 1 ? "s" : " ", s.median, s.min, s.max);
    }
}

/* ---------------------------------------------------------------------------------
 * steal: balance of CPU-bound legions spawned by one legion on 2 workers.
 * --------------------------------------------------------------------------------- */
static long steal_n;
static _Atomic long per_worker[64];
static void cpu_legion(void *u) {
    (void)u;
    burn(20000);
    int w = lg_worker_index();
    if (w >= 0 && w < 64) atomic_fetch_add_explicit(&per_worker[w], 1, memory_order_relaxed);
}
static void steal_root(void *u) {
    (void)u;
    for (long i = 0; i < steal_n; i++) lg_spawn(cpu_legion, NULL);
}
static lg_steal_mode steal_mode;
static void tweak_steal(lg_config *c) {
    c->steal = steal_mode;
}

static void bench_steal(void) {
    steal_n = quick ? 5000 : 20000;
    printf("\n== steal: %ld CPU-bound legions (20 us each) spawned by one legion (one run each) ==\n", steal_n);
    const char *names[] = {"random", "most-loaded", "off"};
    for (unsigned workers = 2; workers <= 4; workers += 2) {
        if (workers == 4) printf("4 workers on %ld CPUs (oversubscribed: shows how victims are chosen):\n", sysconf(_SC_NPROCESSORS_ONLN));
        for (int m = 0; m < 3; m++) {
            steal_mode = (lg_steal_mode)m;
            start(workers, tweak_steal);
            for (int i = 0; i < 64; i++) atomic_store(&per_worker[i], 0);
            uint64_t t0 = lg_now_ns();
            lg_spawn(steal_root, NULL);
            lg_wait_quiescent();
            uint64_t t1 = lg_now_ns();
            lg_worker_stats s[4];
            lg_stats_snapshot(s, workers);
            unsigned long long tries = 0, ok = 0, moved = 0;
            char runs[96] = "";
            for (unsigned w = 0; w < workers; w++) {
                tries += s[w].steal_tries;
                ok += s[w].steal_successes;
                moved += s[w].stolen;
                size_t n = strlen(runs);
                snprintf(runs + n, sizeof runs - n, " %6ld", atomic_load(&per_worker[w]));
            }
            printf("%u workers %-12s runs per worker%s   elapsed %6.1f ms   steals %llu ok of %llu tries, %llu legions moved\n",
                   workers, names[m], runs, (t1 - t0) / 1e6, ok, tries, moved);
            lg_shutdown();
        }
    }
}

/* ---------------------------------------------------------------------------------
 * parked: memory of parked resumable legions, stackless parking on vs off.
 * --------------------------------------------------------------------------------- */
static lg_step_result park_once(lg_legion *l, void *u) {
    (void)l;
    if (!u) return LG_STEP_DONE;
    lg_legion_set_user(l, NULL);
    return LG_STEP_PARK;
}
static bool stackless_flag;
static void tweak_stackless(lg_config *c) {
    c->stackless = stackless_flag;
}

static void bench_parked(void) {
    printf("\n== parked: resumable legions parked at once (one run each) ==\n");
    for (int on = 1; on >= 0; on--) {
        long n = on ? (quick ? 200000 : 1000000) : 20000;
        stackless_flag = on;
        start(2, tweak_stackless);
        long rss0 = rss_kb(), maps0 = map_count();
        for (long i = 0; i < n; i++) lg_spawn_resumable(park_once, (void *)1);
        size_t parked = lg_wait_quiescent();
        long rss1 = rss_kb(), maps1 = map_count();
        printf("stackless %-3s %8ld legions parked (%zu reported): %6.0f bytes each, %zu native stacks, +%ld mappings\n",
               on ? "on" : "off", n, parked, (double)(rss1 - rss0) * 1024 / (double)n, lg_live_stacks(), maps1 - maps0);
        lg_shutdown();
    }
}

/* ---------------------------------------------------------------------------------
 * fairness: 4 CPU-bound legions that poll the preempt flag, plus one that sleeps 1 ms
 * 200 times, on 2 workers: the sleeper's worst lateness.
 * --------------------------------------------------------------------------------- */
static _Atomic int fair_stop;
static double lateness_ms[200]; /* written by the sleeper, read after quiescence */
static void spinner(void *u) {
    (void)u;
    uint8_t *flag = lg_preempt_flag();
    uint64_t end = lg_now_ns() + 3000000000u; /* never longer than 3 s */
    while (!atomic_load_explicit(&fair_stop, memory_order_relaxed) && lg_now_ns() < end) {
        if (lg_preempt_requested(flag)) {
            lg_yield();
            flag = lg_preempt_flag();
        }
    }
}
static void fair_sleeper(void *u) {
    (void)u;
    for (int i = 0; i < 200; i++) {
        uint64_t t0 = lg_now_ns();
        lg_sleep_ns(1000000);
        lateness_ms[i] = (double)(lg_now_ns() - t0 - 1000000) / 1e6;
    }
    atomic_store(&fair_stop, 1);
}
static lg_preempt_mode fair_mode;
static void tweak_fair(lg_config *c) {
    c->preempt = fair_mode;
}

static void bench_fairness(void) {
    printf("\n== fairness: lateness of a 1 ms sleep (x200) next to 4 spinning legions, 2 workers ==\n");
    const char *names[] = {"off", "on", "signal"};
    for (int m = 0; m < 3; m++) {
        fair_mode = (lg_preempt_mode)m;
        start(2, tweak_fair);
        atomic_store(&fair_stop, 0);
        for (int i = 0; i < 4; i++) lg_spawn(spinner, NULL);
        lg_spawn(fair_sleeper, NULL);
        lg_wait_quiescent();
        lg_runtime_stats r;
        lg_runtime_stats_snapshot(&r);
        summary l = summarize(lateness_ms, 200);
        printf("preempt %-6s lateness worst %8.2f ms   median %6.2f ms   99th percentile %8.2f ms   (preempt requests %llu)\n",
               names[m], l.max, l.median, lateness_ms[197], (unsigned long long)r.preempt_requests);
        lg_shutdown();
    }
}

/* ---------------------------------------------------------------------------------
 * --overflow: what a stack overflow looks like.
 * --------------------------------------------------------------------------------- */
static volatile long sink;
__attribute__((noinline)) static long deep(long n) {
    volatile char frame[1024];
    frame[0] = (char)n;
    sink += frame[0];
    return deep(n + 1) + frame[0];
}
static void overflow_legion(void *u) {
    (void)u;
    sink = deep(0);
}

int main(int argc, char **argv) {
    const char *only = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) quick = true;
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc) runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--only") && i + 1 < argc) only = argv[++i];
        else if (!strcmp(argv[i], "--overflow")) {
            lg_config c;
            lg_config_init(&c);
            c.overflow_hint = "rerun legion-bench with a larger stack (this demonstration uses 64 KiB)";
            c.stack_size = 64 * 1024;
            lg_start(&c);
            lg_spawn(overflow_legion, NULL);
            lg_wait_quiescent();
            return 0;
        } else {
            fprintf(stderr, "usage: legion-bench [--quick] [--runs N] [--only switch|spawn|parkready|steal|parked|fairness] [--overflow]\n");
            return 2;
        }
    }
    if (runs < 1) runs = 1;
    if (runs > 32) runs = 32;
    lg_config d;
    lg_config_init(&d);
    start(0, NULL);
    unsigned workers = lg_num_workers();
    lg_shutdown();
    printf("legion-bench: %u CPUs available, %d runs per figure%s\n", workers, runs, quick ? ", quick" : "");
    if (!only || !strcmp(only, "switch")) bench_switch();
    if (!only || !strcmp(only, "spawn")) bench_spawn();
    if (!only || !strcmp(only, "parkready")) bench_parkready();
    if (!only || !strcmp(only, "steal")) bench_steal();
    if (!only || !strcmp(only, "parked")) bench_parked();
    if (!only || !strcmp(only, "fairness")) bench_fairness();
    return 0;
}
