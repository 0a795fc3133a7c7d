#!/usr/bin/env python3
"""Runs the Malphas benchmark suite side by side with its peers.

Each workload in bench/<id>/ is one program per implementation: <id>.mal for
Malphas and <id>.py, <id>.lua, <id>.go, <id>.erl for the peers named in
shared/BENCHMARKS.md. The runner builds malphas in release mode, then runs every
available implementation of each selected workload round-robin (one run of each in
turn, so drift on a shared machine hits all of them alike), at least five runs
each, and reports the median time, the spread (min-max), the peak RSS of the child
(ru_maxrss from wait4) and the ratio of Malphas against each peer.

Every program prints a checksum as its first line of output. The runner compares
it with the known answer: a run whose checksum is wrong is reported loudly and
never counted, so a fast wrong answer cannot win.

Python 3 standard library only.

    bench/run.py                    every workload, 5 runs each
    bench/run.py calls loop         only these workloads
    bench/run.py --quick            2 runs each
    bench/run.py --markdown         a table to paste into bench/RESULTS.md
"""

import argparse
import datetime
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

BENCH = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(BENCH)
OUT = os.path.join(BENCH, "out")

# Debian packages that provide each peer, named when a peer is missing.
PACKAGES = {
    "python": "python3",
    "lua": "lua5.4",
    "go": "golang-go",
    "erlang": "erlang-base",
}

# Erlang's default limit is 262,144 processes; the spawn and parked workloads
# need a million.
ERL_PROCESS_LIMIT = "2000000"

