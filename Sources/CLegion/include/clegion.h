/*
 * clegion.h - the public interface of CLegion, the M:N legion runtime of Malphas.
 *
 * A legion is a lightweight thread. Many legions run on a few worker threads (one per
 * CPU by default); a legion that waits gives its worker to another legion. CLegion
 * knows nothing about Malphas values: any native code can embed it. docs/RUNTIME.md
 * describes the model, the state machine of a legion and every switch.
 *
 * Two kinds of legion:
 *   - stackful: runs entry(user) on a native stack it keeps until entry returns;
 *   - resumable: its step(legion, user) is called each time it is scheduled. A step runs
 *     on a pooled native stack that goes back to the pool as soon as the step returns
 *     ("stackless parking"), so a parked resumable legion costs no native stack. Code
 *     inside a step may still block in place with lg_park/lg_yield/lg_sleep_ns; that
 *     pins the stack to the legion until the step returns.
 *
 * Threads: every function may be called from a legion. The ones marked "any thread"
 * may also be called from threads that are not workers (the embedder's main thread,
 * other native threads, a signal-free context).
 */
#ifndef CLEGION_H
#define CLEGION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#ifdef __cplusplus
extern "C" {
#endif

/// A legion. Opaque; valid while the legion is alive (until its entry returns or its
/// step returns LG_STEP_DONE), longer if retained with lg_legion_retain.
typedef struct lg_legion lg_legion;

/* ---------------------------------------------------------------------------------
 * Configuration. Every improvement of the runtime can be switched off at run time so
 * that it can be measured against its simple alternative. lg_config_init fills in the
 * defaults, which are the best settings.
 * --------------------------------------------------------------------------------- */

/// How a context switch is done.
typedef enum lg_context_mode {
    LG_CONTEXT_ASM = 0,      ///< hand-written assembly: callee-saved registers only, no system call (default)
    LG_CONTEXT_UCONTEXT = 1, ///< makecontext/swapcontext: portable, saves the signal mask with a system call
} lg_context_mode;

/// How a legion that runs longer than its time slice is asked to yield.
typedef enum lg_preempt_mode {
    LG_PREEMPT_OFF = 0,    ///< never: purely cooperative
    LG_PREEMPT_ON = 1,     ///< the monitor sets the worker's preempt flag (default)
    LG_PREEMPT_SIGNAL = 2, ///< the monitor sends SIGURG; the handler sets the same flag
} lg_preempt_mode;

/// How an idle worker chooses the worker it steals from.
typedef enum lg_steal_mode {
    LG_STEAL_RANDOM = 0,      ///< all victims in a random order, as Go does (default)
    LG_STEAL_MOST_LOADED = 1, ///< the victim with the longest deque first
    LG_STEAL_OFF = 2,         ///< no stealing: work moves only through the global queue
} lg_steal_mode;

typedef struct lg_config {
    /// Worker threads. 0: the number of CPUs this process may run on (sched_getaffinity).
    unsigned workers;
    /// Usable bytes of a native stack (rounded up to pages). 0: 256 KiB.
    size_t stack_size;
    /// Bytes at the top of a pooled stack that stay committed; the rest is given back
    /// to the kernel (madvise) when the stack returns to the pool. 0: 16 KiB.
    size_t stack_hot_size;
    /// Most stacks kept in each worker's pool; more are unmapped. 0: 64.
    unsigned stack_pool_max;
    lg_context_mode context;
    lg_preempt_mode preempt;
    /// Time slice in microseconds before a running legion is asked to yield. 0: 10000.
    uint32_t time_slice_us;
    lg_steal_mode steal;
    /// true (default): a resumable legion holds a native stack only while its step runs.
    /// false: every resumable legion keeps a dedicated native stack for life, mapped when
    /// it is spawned, so a spawn that cannot map one fails (lg_spawn_resumable).
    bool stackless;
    /// Record timestamped trace events into per-worker buffers (see lg_trace_write).
    bool trace;
    /// Events kept per worker when tracing. 0: 1M.
    size_t trace_capacity;
    /// Path the trace is written to at lg_shutdown, or NULL. The string is copied.
    const char *trace_path;
    /// The advice printed after a native stack overflow, e.g. "rerun with --stack-size 1M".
    /// NULL: a sentence naming lg_config.stack_size. The string is copied.
    const char *overflow_hint;
    /// A spare thread (see lg_blocking_enter) exits after being idle this long. 0: 5000 ms.
    uint32_t spare_idle_ms;
    /// The monitor hands a blocked worker's queue to a spare thread once the worker has
    /// been inside lg_blocking_enter/exit this long and has work waiting. 0: 1000 us.
    uint32_t blocking_handoff_us;
    /// The seeded scheduling policy (schedule_seeded.c): one worker, every choice (the
    /// next legion, where to preempt, lg_schedule_choice) from a generator seeded with
    /// `seed`, and a virtual clock (lg_clock_ns). Same seed, same schedule.
    bool seeded;
    uint64_t seed;
    /// Seeded only: the virtual clock stops here (ns; 0: never). When every legion is
    /// blocked and the next deadline lies beyond it, the runtime goes quiescent and
    /// lg_clock_limit_reached() is true.
    uint64_t clock_limit_ns;
    /// Called when a legion cannot be given the native stack it needs to run (mapping it
    /// failed: memory or the kernel's limit on mappings, vm.max_map_count, ran out) and
    /// the failure could not be reported by its spawn: a stackful legion's stack is
    /// mapped when it first runs, and a resumable legion in stackless mode needs a stack
    /// for each step. The legion ends without running further; the callback runs on the
    /// scheduler's stack, with the legion (valid during the call), its user pointer and
    /// the errno of the failed mapping, and must not park or yield. NULL: the runtime
    /// prints which legion ended and why on stderr. Nothing aborts either way.
    void (*stack_failure)(lg_legion *legion, void *user, int error);
} lg_config;

/// Fills *config with the defaults (the best settings).
void lg_config_init(lg_config *config);

/// Sets one switch by name, for command lines: "workers", "stack-size" (bytes, or with
/// a K/M/G suffix), "stack-hot-size", "stack-pool", "context" (asm|ucontext), "preempt"
/// (off|on|signal), "time-slice-us", "steal" (random|most-loaded|off), "stackless"
/// (on|off), "trace" (on|off), "trace-capacity", "overflow-hint", "spare-idle-ms",
/// "blocking-handoff-us", "seed" (a number: turns the seeded policy on), "clock-limit-ms".
/// Returns 0, -1 for an unknown key, -2 for a bad value.
/// Strings are referenced, not copied, until lg_start copies them.
int lg_config_set(lg_config *config, const char *key, const char *value);

/// Parses "262144", "256K", "1M", "2g" into bytes; returns 0 for a bad size.
size_t lg_parse_size(const char *text);

/* ---------------------------------------------------------------------------------
 * Lifecycle. One runtime per process at a time; it may be started again after
 * lg_shutdown (with another configuration).
 * --------------------------------------------------------------------------------- */

/// Starts the workers and the monitor. config may be NULL (defaults).
/// Returns 0, or -1 with errno set (EBUSY if already running). Any thread.
int lg_start(const lg_config *config);

/// Stops the runtime and joins every thread it started. Each worker stops after its
/// current legion parks, yields or ends (every preempt flag is set to hasten that), so
/// a legion that never reaches a safe point keeps shutdown waiting, and so does one
/// inside lg_blocking_enter/exit. Legions still parked or runnable are destroyed
/// without running further; their native stacks are unmapped. Writes the trace if
/// config.trace_path was set. Call from a thread that is not a worker.
void lg_shutdown(void);

/// Number of worker threads of the running runtime (0 when stopped). Any thread.
unsigned lg_num_workers(void);

/// The configuration in force (after defaults were applied). Any thread, while running.
const lg_config *lg_current_config(void);

/* ---------------------------------------------------------------------------------
 * Legions.
 * --------------------------------------------------------------------------------- */

/// The body of a stackful legion. The legion ends when it returns.
typedef void (*lg_entry_fn)(void *user);

/// What a resumable legion's step asks for when it returns.
typedef enum lg_step_result {
    LG_STEP_DONE = 0,  ///< the legion has ended
    LG_STEP_YIELD = 1, ///< run me again later (at a safe point with the preempt flag set)
    LG_STEP_PARK = 2,  ///< park me; the step has called lg_park_commit (and maybe lg_park_deadline)
} lg_step_result;

/// One step of a resumable legion; called each time the legion is scheduled.
typedef lg_step_result (*lg_step_fn)(lg_legion *legion, void *user);

/// Called on the scheduler's stack after a parking legion has switched out. It usually
/// releases the lock under which the legion registered itself as a waiter, so whoever
/// takes that lock next may lg_ready it. Return false to cancel the park: the legion
/// continues at once (a cancelled lg_park returns; a cancelled step is called again).
/// It must not park, yield or block for long.
typedef bool (*lg_commit_fn)(lg_legion *legion, void *arg);

/// Optional attributes of a new legion.
typedef struct lg_spawn_attr {
    /// Native stack size for this legion (rounded up to pages); 0: lg_config.stack_size.
    /// Stacks of another size are not pooled.
    size_t stack_size;
} lg_spawn_attr;

/// Spawns a stackful legion running entry(user). From a worker it goes onto that
/// worker's deque; from any other thread onto the global queue. Returns its id (>0),
/// or 0 if the runtime is not running (errno EINVAL) or out of memory for the legion
/// (errno ENOMEM). Its native stack is mapped when it first runs (see
/// lg_config.stack_failure). Any thread.
uint64_t lg_spawn(lg_entry_fn entry, void *user);
uint64_t lg_spawn_ex(lg_entry_fn entry, void *user, const lg_spawn_attr *attr);

/// Spawns a resumable legion whose step(legion, user) is called each time it runs.
/// Returns its id, or 0 as lg_spawn. With lg_config.stackless off, or a stack size of
/// its own in attr, the legion keeps a native stack for life and gets it here: if it
/// cannot be mapped (memory or vm.max_map_count exhausted) the spawn fails with 0 and
/// errno ENOMEM, and nothing of the legion is left. Any thread.
uint64_t lg_spawn_resumable(lg_step_fn step, void *user);
uint64_t lg_spawn_resumable_ex(lg_step_fn step, void *user, const lg_spawn_attr *attr);

/// The legion running on this thread, or NULL outside legions (also on the scheduler's
/// own stack, e.g. inside a commit callback).
lg_legion *lg_current(void);

/// The id of a legion (unique for the life of the process, starting at 1).
uint64_t lg_legion_id(const lg_legion *legion);

/// The embedder's pointer given at spawn, and a way to change it. The runtime never
/// reads it except to pass it to entry/step.
void *lg_legion_user(const lg_legion *legion);
void lg_legion_set_user(lg_legion *legion, void *user);

/// Keep a legion's memory valid after it ends (lg_ready on an ended legion does
/// nothing). Every retain needs one release. Any thread.
void lg_legion_retain(lg_legion *legion);
void lg_legion_release(lg_legion *legion);

/// Puts the running legion at the back of the global queue and runs another.
/// Outside a legion it calls sched_yield.
void lg_yield(void);

/// Blocks the running legion in place (its native stack stays pinned) until lg_ready.
/// commit(legion, arg) runs on the scheduler's stack after the switch (NULL: none).
/// A ready that arrives before the park is complete is not lost: the park returns at
/// once (a ready is a permit, like unpark). May return without a ready when a deadline
/// set with lg_park_deadline passes, or when commit returns false.
void lg_park(lg_commit_fn commit, void *arg);

/// For a resumable step that is about to return LG_STEP_PARK: the commit to run once
/// the step has returned and its native stack has been released.
void lg_park_commit(lg_commit_fn commit, void *arg);

/// Makes the next park of the running legion (lg_park, or a step returning
/// LG_STEP_PARK) end by itself at deadline_ns (lg_now_ns clock) if no lg_ready came
/// first. The timer is cancelled when a ready comes first. A yield, or a step
/// returning anything but LG_STEP_PARK, discards a pending deadline and commit.
void lg_park_deadline(uint64_t deadline_ns);

/// Makes a parked legion runnable. From a worker it goes into that worker's runnext
/// slot (runs next; the legion it displaces goes onto the deque); from any other thread
/// onto the global queue. On a legion that is running or runnable it leaves a permit
/// that makes its next park return at once. Any thread.
void lg_ready(lg_legion *legion);

/// Sleeps the running legion (blocking in place) for ns nanoseconds; outside a legion
/// it sleeps the thread. Resumable steps that should not pin their stack use
/// lg_park_deadline(lg_now_ns() + ns) and return LG_STEP_PARK instead.
void lg_sleep_ns(uint64_t ns);

/// CLOCK_MONOTONIC in nanoseconds. Any thread.
uint64_t lg_now_ns(void);
/// The clock of deadlines, sleeps and timers: lg_now_ns, or under a seeded schedule
/// the virtual clock, which starts at 0 and jumps to the next deadline only when every
/// legion is blocked. Any thread.
uint64_t lg_clock_ns(void);
/* ---------------------------------------------------------------------------------
 * Seeded schedules (lg_config.seeded; docs/RUNTIME.md section 9 and schedule_seeded.c).
 * --------------------------------------------------------------------------------- */
/// True while a runtime with the seeded policy runs. Any thread.
bool lg_schedule_seeded(void);
/// For the embedder's safe points under a seeded schedule (the preempt flag is never
/// set by time then): counts a step of the schedule and returns true when the running
/// legion must yield here. False when not seeded or outside a legion.
bool lg_schedule_safe_point(void);
/// A choice among n equal options (which ready case a select takes) drawn from the
/// seeded schedule's generator: uniform in [0, n). From a legion; 0 when not seeded.
uint32_t lg_schedule_choice(uint32_t n);
/// Steps (scheduling decisions and safe points) of the seeded run going on, or of the
/// last one after lg_shutdown. Any thread.
uint64_t lg_schedule_steps(void);
/// Writes a one-line description of the schedule a seed stands for ("PCT, depth 2, k
/// 64, a priority change at step 17"); snprintf's result.
int lg_schedule_describe(uint64_t seed, char *buf, size_t len);
/// True when the virtual clock stopped at lg_config.clock_limit_ns with timers pending
/// (read it after lg_wait reported quiescence). Any thread.
bool lg_clock_limit_reached(void);

/* ---------------------------------------------------------------------------------
 * Preemption and blocking calls.
 * --------------------------------------------------------------------------------- */

/// The preempt flag of the current worker: a byte the embedder polls at safe points.
/// Non-zero means "yield soon" (return LG_STEP_YIELD from a step, or call lg_yield).
/// The pointer is stable during one step of a resumable legion and during one run of a
/// stackful legion; after anything that may switch (lg_park, lg_yield, lg_sleep_ns,
/// lg_blocking_exit) the legion may be on another worker: fetch it again. The runtime
/// clears it when a run ends (the legion yielded, parked or ended), so a request made
/// just before a run starts applies to that run. NULL outside a worker.
uint8_t *lg_preempt_flag(void);

/// Reads a preempt flag (a relaxed atomic load: one load, one branch).
static inline bool lg_preempt_requested(const uint8_t *flag) {
    return __atomic_load_n(flag, __ATOMIC_RELAXED) != 0;
}

/// Sets every worker's preempt flag (and signals them in signal mode): every running
/// legion reaches a safe point soon. The embedder keeps its own record of why (an
/// interrupt, a stop-the-world) and consults it at its safe points. Any thread.
void lg_preempt_all(void);

/// Brackets a native call that may block (reading a pipe, a terminal, a file). While a
/// legion is inside the bracket the monitor may hand its worker's queue to a spare
/// thread, so other legions keep running; the legion then continues on some worker
/// after lg_blocking_exit. Inside the bracket do nothing but the blocking call: no
/// spawn, ready, park or yield. Outside a legion these do nothing.
void lg_blocking_enter(void);
void lg_blocking_exit(void);

/// Index of the current worker in [0, lg_num_workers()), or -1 outside workers.
int lg_worker_index(void);

/* ---------------------------------------------------------------------------------
 * I/O that parks legions (poller.c): descriptors registered with the runtime's epoll.
 * --------------------------------------------------------------------------------- */

/// A descriptor registered with the runtime's poller.
typedef struct lg_pollfd lg_pollfd;

/// The direction a legion waits for.
enum { LG_POLL_READ = 0, LG_POLL_WRITE = 1 };

/// What a legion that parked on a descriptor finds when it resumes.
typedef enum lg_poll_outcome {
    LG_POLL_AGAIN = 0,   ///< ready (or woken spuriously): try the I/O again
    LG_POLL_TIMEOUT = 1, ///< the deadline passed
    LG_POLL_CLOSED = 2,  ///< lg_poll_close was called
} lg_poll_outcome;

/// Registers fd (a socket, pipe or terminal) with the poller, once, and makes it
/// non-blocking. From then on the runtime owns it: it is closed by lg_poll_close (once
/// no operation uses it) or at lg_shutdown. NULL with errno on failure (ESRCH: the
/// runtime is not running; EPERM: fd cannot be polled, e.g. a regular file). Any thread.
lg_pollfd *lg_poll_open(int fd);

/// Registers fd without owning it or changing its flags (standard input): it stays
/// blocking, and neither lg_poll_close nor lg_shutdown closes it. Read it only when
/// poll(2) with a zero timeout says it is ready; otherwise park as after EAGAIN
/// (lg_poll_wait, lg_poll_park_commit). Errors as lg_poll_open's (EPERM: a regular file
/// or /dev/null, which never wait). Any thread.
lg_pollfd *lg_poll_watch(int fd);

/// The descriptor, for reading and writing between lg_poll_acquire and lg_poll_release.
int lg_poll_fd(const lg_pollfd *pd);

/// Brackets every operation on the descriptor: false if it has been closed (then do not
/// touch it). While held, the descriptor number stays valid even if another legion
/// closes it meanwhile.
bool lg_poll_acquire(lg_pollfd *pd);
void lg_poll_release(lg_pollfd *pd);

/// Closes: every legion waiting on the descriptor resumes with LG_POLL_CLOSED (EBADF),
/// and the descriptor is closed (the peer of a socket sees the end of the stream) once
/// the last operation in flight releases it. Later calls do nothing. Any thread.
bool lg_poll_is_closed(lg_pollfd *pd);
void lg_poll_close(lg_pollfd *pd);

/// For a stackful legion whose read or write returned EAGAIN: parks until the
/// descriptor is ready in that direction (LG_POLL_READ or LG_POLL_WRITE), deadline_ns
/// passes (lg_now_ns clock, 0: none) or it is closed. Returns 0 (try again), or -1 with
/// errno ETIMEDOUT or EBADF (closed); EPERM outside a legion.
int lg_poll_wait(lg_pollfd *pd, int mode, uint64_t deadline_ns);

/// The same for a resumable step whose I/O returned EAGAIN: sets the park's commit (and
/// deadline); the step then returns LG_STEP_PARK. When the legion next runs, its step
/// must call lg_poll_unpark with the same arguments before anything else that may park,
/// and try the I/O again if it says LG_POLL_AGAIN.
void lg_poll_park_commit(lg_pollfd *pd, int mode, uint64_t deadline_ns);
lg_poll_outcome lg_poll_unpark(lg_pollfd *pd, int mode, uint64_t deadline_ns);

/* ---------------------------------------------------------------------------------
 * Quiescence: lets the embedder tell "main finished" from "everything is blocked".
 * --------------------------------------------------------------------------------- */

typedef enum lg_wait_result {
    LG_WAIT_QUIESCENT = 0, ///< no legion runs or is runnable, no timer is pending, none waits on I/O, none blocks in a bracket
    LG_WAIT_WOKEN = 1,     ///< lg_wake_waiter was called
    LG_WAIT_TIMEOUT = 2,   ///< timeout_ns passed
} lg_wait_result;

/// Blocks the calling thread (not one of the runtime's) until the runtime is quiescent, lg_wake_waiter
/// is called, or timeout_ns passes (UINT64_MAX: no timeout). On LG_WAIT_QUIESCENT,
/// *parked (if not NULL) receives how many legions are alive, all of them parked
/// forever unless another thread readies one. A wake that came before the call is not
/// lost. Quiescence is exact when only legions ready legions; a ready from another
/// thread racing with the wait may make it report a moment of quiescence.
lg_wait_result lg_wait(uint64_t timeout_ns, size_t *parked);

/// lg_wait without timeout that ignores wakes; returns the number of parked legions.
size_t lg_wait_quiescent(void);

/// Wakes lg_wait (e.g. the main legion calls it when it finishes). Any thread.
void lg_wake_waiter(void);

/* ---------------------------------------------------------------------------------
 * Statistics and tracing.
 * --------------------------------------------------------------------------------- */

/// Counters of one worker since lg_start.
typedef struct lg_worker_stats {
    uint64_t runs;              ///< times a legion was switched to (or a step called)
    uint64_t spawns;            ///< legions spawned by code running on this worker
    uint64_t steal_tries;       ///< victims examined
    uint64_t steal_successes;   ///< steals that took at least one legion
    uint64_t stolen;            ///< legions moved to this worker by stealing
    uint64_t preemptions;       ///< yields that happened while the preempt flag was set
    uint64_t parks;             ///< parks committed
    uint64_t yields;            ///< yields (lg_yield or LG_STEP_YIELD)
    uint64_t stack_pool_hits;   ///< native stacks taken from the pool
    uint64_t stack_pool_misses; ///< native stacks that had to be mapped
    uint64_t stack_high_water;  ///< most bytes of one native stack resident (mincore at release)
    uint64_t global_takes;      ///< legions taken from the global queue
    uint64_t timers_fired;      ///< deadlines that readied a legion
} lg_worker_stats;

/// Process-wide counters since lg_start.
typedef struct lg_runtime_stats {
    unsigned workers;
    uint64_t threads_started;   ///< OS threads started (workers and spare threads, not the monitor)
    uint64_t threads_exited;    ///< spare threads that ended after their idle timeout
    uint64_t handoffs;          ///< worker queues handed to a spare thread by the monitor
    uint64_t preempt_requests;  ///< preempt flags set by the monitor
    uint64_t live_stacks;       ///< native stacks currently mapped
    uint64_t legions_alive;     ///< legions spawned and not yet ended
} lg_runtime_stats;

/// Copies the counters of up to max workers into out; returns the number of workers.
unsigned lg_stats_snapshot(lg_worker_stats *out, unsigned max);
/// Copies the process-wide counters.
void lg_runtime_stats_snapshot(lg_runtime_stats *out);
/// Prints the per-worker counters as a table, with a total row.
void lg_stats_print(FILE *out);

/// Writes the recorded trace as Chrome trace-event JSON (one track per worker, one
/// slice per legion run; Perfetto and chrome://tracing open it). Returns 0 or -1 with
/// errno. Works while running (events recorded so far) and needs config.trace.
int lg_trace_write(const char *path);

/// Native stacks currently mapped (pooled, running or pinned). Any thread.
size_t lg_live_stacks(void);

/// Legions spawned and not yet ended. Any thread, while the runtime runs: exact when it
/// is quiescent, otherwise an estimate from relaxed reads of per-worker counters (an
/// embedder's limit on live legions may overshoot by the legions spawned meanwhile).
size_t lg_legions_alive(void);

/// Measures a bare context switch with the given implementation: two contexts on the
/// calling thread switch to each other round_trips times, no scheduler involved.
/// Returns nanoseconds per switch, or -1 while the runtime is running.
double lg_measure_switch_ns(lg_context_mode mode, uint64_t round_trips);

#ifdef __cplusplus
}
#endif
#endif /* CLEGION_H */
