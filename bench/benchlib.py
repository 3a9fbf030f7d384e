"""The pure logic of bench/: parsing tool output, statistics, target checks, Markdown and plot scripts.

Nothing here starts a process or touches the network, so all of it is covered by test_benchlib.py
(python3 -m unittest discover -s bench). The standard library only.
"""

import json
import math
import re

SYSTEMS = ("direct", "nginx", "smart-bff", "smart-bff-image")
MODES = ("saturation", "fixed")
MIB = 1024 * 1024

# ----------------------------------------------------------------------------------------------------- statistics


def percentile(values, p):
    """The p-th percentile (0..100) with linear interpolation between closest ranks; None for no values."""
    data = sorted(v for v in values if v is not None)
    if not data:
        return None
    if len(data) == 1:
        return data[0]
    rank = (len(data) - 1) * p / 100.0
    lo = math.floor(rank)
    hi = math.ceil(rank)
    return data[lo] + (data[hi] - data[lo]) * (rank - lo)


def median(values):
    return percentile(values, 50)


def plateaued(runs_by_kind, kinds, tolerance=0.05):
    """True when every kind of request has run at least three times and neither of its last two runs beat its best
    before them by more than tolerance: warming up has stopped paying off. One slow run (the shared machine's noise)
    is not a plateau: a kind whose last run fell but whose run before it set a new high is still rising."""
    if len(runs_by_kind) < kinds:
        return False
    for runs in runs_by_kind.values():
        if len(runs) < 3 or max(runs[-2:]) > max(runs[:-2]) * (1 + tolerance):
            return False
    return True


def jit_quiet(compiled_counts, most=20):
    """True when the JIT compiled at most `most` methods during each of the last two runs (compiled_counts: the
    JVM's total of compiled methods, from `jstat -compiler`, before the first run and after each): C2 compiles while
    the load runs, and a JVM whose hot paths are still being compiled is not yet at its steady speed."""
    if len(compiled_counts) < 3:
        return False
    return all(b - a <= most for a, b in zip(compiled_counts[-3:-1], compiled_counts[-2:]))


def parse_jstat_compiled(text):
    """The number of methods the JIT has compiled, from `jstat -compiler <pid>`."""
    lines = [l.split() for l in text.strip().splitlines()]
    if len(lines) < 2 or not lines[0] or lines[0][0] != "Compiled":
        raise ValueError("not jstat -compiler output: %r" % text[:80])
    return int(lines[1][0])


# ----------------------------------------------------------------------------------------------------- parsing


def parse_wrk_output(text):
    """The BENCH_JSON line that bench/wrk/bench.lua prints in done(), as a measurement dict.

    Latencies come back in milliseconds, throughput in requests/s; 'non2xx' counts responses outside 200-299 where
    statuses were counted, else wrk's own count of statuses >= 400."""
    for line in text.splitlines():
        if line.startswith("BENCH_JSON "):
            raw = json.loads(line[len("BENCH_JSON "):])
            break
    else:
        raise ValueError("no BENCH_JSON line in wrk output:\n" + text[-2000:])
    seconds = raw["duration_us"] / 1e6
    lat = raw["latency_us"]
    statuses = {int(k): v for k, v in raw.get("statuses", {}).items()}
    if statuses:
        non2xx = sum(n for code, n in statuses.items() if not 200 <= code < 300)
    else:
        non2xx = raw["errors"]["status"]
    socket_errors = sum(raw["errors"][k] for k in ("connect", "read", "write", "timeout"))
    return {
        "requests": raw["requests"],
        "seconds": seconds,
        "rps": raw["requests"] / seconds if seconds > 0 else 0.0,
        "mb_per_s": raw["bytes"] / MIB / seconds if seconds > 0 else 0.0,
        "p50": lat["p50"] / 1000.0,
        "p90": lat["p90"] / 1000.0,
        "p99": lat["p99"] / 1000.0,
        "p999": lat["p999"] / 1000.0,
        "max": lat["max"] / 1000.0,
        "statuses": statuses,
        "non2xx": non2xx,
        "socket_errors": socket_errors,
    }