# workload id -> description, figure, expected checksum, variants.
# A variant is (label, language, extra arguments for malphas, environment).
# `figure` selects how the summary is computed:
#   time      seconds, ratio of medians
#   parked    peak RSS divided by `count`, bytes per legion
#   speedup   the `pairs` give (1-worker label, 2-worker label) per implementation
#   lateness  the `lateness_ms` line each run prints
#   overhead  time with safe points against time without
#   switch    legion-bench output, plus Malphas yield time divided by `count`
#   startup   milliseconds
#   schedules `count` schedules divided by the time: schedules explored per second
# `malphas_command` runs `malphas COMMAND` instead of `malphas run`; with
# `checksum_suffix` the first line must end with the checksum (it starts with a path).
# `program` names the bench/ folder whose programs a workload runs (default: its own id),
# and `args` are arguments passed to the Malphas and Go programs after the program.
WORKLOADS = {
    "calls": dict(
        what="recursive fib(32)", figure="time", checksum="2178309",
        variants=[("malphas", "malphas", [], {}), ("python", "python", [], {}),
                  ("lua", "lua", [], {})]),
    "loop": dict(
        what="10M iterations of integer arithmetic in a while loop",
        figure="time", checksum="3255",
        variants=[("malphas", "malphas", [], {}), ("python", "python", [], {}),
                  ("lua", "lua", [], {})]),
    "data": dict(
        what="build, sort, sum a 1M-element list; count 200K words with a map",
        figure="time", checksum="0 500587 999998 500393989856 20 2103135",
        variants=[("malphas", "malphas", [], {}), ("python", "python", [], {}),
                  ("lua", "lua", [], {})]),
    "spawn": dict(
        what="spawn 1M legions, each sends its index on one channel (buffer 1024)",
        figure="time", checksum="499999500000",
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {}),
                  ("erlang", "erlang", [], {}), ("python asyncio", "python", [], {})]),
    "pingpong": dict(
        what="1M round trips between two legions over unbuffered channels",
        figure="time", checksum="500000500000",
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {}),
                  ("erlang", "erlang", [], {}), ("lua coroutines", "lua", [], {}),
                  ("python asyncio", "python", [], {})]),
    "ring": dict(
        what="10,000 legions in a ring, token passed 100 laps",
        figure="time", checksum="1000000",
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {}),
                  ("erlang", "erlang", [], {})]),
    "parked": dict(
        what="1M legions blocked on one channel", figure="parked",
        checksum="1000000", count=1000000,
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {}),
                  ("erlang", "erlang", [], {})]),
    "echo": dict(
        what="echo over loopback: 1,000 clients x 100 round trips of one line",
        figure="time", checksum="100000",
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {})]),
    "echo_few": dict(
        what="echo over loopback: 100 clients x 1,000 round trips of one line",
        figure="time", checksum="100000", program="echo", args=["100", "1000"],
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {})]),
    "idle": dict(
        what="9,000 idle loopback connections, a reader waiting on each", figure="parked",
        checksum="9000", count=9000,
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {})]),
    "parallel": dict(
        what="16 jobs of fib(27) over legions, 1 worker vs 2", figure="speedup",
        checksum="3142688",
        variants=[("malphas 1 worker", "malphas", ["--workers", "1"],
                   {"MALPHAS_WORKERS": "1"}),
                  ("malphas 2 workers", "malphas", ["--workers", "2"],
                   {"MALPHAS_WORKERS": "2"}),
                  ("go GOMAXPROCS=1", "go", [], {"GOMAXPROCS": "1"}),
                  ("go GOMAXPROCS=2", "go", [], {"GOMAXPROCS": "2"})],
        pairs=[("malphas", "malphas 1 worker", "malphas 2 workers"),
               ("go", "go GOMAXPROCS=1", "go GOMAXPROCS=2")]),
    "fairness": dict(
        what="4 spinning legions + 1 sleeping 1 ms 200 times: worst lateness",
        figure="lateness", checksum="200",
        variants=[("malphas", "malphas", [], {}), ("go", "go", [], {})]),
    "switch": dict(
        what="legion switch: legion-bench (asm vs ucontext) and Malphas yield_now",
        figure="switch", checksum="1000000", count=1000000,
        variants=[("malphas yield_now, 1 worker", "malphas", ["--workers", "1"],
                   {"MALPHAS_WORKERS": "1"})]),
    "safepoint": dict(
        what="the loop workload with safe points on vs compiled out",
        figure="overhead", checksum="3255",
        variants=[("malphas", "malphas", [], {}),
                  ("malphas no safe points", "malphas", [],
                   {"MALPHAS_NO_SAFEPOINTS": "1"})]),
    "startup": dict(
        what="hello world", figure="startup", checksum="Hello, Malphas!",
        variants=[("malphas", "malphas", [], {}), ("python", "python", [], {}),
                  ("lua", "lua", [], {})]),
    "explore": dict(
        what="malphas test --explore 2000 on a small test (a counter legion, two "
             "increments), 1 process vs 2",
        figure="schedules", checksum="::test_two_increments_count_two (2000 schedules)",
        checksum_suffix=True, count=2000, malphas_command="test",
        variants=[("malphas --explore, 1 process", "malphas",
                   ["--explore", "2000", "--seed", "1", "--jobs", "1"], {}),
                  ("malphas --explore, 2 processes", "malphas",
                   ["--explore", "2000", "--seed", "1", "--jobs", "2"], {})]),
}

EXTENSIONS = {"malphas": "mal", "python": "py", "lua": "lua", "go": "go",
              "erlang": "erl"}


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def capture(cmd, **kw):
    """Output of a short command, or None when it cannot run."""
    try:
        r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           stdin=subprocess.DEVNULL, text=True, timeout=60, **kw)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return r.stdout.strip() if r.returncode == 0 else None


# --------------------------------------------------------------------------
# Toolchains: which implementations can run here, and how.

