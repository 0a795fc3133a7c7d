/*
 * stats.c - per-worker counters: snapshots and the table printed by --stats.
 *
 * Counters are written only by the thread holding the worker (relaxed load + store,
 * see LG_STAT_ADD) and read here with relaxed loads: a snapshot taken while legions run
 * is a set of recent values, not one instant. The stack high-water mark is the most
 * bytes of one native stack found resident by mincore when a stack was released.
 */
#include <inttypes.h>
#include "runtime.h"

static void copy(lg_worker_stats *o, lg_counters *c) {
#define LG_COPY(f) o->f = atomic_load_explicit(&c->f, memory_order_relaxed)
    LG_COPY(runs);
    LG_COPY(spawns);
    LG_COPY(steal_tries);
    LG_COPY(steal_successes);
    LG_COPY(stolen);
    LG_COPY(preemptions);
    LG_COPY(parks);
    LG_COPY(yields);
    LG_COPY(stack_pool_hits);
    LG_COPY(stack_pool_misses);
    LG_COPY(stack_high_water);
    LG_COPY(global_takes);
    LG_COPY(timers_fired);
#undef LG_COPY
}

unsigned lg_stats_snapshot(lg_worker_stats *out, unsigned max) {
    if (!atomic_load_explicit(&lg_rt.running, memory_order_acquire)) return 0;
    for (unsigned i = 0; i < lg_rt.nworkers && i < max; i++) copy(&out[i], &lg_rt.workers[i]->stats);
    return lg_rt.nworkers;
}

void lg_runtime_stats_snapshot(lg_runtime_stats *out) {
    out->workers = lg_rt.nworkers;
    out->threads_started = atomic_load_explicit(&lg_rt.threads_started, memory_order_relaxed);
    out->threads_exited = atomic_load_explicit(&lg_rt.threads_exited, memory_order_relaxed);
    out->handoffs = atomic_load_explicit(&lg_rt.handoffs, memory_order_relaxed);
    out->preempt_requests = atomic_load_explicit(&lg_rt.preempt_requests, memory_order_relaxed);
    out->live_stacks = lg_live_stacks();
    uint64_t alive = atomic_load_explicit(&lg_rt.ext_spawned, memory_order_relaxed);
    for (unsigned i = 0; i < lg_rt.nworkers; i++) {
        alive += atomic_load_explicit(&lg_rt.workers[i]->nspawned, memory_order_relaxed);
        alive -= atomic_load_explicit(&lg_rt.workers[i]->nended, memory_order_relaxed);
    }
    out->legions_alive = alive;
}

void lg_stats_print(FILE *out) {
    if (!atomic_load_explicit(&lg_rt.running, memory_order_acquire)) return;
    unsigned n = lg_rt.nworkers;
    lg_worker_stats s[n], total = {0};
    lg_stats_snapshot(s, n);
    fprintf(out, "%-6s %10s %9s %9s %8s %8s %8s %9s %9s %8s %8s %9s %8s %7s\n", "worker", "runs", "spawns",
            "parks", "yields", "preempt", "stl.try", "stl.ok", "stolen", "global", "timers", "pool.hit",
            "pool.miss", "stk.hw");
    for (unsigned i = 0; i <= n; i++) {
        lg_worker_stats *w = i < n ? &s[i] : &total;
        if (i < n) {
            total.runs += w->runs;
            total.spawns += w->spawns;
            total.parks += w->parks;
            total.yields += w->yields;
            total.preemptions += w->preemptions;
            total.steal_tries += w->steal_tries;
            total.steal_successes += w->steal_successes;
            total.stolen += w->stolen;
            total.global_takes += w->global_takes;
            total.timers_fired += w->timers_fired;
            total.stack_pool_hits += w->stack_pool_hits;
            total.stack_pool_misses += w->stack_pool_misses;
            if (w->stack_high_water > total.stack_high_water) total.stack_high_water = w->stack_high_water;
        }
        char name[16];
        if (i < n) snprintf(name, sizeof name, "%u", i);
        else snprintf(name, sizeof name, "total");
        fprintf(out,
                "%-6s %10" PRIu64 " %9" PRIu64 " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64
                " %9" PRIu64 " %8" PRIu64 " %8" PRIu64 " %9" PRIu64 " %8" PRIu64 " %6" PRIu64 "K\n",
                name, w->runs, w->spawns, w->parks, w->yields, w->preemptions, w->steal_tries, w->steal_successes,
                w->stolen, w->global_takes, w->timers_fired, w->stack_pool_hits, w->stack_pool_misses,
                w->stack_high_water / 1024);
    }
    lg_runtime_stats r;
    lg_runtime_stats_snapshot(&r);
    fprintf(out,
            "threads started %" PRIu64 ", spare threads exited %" PRIu64 ", hand-offs %" PRIu64
            ", preempt requests %" PRIu64 ", native stacks mapped %" PRIu64 ", legions alive %" PRIu64 "\n",
            r.threads_started, r.threads_exited, r.handoffs, r.preempt_requests, r.live_stacks, r.legions_alive);
}