def parse_commandstats(info_text):
    """{command: calls} from Redis's INFO commandstats (cmdstat_get:calls=12,usec=...)."""
    calls = {}
    for line in info_text.splitlines():
        m = re.match(r"cmdstat_([^:]+):calls=(\d+)", line.strip())
        if m:
            calls[m.group(1)] = int(m.group(2))
    return calls


def commandstats_diff(before, after, ignore=("info",)):
    """Calls per command between two parse_commandstats() snapshots, without the bench's own commands."""
    diff = {}
    for cmd, n in after.items():
        if cmd in ignore:
            continue
        d = n - before.get(cmd, 0)
        if d:
            diff[cmd] = d
    return diff


def per_request(total, requests):
    return total / requests if requests else None


def steady_per_request(total, requests, in_flight):
    """Commands per request when up to in_flight requests (one per wrk connection) were sent, and so cost Redis
    commands, but had not completed when wrk stopped counting."""
    if not requests:
        return None
    return max(0, total - in_flight) / requests


def parse_proc_status(text):
    """VmHWM / VmRSS (and any other Vm* line) of /proc/<pid>/status, in bytes."""
    out = {}
    for line in text.splitlines():
        m = re.match(r"(Vm\w+):\s+(\d+)\s+kB", line)
        if m:
            out[m.group(1)] = int(m.group(2)) * 1024
    return out


def parse_jstat_gc(text):
    """Heap used and committed (bytes) from `jstat -gc <pid>`: survivors + eden + old, whatever the collector."""
    lines = [l.split() for l in text.strip().splitlines() if l.strip()]
    if len(lines) < 2:
        raise ValueError("unexpected jstat output: " + text)
    header, values = lines[0], lines[-1]
    row = dict(zip(header, values))

    def kb(name):
        v = row.get(name, "0")
        return 0.0 if v == "-" else float(v)

    used = sum(kb(c) for c in ("S0U", "S1U", "EU", "OU"))
    committed = sum(kb(c) for c in ("S0C", "S1C", "EC", "OC"))
    return {"used": int(used * 1024), "committed": int(committed * 1024)}


# ----------------------------------------------------------------------------------------------------- JFR


def _jfr_events(jfr_json):
    data = json.loads(jfr_json) if isinstance(jfr_json, str) else jfr_json
    return data.get("recording", {}).get("events", [])


def _thread_key(thread):
    if not isinstance(thread, dict):
        return str(thread)
    return str(thread.get("javaThreadId") or thread.get("osThreadId") or thread.get("javaName"))


def allocation_per_request(jfr_json, requests):
    """Bytes allocated per request from jdk.ThreadAllocationStatistics (emitted at the start and the end of a
    recording): per thread the last value minus the first; a thread seen once, at the end, started during the
    recording and counts whole. None without requests or events."""
    by_thread = {}
    times = []
    for e in _jfr_events(jfr_json):
        if e.get("type") != "jdk.ThreadAllocationStatistics":
            continue
        v = e["values"]
        t = v.get("startTime")
        times.append(t)
        by_thread.setdefault(_thread_key(v.get("thread")), []).append((t, int(v["allocated"])))
    if not requests or not by_thread:
        return None
    first_time = min(times)
    total = 0
    for samples in by_thread.values():
        samples.sort()
        if len(samples) >= 2:
            total += samples[-1][1] - samples[0][1]
        elif samples[0][0] != first_time:
            total += samples[0][1]
    return total / requests


def _frame_name(frame):
    """package.Class.method; JFR writes some class names with '/' and hidden (lambda) classes with '.'."""
    method = frame.get("method", {})
    cls = method.get("type", {}).get("name", "?").replace("/", ".")
    return "%s.%s" % (cls, method.get("name", "?"))


def _is_lambda(name):
    return "$$Lambda" in name