class Toolchains:
    def __init__(self, args, workdir):
        self.args = args
        self.workdir = workdir          # temporary: built Go binaries, Erlang beams
        self.notes = []                 # said once in the output
        self.missing = {}               # language -> reason
        self.malphas = None
        self.legion_bench = None
        self.build_desc = None
        self.python = shutil.which("python3")
        self.lua = shutil.which("lua5.4")
        self.go = shutil.which("go")
        self.erl = shutil.which("erl")
        self.erlc = shutil.which("erlc")
        for lang, tool in (("python", self.python), ("lua", self.lua),
                           ("go", self.go), ("erlang", self.erl and self.erlc)):
            if not tool:
                self.missing[lang] = ("not installed: apt-get install %s"
                                      % PACKAGES[lang])
        self.built = {}                 # (lang, id) -> path or None
        self.measure = None             # the compiled bench/measure.c, if a C compiler exists

    def build_measure(self):
        """Compiles the launcher that measures a program's own peak RSS (bench/measure.c).
        Statically linked if the C library allows it, so its own resident size, the floor
        of every figure, is as small as it can be."""
        cc = shutil.which("cc") or shutil.which("gcc") or shutil.which("clang")
        if not cc:
            self.notes.append("no C compiler: peak RSS is taken from wait4 on the runner's "
                              "own child and includes the runner's resident size")
            return
        src = os.path.join(BENCH, "measure.c")
        exe = os.path.join(self.workdir, "measure")
        for flags in (["-static"], []):
            r = subprocess.run([cc, "-O2"] + flags + ["-o", exe, src], stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, text=True)
            if r.returncode == 0:
                self.measure = exe
                return
        log(r.stdout)
        self.notes.append("bench/measure.c did not compile: peak RSS includes the runner's "
                          "resident size")

    def build_malphas(self):
        args = self.args
        if args.malphas:
            if os.access(args.malphas, os.X_OK):
                self.malphas = os.path.abspath(args.malphas)
                self.build_desc = "given binary %s" % self.malphas
                lb = os.path.join(os.path.dirname(self.malphas), "legion-bench")
                self.legion_bench = lb if os.access(lb, os.X_OK) else None
            else:
                self.missing["malphas"] = "no executable at %s" % args.malphas
            return
        swift = shutil.which("swift")
        if not swift:
            self.missing["malphas"] = "swift is not installed, so malphas cannot be built"
            return
        flags = args.swift_flags.split() if args.swift_flags else []
        cmd = ["swift", "build", "-c", "release"] + flags
        self.build_desc = "`%s`" % " ".join(cmd)
        os.makedirs(OUT, exist_ok=True)
        if not args.no_build:
            log("building malphas: %s (log in bench/out/build.log)" % " ".join(cmd))
            with open(os.path.join(OUT, "build.log"), "w") as f:
                try:
                    r = subprocess.run(cmd, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
                                       stdin=subprocess.DEVNULL, timeout=args.build_timeout)
                    ok = r.returncode == 0
                except subprocess.TimeoutExpired:
                    ok = False
            if not ok:
                self.missing["malphas"] = ("the release build failed; see "
                                           "bench/out/build.log")
                return
        bindir = capture(cmd + ["--show-bin-path"], cwd=ROOT)
        if not bindir:
            self.missing["malphas"] = "`swift build --show-bin-path` failed"
            return
        bindir = bindir.splitlines()[-1]
        exe = os.path.join(bindir, "malphas")
        if os.access(exe, os.X_OK):
            self.malphas = exe
        else:
            self.missing["malphas"] = "no malphas binary in %s" % bindir
        lb = os.path.join(bindir, "legion-bench")
        self.legion_bench = lb if os.access(lb, os.X_OK) else None

    def source(self, workload, lang):
        program = WORKLOADS[workload].get("program", workload)
        return os.path.join(BENCH, program, "%s.%s" % (program, EXTENSIONS[lang]))

    def prepare(self, workload, lang):
        """Compiles a peer once (Go, Erlang). Returns None or the reason it cannot run."""
        if lang in self.missing:
            return self.missing[lang]
        src = self.source(workload, lang)
        if not os.path.exists(src):
            return "no program %s" % os.path.relpath(src, ROOT)
        key = (lang, workload)
        if key in self.built:
            return None if self.built[key] else "build failed"
        path = None
        if lang == "go":
            path = os.path.join(self.workdir, "go-" + workload)
            env = dict(os.environ, GO111MODULE="off")
            r = subprocess.run([self.go, "build", "-o", path, src], env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                log(r.stdout)
                path = None
        elif lang == "erlang":
            path = os.path.join(self.workdir, "beam")
            os.makedirs(path, exist_ok=True)
            r = subprocess.run([self.erlc, "-o", path, src],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
            if r.returncode != 0:
                log(r.stdout)
                path = None
        else:
            path = src
        self.built[key] = path
        return None if path else "%s compilation of %s failed" % (lang, src)

    def command(self, workload, lang, extra):
        src = self.source(workload, lang)
        args = WORKLOADS[workload].get("args", [])
        if lang == "malphas":
            return [self.malphas, WORKLOADS[workload].get("malphas_command", "run")] + extra + [src] + args
        if lang == "python":
            return [self.python, src]
        if lang == "lua":
            return [self.lua, src]
        if lang == "go":
            return [self.built[("go", workload)]] + args
        if lang == "erlang":
            return [self.erl, "+P", ERL_PROCESS_LIMIT, "-noshell",
                    "-pa", self.built[("erlang", workload)], "-run", workload, "main"]
        raise ValueError(lang)

    def versions(self):
        v = {}
        sw = capture(["swift", "--version"]) if shutil.which("swift") else None
        if sw:
            v["swift"] = sw.splitlines()[0]
        if self.python:
            v["python"] = capture([self.python, "--version"])
        if self.lua:
            v["lua"] = (capture([self.lua, "-v"]) or "").split("  ")[0]
        if self.go:
            v["go"] = capture([self.go, "version"])
        if self.erl:
            v["erlang"] = capture([self.erl, "-noshell", "-eval",
                                   'io:format("Erlang/OTP ~s, erts ~s", '
                                   '[erlang:system_info(otp_release), '
                                   'erlang:system_info(version)]), halt().'])
        return {k: x for k, x in v.items() if x}


# --------------------------------------------------------------------------
# One run of one program.

class Run:
    def __init__(self, seconds, rss, status, stdout, stderr, timed_out):
        self.seconds = seconds
        self.rss = rss                  # bytes, peak resident set of the child
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
        self.timed_out = timed_out

    @property
    def checksum(self):
        lines = self.stdout.splitlines()
        return lines[0].strip() if lines else ""

    def metric(self, name):
        for line in self.stdout.splitlines():
            parts = line.split()
            if len(parts) == 2 and parts[0] == name:
                try:
                    return float(parts[1])
                except ValueError:
                    return None
        return None


def run_once(cmd, env, timeout, measure=None):
    """Runs cmd to completion. With `measure` (the compiled bench/measure.c), the
    launcher forks and times the program and reports its own ru_maxrss; without it,
    the wall time from spawn to reap and the rusage of wait4 on our own child, whose
    ru_maxrss includes this runner's resident size (see bench/measure.c)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, \
            tempfile.NamedTemporaryFile(prefix="malphas-measure-") as report:
        argv = [measure, report.name] + cmd if measure else cmd
        start = time.perf_counter()
        proc = subprocess.Popen(argv, stdout=out, stderr=err, stdin=subprocess.DEVNULL,
                                env=env, cwd=ROOT, start_new_session=True)
        timed_out = threading.Event()

        def kill():
            timed_out.set()
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

        timer = threading.Timer(timeout, kill)
        timer.start()
        try:
            while True:
                try:
                    _, status, usage = os.wait4(proc.pid, 0)
                    break
                except InterruptedError:
                    continue
        finally:
            timer.cancel()
        seconds = time.perf_counter() - start
        rss = usage.ru_maxrss * 1024
        if measure and not timed_out.is_set():
            fields = open(report.name).read().split()
            if len(fields) != 3:
                raise RuntimeError("bench/measure.c wrote no report for %s (exit status %d)"
                                   % (" ".join(cmd), os.waitstatus_to_exitcode(status)))
            status, seconds, rss = int(fields[0]), float(fields[1]), int(fields[2]) * 1024
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Run(seconds, rss, proc.returncode,
                   out.read().decode("utf-8", "replace"),
                   err.read().decode("utf-8", "replace"), timed_out.is_set())


# --------------------------------------------------------------------------
# A workload: run its variants round-robin, then summarize.

class Result:
    def __init__(self, label, lang):
        self.label = label
        self.lang = lang
        self.runs = []
        self.failure = None             # why it stopped counting, if it did
        self.mismatch = False

    @property
    def ok(self):
        return self.failure is None and bool(self.runs)

    def median(self, key=lambda r: r.seconds):
        return statistics.median(key(r) for r in self.runs)

    def spread(self, key=lambda r: r.seconds):
        xs = [key(r) for r in self.runs]
        return min(xs), max(xs)


def run_workload(wid, spec, tools, args):
    results = []
    for label, lang, extra, env in spec["variants"]:
        r = Result(label, lang)
        reason = tools.prepare(wid, lang)
        if reason:
            r.failure = "skipped: " + reason
        else:
            r.cmd = tools.command(wid, lang, extra)
            r.env = dict(os.environ, **env)
        results.append(r)
    total = args.warmup + args.runs
    for i in range(total):
        for r in results:
            if r.failure:
                continue
            run = run_once(r.cmd, r.env, args.timeout, tools.measure)
            tag = "warm-up" if i < args.warmup else "run %d/%d" % (i - args.warmup + 1, args.runs)
            if run.timed_out:
                r.failure = "TIMED OUT after %ss" % args.timeout
            elif run.status != 0:
                first = (run.stderr.strip().splitlines() or [""])[-1][:200]
                r.failure = "FAILED with exit status %d: %s" % (run.status, first)
            elif (not run.checksum.endswith(spec["checksum"]) if spec.get("checksum_suffix")
                  else run.checksum != spec["checksum"]):
                r.failure = ("CHECKSUM MISMATCH: printed %r, expected %r; not counted"
                             % (run.checksum[:80], spec["checksum"]))
                r.mismatch = True
            if r.failure:
                r.runs = []
                log("  %-10s %-30s %s" % (wid, r.label, r.failure))
                if r.mismatch:
                    log("  %-10s %-30s stdout began: %r" % (wid, r.label, run.stdout[:200]))
                continue
            log("  %-10s %-30s %-9s %8.3f s  %7.1f MB" % (
                wid, r.label, tag, run.seconds, run.rss / 1e6))
            if i >= args.warmup:
                r.runs.append(run)
    return results


def fmt_seconds(s, scale=None):
    """Seconds, in ms below 0.1 s; `scale` forces the unit of another figure."""
    if (scale if scale is not None else s) < 0.1:
        return "%.1f ms" % (s * 1000)
    return "%.3f s" % s


def fmt_spread(lo, hi, med):
    a, b = fmt_seconds(lo, med), fmt_seconds(hi, med)
    return "%s-%s" % (a.split()[0], b)


def fmt_bytes(b):
    if b >= 1e9:
        return "%.2f GB" % (b / 1e9)
    if b >= 1e6:
        return "%.1f MB" % (b / 1e6)
    return "%.0f KB" % (b / 1e3)


def summarize(wid, spec, results, tools, args):
    """Rows for the main table and lines of derived figures."""
    rows = []
    figures = []
    malphas = [r for r in results if r.lang == "malphas" and r.ok]
    base = malphas[0] if malphas else None
    for r in results:
        if not r.ok:
            rows.append([wid, r.label, "-", "-", "-", "-", r.failure or "no runs"])
            continue
        med = r.median()
        lo, hi = r.spread()
        median_s = fmt_seconds(med)
        spread_s = fmt_spread(lo, hi, med)
        ratio = ""
        if base is not None and r.lang != "malphas" and spec["figure"] in ("time", "startup"):
            ratio = "%.2fx" % (base.median() / med)
        rows.append([wid, r.label, median_s, spread_s, fmt_bytes(r.median(lambda x: x.rss)),
                     ratio, "ok (%d runs)" % len(r.runs)])

    by_label = {r.label: r for r in results if r.ok}
    fig = spec["figure"]
    if fig == "parked":
        per = {}
        for r in results:
            if r.ok:
                per[r.label] = r.median(lambda x: x.rss) / spec["count"]
                figures.append("%s: %s: %.0f bytes per legion (median peak RSS / %d)"
                               % (wid, r.label, per[r.label], spec["count"]))
        if "malphas" in per:
            for label, b in per.items():
                if label != "malphas":
                    figures.append("%s: malphas / %s bytes per legion: %.2fx"
                                   % (wid, label, per["malphas"] / b))
    elif fig == "speedup":
        for name, one, two in spec["pairs"]:
            if one in by_label and two in by_label:
                figures.append("%s: %s speedup 1 -> 2 workers: %.2fx (median %s vs %s)" % (
                    wid, name, by_label[one].median() / by_label[two].median(),
                    fmt_seconds(by_label[one].median()), fmt_seconds(by_label[two].median())))
    elif fig == "lateness":
        for r in results:
            if r.ok:
                vals = [x.metric("lateness_ms") for x in r.runs]
                vals = [v for v in vals if v is not None]
                if vals:
                    figures.append("%s: %s worst lateness: median %.1f ms, spread %.1f-%.1f ms"
                                   % (wid, r.label, statistics.median(vals), min(vals), max(vals)))
                    r.lateness = statistics.median(vals)
                else:
                    figures.append("%s: %s printed no `lateness_ms` line" % (wid, r.label))
        late = {r.label: r.lateness for r in results if getattr(r, "lateness", None)}
        if "malphas" in late and "go" in late:
            figures.append("%s: malphas / go worst lateness: %.2fx"
                           % (wid, late["malphas"] / late["go"]))
    elif fig == "overhead":
        on, off = by_label.get("malphas"), by_label.get("malphas no safe points")
        if on and off:
            figures.append("%s: safe point overhead: %+.1f%% (median %s with, %s without)" % (
                wid, (on.median() - off.median()) / off.median() * 100,
                fmt_seconds(on.median()), fmt_seconds(off.median())))
    elif fig == "switch":
        for r in results:
            if r.ok:
                figures.append("%s: %s: %.0f ns per yield (median time / %d)"
                               % (wid, r.label, r.median() / spec["count"] * 1e9, spec["count"]))
        if tools.legion_bench:
            run = run_once([tools.legion_bench], dict(os.environ), args.timeout, tools.measure)
            if run.status == 0:
                for line in run.stdout.strip().splitlines():
                    figures.append("%s: legion-bench output: %s" % (wid, line.strip()))
            else:
                figures.append("%s: legion-bench FAILED with exit status %d"
                               % (wid, run.status))
        else:
            figures.append("%s: legion-bench not built (it is a product of the "
                           "Swift package: swift build -c release)" % wid)
    elif fig == "schedules":
        rate = {}
        for r in results:
            if r.ok:
                rate[r.label] = spec["count"] / r.median()
                lo, hi = r.spread()
                figures.append("%s: %s: %.0f schedules per second (median; %.0f-%.0f)"
                               % (wid, r.label, rate[r.label], spec["count"] / hi, spec["count"] / lo))
        if len(rate) == 2:
            one, two = [v[0] for v in spec["variants"]]
            if one in rate and two in rate:
                figures.append("%s: 2 processes / 1: %.2fx the schedules per second"
                               % (wid, rate[two] / rate[one]))
    elif fig == "time" and base is not None:
        for r in results:
            if r.ok and r.lang != "malphas":
                figures.append("%s: malphas / %s: %.2fx the time" % (
                    wid, r.label, base.median() / r.median()))
    return rows, figures


# --------------------------------------------------------------------------
# Output.

def render(headers, rows, markdown):
    if markdown:
        lines = ["| " + " | ".join(headers) + " |",
                 "|" + "|".join("---" for _ in headers) + "|"]
        lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
        return "\n".join(lines)
    widths = [max(len(str(x)) for x in col) for col in zip(headers, *rows)]
    fmt = "  ".join("%%-%ds" % w for w in widths)
    lines = [fmt % tuple(headers), fmt % tuple("-" * w for w in widths)]
    lines += [fmt % tuple(str(c) for c in row) for row in rows]
    return "\n".join(line.rstrip() for line in lines)


def cpu_model():
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def main():
    p = argparse.ArgumentParser(
        description="Run the Malphas benchmark suite side by side with its peers.")
    p.add_argument("workloads", nargs="*", metavar="WORKLOAD",
                   help="workloads to run (default: all): " + ", ".join(WORKLOADS))
    p.add_argument("--runs", type=int, help="timed runs per implementation (default 5)")
    p.add_argument("--quick", action="store_true", help="2 runs each instead of 5")
    p.add_argument("--warmup", type=int, default=0,
                   help="untimed runs of each implementation first (default 0)")
    p.add_argument("--timeout", type=float, default=300,
                   help="seconds one run may take before it is killed (default 300)")
    p.add_argument("--markdown", action="store_true",
                   help="print tables ready to paste into bench/RESULTS.md")
    p.add_argument("--no-build", action="store_true",
                   help="use the existing release build instead of building")
    p.add_argument("--swift-flags", default="",
                   help="extra arguments for `swift build -c release`, e.g. '-Xswiftc -Ounchecked'")
    p.add_argument("--build-timeout", type=float, default=3600)
    p.add_argument("--malphas", help="use this malphas binary instead of building")
    p.add_argument("--list", action="store_true", help="list the workloads and exit")
    args = p.parse_args()

    if args.list:
        for wid, spec in WORKLOADS.items():
            print("%-10s %s" % (wid, spec["what"]))
        return 0
    unknown = [w for w in args.workloads if w not in WORKLOADS]
    if unknown:
        p.error("unknown workload(s): %s; known: %s" % (", ".join(unknown), ", ".join(WORKLOADS)))
    selected = args.workloads or list(WORKLOADS)
    if args.runs is None:
        args.runs = 2 if args.quick else 5
    if args.runs < 1:
        p.error("--runs must be at least 1")

    with tempfile.TemporaryDirectory(prefix="malphas-bench-") as workdir:
        tools = Toolchains(args, workdir)
        tools.build_malphas()
        tools.build_measure()
        for lang, reason in tools.missing.items():
            log("note: %s skipped: %s" % (lang, reason))
        all_rows, all_figures = [], []
        for wid in selected:
            spec = WORKLOADS[wid]
            log("%s: %s" % (wid, spec["what"]))
            results = run_workload(wid, spec, tools, args)
            rows, figures = summarize(wid, spec, results, tools, args)
            all_rows += rows
            all_figures += figures
        versions = tools.versions()
        floor = run_once(["/bin/true"], dict(os.environ), 60, tools.measure).rss

    date = datetime.date.today().isoformat()
    md = args.markdown
    out = []
    out.append("Measured %s." % date)
    out.append("Machine: %s, nproc %d (%s)." % (cpu_model(), os.cpu_count() or 0,
                                               platform.platform()))
    if tools.malphas:
        out.append("malphas: %s, release build: %s." % (tools.malphas, tools.build_desc))
    else:
        out.append("malphas: not available (%s); peers only."
                   % tools.missing.get("malphas", "unknown reason"))
    out.append("Peers: " + "; ".join("%s" % v for k, v in versions.items() if k != "swift") + ".")
    if "swift" in versions:
        out.append("Toolchain: %s." % versions["swift"])
    if tools.measure:
        out.append("Peak RSS is the program's own ru_maxrss, taken by the launcher "
                   "bench/measure.c (forked from it, not from this runner); its floor, "
                   "/bin/true measured the same way, is %s here (a figure at that floor "
                   "means 'at most')." % fmt_bytes(floor))
    else:
        out.append("Peak RSS is ru_maxrss from wait4; Linux counts the runner's own resident "
                   "size at fork time in it, so no figure goes below %s here (a figure at "
                   "that floor means 'at most')." % fmt_bytes(floor))
    out += ["Note: %s." % n for n in tools.notes]
    out.append("Medians of %d runs per implementation, run round-robin; spread is min-max. "
               "Ratio = Malphas median / peer median (below 1 means Malphas is faster). "
               "Erlang times include the VM start-up." % args.runs)
    if md:
        # One paragraph per line, so the header survives Markdown rendering.
        out = ["### Measured %s" % date, ""] + [x for line in out[1:] for x in (line, "")]
    else:
        out.append("")
    headers = ["workload", "implementation", "median", "spread", "peak RSS",
               "Malphas ratio", "checksum"]
    out.append(render(headers, all_rows, md))
    if all_figures:
        out.append("")
        out.append("Figures:" if not md else "**Figures**")
        out.append("")
        out += [("- " if md else "  ") + f for f in all_figures]
    mismatches = [r for r in all_rows if "MISMATCH" in r[-1]]
    if mismatches:
        out.append("")
        out.append("!!! CHECKSUM MISMATCH in %d implementation(s); their times are not counted."
                   % len(mismatches))
    print("\n".join(out))
    return 1 if mismatches else 0


if __name__ == "__main__":
    sys.exit(main())
