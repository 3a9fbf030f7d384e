"""The pure logic of bench/soak: the verdicts on the sampled curves and the report table. No process, no network:
covered by test_soaklib.py (python3 -m unittest discover -s bench). The standard library only."""

import math

MIB = 1024 * 1024


def median(values):
    data = sorted(values)
    if not data:
        return None
    mid = len(data) // 2
    return data[mid] if len(data) % 2 else (data[mid - 1] + data[mid]) / 2.0


def growth(samples, warmup_fraction=0.2):
    """Relative growth of a curve after warm-up: the median of its last third against the median of the first third
    of what follows the warm-up. None with fewer than 3 samples past the warm-up."""
    start = int(math.ceil(len(samples) * warmup_fraction))
    steady = samples[start:]
    if len(steady) < 3:
        return None
    third = max(1, len(steady) // 3)
    first = median(steady[:third])
    last = median(steady[-third:])
    if not first:
        return None
    return (last - first) / first


def keys_bounded(keys, live_sessions, slack=10):
    """Redis holds about one key per live session (plus refresh locks, pending launches and the feed's marker)."""
    return keys <= live_sessions * 1.05 + slack


def verdicts(samples, live_sessions, errors, replays, strict):
    """[(check, measured text, target text, passed or None when not judged)] for the soak's targets. samples is a list
    of dicts with 'heap' (bytes after a full GC), 'rss' (bytes), 'fds' and 'keys', summed over replicas except keys.
    Flatness is only judged when strict (the full soak): a short run has no steady state to speak of."""
    out = [
        ("errors (any answer other than 200, besides calls racing a deliberate logout)", str(errors), "0",
         errors == 0),
        ("refresh tokens presented twice (grant revoked)", str(replays), "0", replays == 0),
    ]
    max_keys = max((s["keys"] for s in samples), default=0)
    out.append(("Redis keys, highest sample (live sessions %d)" % live_sessions, str(max_keys),
                "<= live sessions x 1.05 + 10", keys_bounded(max_keys, live_sessions)))
    for field, label, limit in (("heap", "heap after full GC, growth after warm-up", 0.10),
                                ("rss", "RSS growth after warm-up", 0.10),
                                ("fds", "open file descriptors growth after warm-up", 0.10)):
        g = growth([s[field] for s in samples])
        text = "—" if g is None else "%+.1f %%" % (g * 100)
        passed = None if (g is None or not strict) else g <= limit
        out.append((label, text, "<= +%d %%" % round(limit * 100), passed))
    return out


def verdict_text(passed):
    return "n/a" if passed is None else ("PASS" if passed else "FAIL")


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def sample_rows(samples):
    rows = []
    for s in samples:
        rows.append(["%.0f" % s["t"], "%.0f" % s["rps"], "%.1f" % (s["heap"] / MIB), "%.1f" % (s["rss"] / MIB),
                     str(s["fds"]), str(s["keys"]), str(s["errors"]), str(s["refreshes"])])
    return rows


SAMPLE_HEADER = ["t (s)", "calls/s", "heap after GC (MiB, both replicas)", "RSS (MiB, both)", "open fds (both)",
                 "Redis keys", "errors so far", "refreshes so far"]