def _frames(event):
    st = event["values"].get("stackTrace") or {}
    return st.get("frames") or []


def top_frames(jfr_json, event_type, n=10, weight_field=None, prefix=None):
    """The n heaviest frames of an event type: by count (jdk.ExecutionSample) or by a weight field
    (jdk.ObjectAllocationSample's 'weight'). With a prefix, the first frame whose class starts with it (e.g. the
    application's own code that led to the sample) rather than the top frame. [(frame, share 0..1, amount)]."""
    totals = {}
    grand = 0
    for e in _sampled_events(jfr_json, event_type, skip_first_per_thread=weight_field is not None):
        frames = _frames(e)
        if not frames:
            continue
        name = _frame_name(frames[0])
        if prefix:
            name = next((n for n in map(_frame_name, frames) if n.startswith(prefix) and not _is_lambda(n)), None)
            if name is None:
                continue
        w = int(e["values"].get(weight_field, 0)) if weight_field else 1
        totals[name] = totals.get(name, 0) + w
        grand += w
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [(name, amount / grand if grand else 0.0, amount) for name, amount in ranked]


def _sampled_events(jfr_json, event_type, skip_first_per_thread=False):
    """The events of a type in time order. With skip_first_per_thread, each thread's first one is left out: the
    first jdk.ObjectAllocationSample of a thread in a recording weighs all it allocated since the previous sample,
    which may be long before the recording started."""
    events = [e for e in _jfr_events(jfr_json) if e.get("type") == event_type]
    events.sort(key=lambda e: str(e["values"].get("startTime", "")))
    if not skip_first_per_thread:
        return events
    seen = set()
    out = []
    for e in events:
        key = _thread_key(e["values"].get("eventThread"))
        if key in seen:
            out.append(e)
        seen.add(key)
    return out


def count_events(jfr_json, event_type):
    return sum(1 for e in _jfr_events(jfr_json) if e.get("type") == event_type)


def top_allocated_classes(jfr_json, n=10):
    """[(class, share, bytes)] of jdk.ObjectAllocationSample by weight (each thread's first sample left out)."""
    totals = {}
    grand = 0
    for e in _sampled_events(jfr_json, "jdk.ObjectAllocationSample", skip_first_per_thread=True):
        v = e["values"]
        cls = (v.get("objectClass") or {}).get("name", "?").replace("/", ".")
        w = int(v.get("weight", 0))
        totals[cls] = totals.get(cls, 0) + w
        grand += w
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0]))[:n]
    return [(name, amount / grand if grand else 0.0, amount) for name, amount in ranked]


# ----------------------------------------------------------------------------------------------------- aggregation


def aggregate(measurements):
    """Medians over rounds: {(workload, system, mode): summary}. A summary has the median rps, p50/p90/p99, the
    summed requests/non-2xx/socket errors, the offered rate and the per-round rps."""
    groups = {}
    for m in measurements:
        groups.setdefault((m["workload"], m["system"], m["mode"]), []).append(m)
    out = {}
    for key, ms in groups.items():
        statuses = {}
        for m in ms:
            for code, n in m.get("statuses", {}).items():
                statuses[code] = statuses.get(code, 0) + n
        out[key] = {
            "rounds": len(ms),
            "rps": median([m["rps"] for m in ms]),
            "mb_per_s": median([m.get("mb_per_s", 0.0) for m in ms]),
            "p50": median([m["p50"] for m in ms]),
            "p90": median([m["p90"] for m in ms]),
            "p99": median([m["p99"] for m in ms]),
            "requests": sum(m["requests"] for m in ms),
            "non2xx": sum(m["non2xx"] for m in ms),
            "socket_errors": sum(m["socket_errors"] for m in ms),
            "statuses": statuses,
            "offered": ms[0].get("offered"),
            "rps_rounds": [m["rps"] for m in ms],
            "redis_per_request": median([m.get("redis_per_request") for m in ms]),
            "cpu_us_per_request": median([m.get("cpu_us_per_request") for m in ms]),
            "sys_us_per_request": median([m.get("sys_us_per_request") for m in ms]),
            "redis_per_request_steady": median([m.get("redis_per_request_steady") for m in ms]),
            "redis_commands": _sum_dicts([m.get("redis_commands", {}) for m in ms]),
        }
    return out


