/*
 * trace.c - timestamped events per worker and the Chrome trace-event JSON writer.
 *
 * With cfg.trace each worker gets a fixed buffer of cfg.trace_capacity events, appended
 * by the thread holding the worker (lg__trace in runtime.h); once full, later events
 * are dropped rather than slowing the worker down. The writer reads each buffer up to
 * its published length (acquire), so it may run while legions run.
 *
 * Output: one track per worker (pid 1, tid = worker index, named "worker N"), one
 * complete ("X") slice per legion run named after the legion, and instant events for
 * spawn, park, steal and preemption. Timestamps are microseconds since lg_start.
 * Perfetto (ui.perfetto.dev) and chrome://tracing open it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include "runtime.h"

int lg__trace_start(lg_worker *p) {
    p->trace = NULL;
    p->trace_cap = 0;
    atomic_init(&p->trace_len, 0);
    if (!lg_rt.cfg.trace) return 0;
    p->trace = malloc(lg_rt.cfg.trace_capacity * sizeof(lg_trace_event));
    if (!p->trace) return -1;
    p->trace_cap = lg_rt.cfg.trace_capacity;
    return 0;
}

void lg__trace_stop(lg_worker *p) {
    free(p->trace);
    p->trace = NULL;
}

static void ts(FILE *f, uint64_t ns) {
    fprintf(f, "%" PRIu64 ".%03" PRIu64, ns / 1000, ns % 1000);
}

int lg_trace_write(const char *path) {
    if (!atomic_load_explicit(&lg_rt.running, memory_order_acquire) || !lg_rt.cfg.trace) {
        errno = EINVAL;
        return -1;
    }
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    fprintf(f, "{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n");
    fprintf(f, "{\"name\":\"process_name\",\"ph\":\"M\",\"pid\":1,\"args\":{\"name\":\"legion runtime\"}}");
    for (unsigned w = 0; w < lg_rt.nworkers; w++) {
        lg_worker *p = lg_rt.workers[w];
        fprintf(f, ",\n{\"name\":\"thread_name\",\"ph\":\"M\",\"pid\":1,\"tid\":%u,\"args\":{\"name\":\"worker %u\"}}",
                w, w);
        size_t n = atomic_load_explicit(&p->trace_len, memory_order_acquire);
        uint64_t begin = 0, legion = 0;
        bool open = false;
        for (size_t i = 0; i < n; i++) {
            lg_trace_event *e = &p->trace[i];
            switch (e->kind) {
            case LG_EV_RUN_BEGIN:
                begin = e->ts;
                legion = e->legion;
                open = true;
                break;
            case LG_EV_RUN_END:
                if (!open || e->legion != legion) break;
                open = false;
                fprintf(f, ",\n{\"name\":\"legion %" PRIu64 "\",\"cat\":\"run\",\"ph\":\"X\",\"pid\":1,\"tid\":%u,\"ts\":",
                        legion, w);
                ts(f, begin);
                fprintf(f, ",\"dur\":");
                ts(f, e->ts - begin);
                fprintf(f, ",\"args\":{\"legion\":%" PRIu64 "}}", legion);
                break;
            case LG_EV_SPAWN:
            case LG_EV_PARK:
            case LG_EV_PREEMPT:
                fprintf(f, ",\n{\"name\":\"%s\",\"cat\":\"legion\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u,\"ts\":",
                        e->kind == LG_EV_SPAWN ? "spawn" : e->kind == LG_EV_PARK ? "park" : "preempt", w);
                ts(f, e->ts);
                fprintf(f, ",\"args\":{\"legion\":%" PRIu64 "}}", e->legion);
                break;
            case LG_EV_STEAL:
                fprintf(f, ",\n{\"name\":\"steal\",\"cat\":\"sched\",\"ph\":\"i\",\"s\":\"t\",\"pid\":1,\"tid\":%u,\"ts\":", w);
                ts(f, e->ts);
                fprintf(f, ",\"args\":{\"victim\":%" PRIu64 ",\"moved\":%u}}", e->legion, e->arg);
                break;
            }
        }
    }
    fprintf(f, "\n]}\n");
    if (fclose(f) != 0) return -1;
    return 0;
}