def _sum_dicts(dicts):
    total = {}
    for d in dicts:
        for k, v in d.items():
            total[k] = total.get(k, 0) + v
    return total


def ratio(a, b):
    if a is None or b is None or b == 0:
        return None
    return a / b


# ----------------------------------------------------------------------------------------------------- targets

TARGETS = (
    ("patient_throughput", "GET Patient throughput smart-bff / nginx", ">= 0.6"),
    ("patient_p99_half_load", "GET Patient p99 at 50 % of smart-bff's own maximum, smart-bff - nginx at the same "
                              "rate (ms)", "<= +2 ms"),
    ("bundle_throughput", "GET 60 KB Bundle (URLs rewritten) throughput smart-bff / nginx", ">= 0.75"),
    ("startup", "start to ready the image's way, median (s)", "<= 0.5 s"),
    ("rss_under_load", "peak RSS under load as shipped, the image's JVM flags (MiB)", "<= 200 MiB"),
    ("cpu_per_request", "CPU per proxied call (GET Patient at saturation, process utime+stime / requests, µs)",
     "<= 50 µs"),
    ("redis_per_request", "Redis commands per proxied request (GET Patient, steady state; requests still in "
                          "flight when wrk stops discounted)", "<= 1"),
    ("stream_heap_growth", "heap growth while streaming 50 MB (MiB)", "<= 32 MiB"),
    ("refreshes_per_lifetime", "refreshes per access-token lifetime under load (refresh workload, steady)", "<= 2"),
)

CHECKS = {
    "patient_throughput": lambda v: v >= 0.6,
    "patient_p99_half_load": lambda v: v <= 2.0,
    "bundle_throughput": lambda v: v >= 0.75,
    "startup": lambda v: v <= 0.5,
    "rss_under_load": lambda v: v <= 200.0,
    "cpu_per_request": lambda v: v <= 50.0,
    "redis_per_request": lambda v: v <= 1.0,
    "stream_heap_growth": lambda v: v <= 32.0,
    "refreshes_per_lifetime": lambda v: v <= 2.0,
}


def cpu_ticks(stat_text):
    """utime + stime (clock ticks) from a /proc/<pid>/stat line; the command name may hold spaces and parentheses."""
    return sum(cpu_ticks_split(stat_text))


def cpu_ticks_split(stat_text):
    """(utime, stime) in clock ticks from a /proc/<pid>/stat line: time in the process's own code and in the kernel on
    its behalf (system calls: socket reads and writes, epoll)."""
    fields = stat_text.rsplit(")", 1)[1].split()
    return int(fields[11]), int(fields[12])


def cpu_us_per_request(ticks, ticks_per_second, requests):
    if not requests:
        return None
    return ticks * 1e6 / ticks_per_second / requests


def half_own_max_rate(measurements, workload, system="smart-bff"):
    """The fixed rate of a workload: 50 % of the BFF's own median saturation throughput (the issue's p99 target is
    at that load), falling back to nginx's when the BFF did not run it. At least 1 req/s."""
    for who in (system, "nginx"):
        rps = [m["rps"] for m in measurements
               if m["workload"] == workload and m["system"] == who and m["mode"] == "saturation"]
        if rps:
            return max(1.0, median(rps) * 0.5), who
    return 1.0, None


def dockerfile_env(text):
    """The ENV NAME="value" lines of a Dockerfile (continuation lines joined), as a dict."""
    env = {}
    joined = re.sub(r"\\\n", " ", text)
    for line in joined.splitlines():
        m = re.match(r'\s*ENV\s+([A-Za-z_][A-Za-z0-9_]*)[= ]"?(.*?)"?\s*$', line)
        if m:
            env[m.group(1)] = m.group(2)
    return env


# What run-java.sh (the image's ENTRYPOINT) puts before JAVA_OPTS_APPEND besides the GC: the heap that gives memory
# back. Its GCTimeRatio/AdaptiveSizePolicyWeight only concern ParallelGC, its MaxRAMPercentage is overridden.
RUN_JAVA_DEFAULTS = ("-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20")


def image_java_opts(dockerfile_text, aot_cache=None):
    """The JVM options the container image starts with: run-java.sh's GC (GC_CONTAINER_OPTIONS) and heap ratios, then
    JAVA_OPTS_APPEND without the container's listen address; its AOT cache replaced by aot_cache, or dropped."""
    env = dockerfile_env(dockerfile_text)
    opts = env.get("GC_CONTAINER_OPTIONS", "").split() + list(RUN_JAVA_DEFAULTS)
    for flag in env.get("JAVA_OPTS_APPEND", "").split():
        if flag.startswith("-Dquarkus.http.host="):
            continue
        if flag.startswith("-XX:AOTCache="):
            if aot_cache:
                opts.append("-XX:AOTCache=" + aot_cache)
            continue
        opts.append(flag)
    return opts


# The image's environment that the process itself reads (run-java.sh's own variables are turned into flags above).
PROCESS_ENV = ("MALLOC_ARENA_MAX",)


def image_process_env(dockerfile_text):
    env = dockerfile_env(dockerfile_text)
    return {k: env[k] for k in PROCESS_ENV if k in env}


def container_flags(values_yaml):
    """What the JVM would read from the container's cgroup under the Helm chart's limits: its memory limit as
    -XX:MaxRAM and its CPU limit (rounded up) as -XX:ActiveProcessorCount."""
    flags = []
    memory = memory_limit_bytes(values_yaml)
    if memory:
        flags.append("-XX:MaxRAM=%d" % memory)
    m = re.search(r"^resources:\n(?:[ ]+.*\n)*?[ ]+limits:\n(?:[ ]{4,}.*\n)*?[ ]{4,}cpu:\s*\"?(\d+)(m?)\"?",
                  values_yaml, re.M)
    if m:
        cpus = int(m.group(1)) / 1000 if m.group(2) else int(m.group(1))
        flags.append("-XX:ActiveProcessorCount=%d" % max(1, math.ceil(cpus)))
    return flags


JDK25_ONLY = ("-XX:AOTCache=", "-XX:AOTCacheOutput=", "-XX:+UseCompactObjectHeaders")


def without_jdk25_flags(opts):
    """The options a JDK 17 accepts: an unknown -XX flag stops the JVM."""
    return [o for o in opts if not o.startswith(JDK25_ONLY)]


def memory_limit_bytes(values_yaml):
    """resources.limits.memory of the Helm chart's values.yaml (Mi/Gi), or None."""
    m = re.search(r"^resources:\n(?:[ ]+.*\n)*?[ ]+limits:\n(?:[ ]{4,}.*\n)*?[ ]{4,}memory:\s*\"?(\d+)(Mi|Gi)\"?",
                  values_yaml, re.M)
    if not m:
        return None
    return int(m.group(1)) * (MIB if m.group(2) == "Mi" else 1024 * MIB)


def refreshes_per_lifetime(grants, runs, seconds, lifetime):
    """(all, steady): refresh grants per access-token lifetime of load, or (None, None) without load.

    A run of the refresh workload starts after the session sat idle while the other systems ran, longer than its
    token lives, so its first call waits for a refresh: steady leaves that one refresh per run out, and is the
    cadence under continuous load (about 1.25 when a token is refreshed at 80 % of its life)."""
    if not seconds or not lifetime:
        return None, None
    lifetimes = seconds / lifetime
    return grants / lifetimes, max(grants - runs, 0) / lifetimes


def evaluate_targets(agg, extra):
    """[(key, label, value, target text, passed or None when not measured)] for the issue's targets.

    agg is aggregate()'s result; extra has 'redis_per_request' and 'stream_heap_growth' (bytes) of the smart-bff
    with default JVM flags, 'rss_peak' (bytes) of the one with the image's flags, 'startup_median' (seconds) of the
    image's way of starting, and 'refreshes_per_lifetime' (steady, see refreshes_per_lifetime())."""

    def get(workload, system, mode, field):
        s = agg.get((workload, system, mode))
        return None if s is None else s.get(field)

    values = {}
    values["patient_throughput"] = ratio(get("patient", "smart-bff", "saturation", "rps"),
                                         get("patient", "nginx", "saturation", "rps"))
    bff_p99 = get("patient", "smart-bff", "fixed", "p99")
    nginx_p99 = get("patient", "nginx", "fixed", "p99")
    values["patient_p99_half_load"] = None if bff_p99 is None or nginx_p99 is None else bff_p99 - nginx_p99
    values["bundle_throughput"] = ratio(get("bundle", "smart-bff", "saturation", "rps"),
                                        get("bundle", "nginx", "saturation", "rps"))
    values["startup"] = extra.get("startup_median")
    rss = extra.get("rss_peak")
    values["rss_under_load"] = None if rss is None else rss / MIB
    values["cpu_per_request"] = get("patient", "smart-bff", "saturation", "cpu_us_per_request")
    values["redis_per_request"] = extra.get("redis_per_request")
    growth = extra.get("stream_heap_growth")
    values["stream_heap_growth"] = None if growth is None else growth / MIB
    values["refreshes_per_lifetime"] = extra.get("refreshes_per_lifetime")

    out = []
    for key, label, target in TARGETS:
        v = values[key]
        out.append((key, label, v, target, None if v is None else CHECKS[key](v)))
    return out


def verdict(passed):
    return "n/a" if passed is None else ("PASS" if passed else "FAIL")


# ----------------------------------------------------------------------------------------------------- rendering


def fmt(v, digits=2):
    if v is None:
        return "—"
    if isinstance(v, int):
        return str(v)
    if abs(v) >= 1000:
        return "%.0f" % v
    return ("%." + str(digits) + "f") % v


def mib(v):
    return "—" if v is None else "%.1f" % (v / MIB)


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    for r in rows:
        lines.append("| " + " | ".join(str(c) for c in r) + " |")
    return "\n".join(lines)


def status_text(statuses):
    if not statuses:
        return ""
    return ", ".join("%d×%d" % (n, code) for code, n in sorted(statuses.items()))


def workload_rows(agg, workload, systems=SYSTEMS):
    rows = []
    for mode in MODES:
        for system in systems:
            s = agg.get((workload, system, mode))
            if s is None:
                continue
            offered = "—" if s["offered"] is None else "%.0f" % s["offered"]
            rows.append([
                system, mode, offered, fmt(s["rps"], 1),
                fmt(s["p50"]), fmt(s["p90"]), fmt(s["p99"]),
                "%d / %d" % (s["non2xx"], s["socket_errors"]),
                fmt(s["redis_per_request"], 3),
                fmt(s.get("cpu_us_per_request"), 1),
                fmt(s.get("sys_us_per_request"), 1),
                " ".join("%.0f" % r for r in s["rps_rounds"]),
            ])
    return rows


WORKLOAD_HEADER = ["system", "mode", "offered req/s", "req/s", "p50 ms", "p90 ms", "p99 ms",
                   "non-2xx / socket errors", "Redis cmds/req", "CPU µs/req", "of it in the kernel", "req/s per round"]


def ratio_lines(agg, targets):
    """The closing lines: smart-bff / nginx per workload and mode, then the targets with PASS/FAIL."""
    lines = []
    workloads = sorted({k[0] for k in agg})
    for w in workloads:
        for mode in MODES:
            for system in ("smart-bff", "smart-bff-image"):
                r = ratio(agg.get((w, system, mode), {}).get("rps"), agg.get((w, "nginx", mode), {}).get("rps"))
                if r is None:
                    continue
                b = agg[(w, system, mode)]
                n = agg[(w, "nginx", mode)]
                lines.append("%-9s %-10s %-15s/nginx  req/s %.2f   p99 %s ms vs %s ms" % (
                    w, mode, system, r, fmt(b["p99"]), fmt(n["p99"])))
    paired = paired_ratio_line(agg)
    if paired:
        lines.append(paired)
    cpu = cpu_comparison(agg)
    if cpu:
        lines.append(cpu)
    for key, label, value, target, passed in targets:
        lines.append("%-4s %s: %s (target %s)" % (verdict(passed), label, fmt(value), target))
    return lines


def paired_ratio_line(agg, workload="patient", system="smart-bff"):
    """One line, for reading the verdict, not deciding it: smart-bff / nginx round by round (each round runs the
    systems one after the other, so a round's pair shares the machine's state), and their median. On a shared machine
    whose speed drifts between rounds, the median of the paired ratios moves less than the ratio of the medians the
    verdict uses. None when the rounds do not pair up."""
    b = agg.get((workload, system, "saturation"), {}).get("rps_rounds")
    n = agg.get((workload, "nginx", "saturation"), {}).get("rps_rounds")
    if not b or not n or len(b) != len(n) or any(x <= 0 for x in n):
        return None
    per_round = [x / y for x, y in zip(b, n)]
    return "%s saturation %s/nginx paired by round: %s; median %.2f (the verdict uses the ratio of the medians)" % (
        workload, system, " ".join("%.2f" % r for r in per_round), median(per_round))


def cpu_comparison(agg, workload="patient"):
    """One line: CPU per call of smart-bff and of nginx as a proxy alone (nginx serves the upstream too, so its
    figure minus direct's), each split into user space and kernel, at saturation. None when a figure is missing."""
    b, n, d = (agg.get((workload, system, "saturation"), {}) for system in ("smart-bff", "nginx", "direct"))
    figures = [x.get(k) for x in (b, n, d) for k in ("cpu_us_per_request", "sys_us_per_request")]
    if any(v is None for v in figures):
        return None
    b_all, b_sys, n_all, n_sys, d_all, d_sys = figures
    p_all, p_sys = n_all - d_all, n_sys - d_sys
    return ("%s CPU per call, µs (user + kernel): smart-bff %.1f + %.1f = %.1f; nginx as a proxy alone (nginx - direct) "
            "%.1f + %.1f = %.1f" % (workload, b_all - b_sys, b_sys, b_all, p_all - p_sys, p_sys, p_all))


def render_markdown(ctx):
    """The results file. ctx: title, environment (list of (key, value)), method (list of lines), agg, workloads
    ([(name, description)]), refresh (dict), memory (rows), startup (dict), jfr (dict), targets, ratios, png."""
    out = ["# " + ctx["title"], ""]
    out.append(markdown_table(["", ""], ctx["environment"]))
    out.append("")
    out.append("## Method")
    out.append("")
    out.extend("- " + l for l in ctx["method"])
    out.append("")
    out.append("![latency and throughput](%s)" % ctx["png"])
    out.append("")
    out.append("## Targets")
    out.append("")
    out.append(markdown_table(["target", "measured", "wanted", "verdict"],
                              [[label, fmt(v), t, verdict(p)] for _, label, v, t, p in ctx["targets"]]))
    out.append("")
    out.append("## Workloads")
    agg = ctx["agg"]
    for name, description in ctx["workloads"]:
        out.append("")
        out.append("### " + name)
        out.append("")
        out.append(description)
        out.append("")
        out.append(markdown_table(WORKLOAD_HEADER, workload_rows(agg, name)))
        statuses = [(s, m, agg[(name, s, m)]["statuses"]) for s in SYSTEMS for m in MODES
                    if (name, s, m) in agg and agg[(name, s, m)]["statuses"]]
        if statuses:
            out.append("")
            out.append("Statuses: " + "; ".join("%s %s: %s" % (s, m, status_text(st)) for s, m, st in statuses))
    if ctx.get("refresh"):
        out.append("")
        out.append("### Refresh under load")
        out.append("")
        out.append(markdown_table(["", ""], ctx["refresh"]))
    out.append("")
    out.append("## Memory")
    out.append("")
    out.append(markdown_table(["smart-bff", "JVM options", "peak RSS (VmHWM) MiB", "RSS after load MiB",
                               "heap used after load MiB", "live heap after load (after full GC) MiB",
                               "heap committed MiB", "50 MB stream: live heap growth MiB",
                               "50 MB stream: peak heap used MiB"], ctx["memory"]))
    out.append("")
    out.append("## Startup to ready")
    out.append("")
    out.append(markdown_table(["", ""], ctx["startup"]))
    out.append("")
    out.append("## Allocation and CPU profile (JFR)")
    out.append("")
    jfr = ctx.get("jfr") or {}
    if not jfr:
        out.append("Not recorded.")
    for name, section in jfr.items():
        out.append("### " + name)
        out.append("")
        out.append("Requests under JFR: %d (%s req/s with the recording on); allocated per request: %s bytes. "
                   "CPU samples: %s." % (section["requests"], fmt(section.get("rps"), 0),
                                         fmt(section["alloc_per_request"], 0), section.get("samples", "?")))
        for title, rows in section["tables"]:
            out.append("")
            out.append(title)
            out.append("")
            out.append(markdown_table(["frame / class", "share", "amount"],
                                      [["`%s`" % f, "%.1f %%" % (100 * s), a] for f, s, a in rows]))
        out.append("")
    out.append("## Ratios smart-bff / nginx")
    out.append("")
    out.append("```")
    out.extend(ctx["ratios"])
    out.append("```")
    out.append("")
    return "\n".join(out)


# ----------------------------------------------------------------------------------------------------- plot


def plot_data(agg, workloads, systems=SYSTEMS):
    """Two gnuplot data blocks as text: throughput at saturation, and p50/p90/p99 at 50 % load, one row per
    workload (throughput) or per workload+system (latency). Missing values are '-'."""

    def v(x):
        return "-" if x is None else "%.4f" % x

    thr = ["# workload " + " ".join(systems)]
    for w in workloads:
        thr.append(w + " " + " ".join(v(agg.get((w, s, "saturation"), {}).get("rps")) for s in systems))
    lat = ["# label p50 p90 p99"]
    for w in workloads:
        for s in systems:
            a = agg.get((w, s, "fixed"))
            if a is None:
                continue
            lat.append("%s/%s %s %s %s" % (w, s, v(a["p50"]), v(a["p90"]), v(a["p99"])))
    return "\n".join(thr) + "\n", "\n".join(lat) + "\n"


def gnuplot_script(throughput_file, latency_file, png, systems=SYSTEMS, title="smart-bff bench"):
    cols = " ".join(
        "'%s' using %d:xtic(1) title '%s'%s" % (throughput_file, i + 2, s, "," if i < len(systems) - 1 else "")
        for i, s in enumerate(systems))
    return "\n".join([
        "set terminal pngcairo size 1400,1000 font 'Sans,10'",
        "set output '%s'" % png,
        "set datafile missing '-'",
        "set multiplot layout 2,1 title '%s'" % title,
        "set style data histograms",
        "set style histogram clustered gap 1",
        "set style fill solid 0.8 border -1",
        "set key outside right top",
        "set grid ytics",
        "set logscale y",
        "set ylabel 'requests/s at saturation (log)'",
        "set title 'Throughput'",
        "plot " + cols,
        "unset logscale y",
        "set logscale y",
        "set ylabel 'latency ms at 50 % of nginx max (log)'",
        "set title 'Latency percentiles at a fixed offered rate'",
        "set xtics rotate by -35",
        "plot '%s' using 2:xtic(1) title 'p50', '' using 3 title 'p90', '' using 4 title 'p99'" % latency_file,
        "unset multiplot",
        "",
    ])
