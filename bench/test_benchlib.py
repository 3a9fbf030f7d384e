"""Unit tests of bench/benchlib.py: python3 -m unittest discover -s bench (standard library only)."""

import json
import unittest

import benchlib

WRK_OUT = """Running 3s test @ http://127.0.0.1:1/fhir/Patient/x
  1 threads and 32 connections
BENCH_JSON {"requests":3000,"duration_us":3000000,"bytes":6291456,"errors":{"connect":0,"read":1,"write":0,"status":2,"timeout":3},"latency_us":{"min":100,"mean":900.5,"max":20000,"p50":800,"p90":1500,"p99":4250,"p999":9000},"statuses":{}}
"""


def measurement(workload, system, mode, rps, p99, **kw):
    m = {"workload": workload, "system": system, "mode": mode, "rps": rps, "p50": p99 / 4, "p90": p99 / 2,
         "p99": p99, "requests": int(rps * 3), "non2xx": 0, "socket_errors": 0, "statuses": {}, "offered": None}
    m.update(kw)
    return m


class StatisticsTest(unittest.TestCase):
    def test_percentile_interpolates_between_ranks(self):
        self.assertEqual(benchlib.percentile([1, 2, 3, 4], 50), 2.5)
        self.assertEqual(benchlib.percentile([4, 1, 3, 2], 0), 1)
        self.assertEqual(benchlib.percentile([4, 1, 3, 2], 100), 4)
        self.assertAlmostEqual(benchlib.percentile(range(1, 101), 99), 99.01)

    def test_percentile_of_nothing_and_of_one(self):
        self.assertIsNone(benchlib.percentile([], 50))
        self.assertIsNone(benchlib.median([None, None]))
        self.assertEqual(benchlib.median([7]), 7)

    def test_median_ignores_missing_values(self):
        self.assertEqual(benchlib.median([3, None, 1, 2]), 2)


class PlateauTest(unittest.TestCase):
    def test_needs_three_runs_of_every_kind(self):
        self.assertFalse(benchlib.plateaued({0: [100, 100, 100]}, 2))
        self.assertFalse(benchlib.plateaued({0: [100, 100, 100], 1: [50, 50]}, 2))
        self.assertTrue(benchlib.plateaued({0: [100, 100, 100], 1: [50, 51, 50]}, 2))

    def test_still_rising_is_not_a_plateau(self):
        self.assertFalse(benchlib.plateaued({0: [100, 100, 110], 1: [50, 50, 50]}, 2))
        self.assertTrue(benchlib.plateaued({0: [100, 110, 112, 111], 1: [50, 50, 50]}, 2))

    def test_one_slow_run_after_a_new_high_is_noise_not_a_plateau(self):
        # The 2026-12-06 01:59 run's GET Patient warm-up: 12,409, 13,291, then 11,107 ended it while still rising.
        self.assertFalse(benchlib.plateaued({0: [10880, 12409, 13291, 11107]}, 1))
        self.assertTrue(benchlib.plateaued({0: [10880, 12409, 13291, 11107, 13400]}, 1))

    def test_the_jit_is_quiet_when_two_runs_in_a_row_compiled_little(self):
        self.assertFalse(benchlib.jit_quiet([5000, 5100]))
        self.assertFalse(benchlib.jit_quiet([5000, 5100, 5110]))
        self.assertTrue(benchlib.jit_quiet([5000, 5100, 5110, 5125]))
        self.assertFalse(benchlib.jit_quiet([5000, 5100, 5110, 5125, 5200]))

    def test_jstat_compiler_output_is_read(self):
        text = ("Compiled Failed Invalid   Time   FailedType FailedMethod\n"
                "    7893      2       0    21.42          1 io/netty/Foo bar\n")
        self.assertEqual(benchlib.parse_jstat_compiled(text), 7893)
        with self.assertRaises(ValueError):
            benchlib.parse_jstat_compiled("S0C S1C\n1 2\n")


class WrkOutputTest(unittest.TestCase):
    def test_parses_the_bench_json_line(self):
        m = benchlib.parse_wrk_output(WRK_OUT)
        self.assertEqual(m["requests"], 3000)
        self.assertAlmostEqual(m["rps"], 1000.0)
        self.assertAlmostEqual(m["mb_per_s"], 2.0)
        self.assertEqual((m["p50"], m["p90"], m["p99"]), (0.8, 1.5, 4.25))
        self.assertEqual(m["non2xx"], 2)  # wrk's own count of statuses >= 400
        self.assertEqual(m["socket_errors"], 4)

    def test_counted_statuses_decide_non_2xx(self):
        out = WRK_OUT.replace('"statuses":{}', '"statuses":{"200":2990,"401":7,"503":3}')
        m = benchlib.parse_wrk_output(out)
        self.assertEqual(m["statuses"], {200: 2990, 401: 7, 503: 3})
        self.assertEqual(m["non2xx"], 10)

    def test_missing_line_is_an_error(self):
        with self.assertRaises(ValueError):
            benchlib.parse_wrk_output("unable to connect to 127.0.0.1:1 Connection refused\n")


class RedisTest(unittest.TestCase):
    INFO = ("# Commandstats\r\ncmdstat_get:calls=1005,usec=600,usec_per_call=0.60,rejected_calls=0,failed_calls=0\r\n"
            "cmdstat_info:calls=3,usec=150,usec_per_call=50.00,rejected_calls=0,failed_calls=0\r\n"
            "cmdstat_pexpireat:calls=2,usec=4,usec_per_call=2.00,rejected_calls=0,failed_calls=0\r\n")

    def test_parses_commandstats(self):
        self.assertEqual(benchlib.parse_commandstats(self.INFO), {"get": 1005, "info": 3, "pexpireat": 2})

    def test_diff_leaves_out_unchanged_and_info(self):
        before = {"get": 5, "info": 1, "pexpireat": 2, "set": 1}
        after = benchlib.parse_commandstats(self.INFO)
        self.assertEqual(benchlib.commandstats_diff(before, after), {"get": 1000})

    def test_new_commands_count_whole(self):
        self.assertEqual(benchlib.commandstats_diff({}, {"getdel": 4}), {"getdel": 4})

    def test_per_request_discounts_requests_in_flight(self):
        self.assertAlmostEqual(benchlib.per_request(1032, 1000), 1.032)
        self.assertAlmostEqual(benchlib.steady_per_request(1032, 1000, 32), 1.0)
        self.assertEqual(benchlib.steady_per_request(10, 1000, 32), 0.0)
        self.assertIsNone(benchlib.steady_per_request(10, 0, 32))


class ProcessMemoryTest(unittest.TestCase):
    def test_proc_status_in_bytes(self):
        text = "Name:\tjava\nVmPeak:\t 9000 kB\nVmHWM:\t  307200 kB\nVmRSS:\t  204800 kB\nThreads:\t40\n"
        st = benchlib.parse_proc_status(text)
        self.assertEqual(st["VmHWM"], 300 * benchlib.MIB)
        self.assertEqual(st["VmRSS"], 200 * benchlib.MIB)

    def test_jstat_gc_sums_the_generations(self):
        text = (" S0C    S1C    S0U    S1U      EC       EU        OC         OU       MC     MU    CCSC   CCSU   YGC"
                "     YGCT    FGC    FGCT     CGC    CGCT     GCT\n"
                "  0.0   4096.0  0.0   4096.0  20480.0  10240.0   40960.0    2048.0  50000.0 49000.0 6000.0 5500.0"
                "   10    0.050   0      0.000   4      0.010    0.060\n")
        heap = benchlib.parse_jstat_gc(text)
        self.assertEqual(heap["used"], (4096 + 10240 + 2048) * 1024)
        self.assertEqual(heap["committed"], (4096 + 20480 + 40960) * 1024)

    def test_jstat_gc_tolerates_dashes(self):
        text = "S0C S1C S0U S1U EC EU OC OU\n- - - - 1024.0 512.0 1024.0 512.0\n"
        self.assertEqual(benchlib.parse_jstat_gc(text)["used"], 1024 * 1024)


def jfr(events):
    return json.dumps({"recording": {"events": events}})


def alloc_stat(thread_id, time, allocated):
    return {"type": "jdk.ThreadAllocationStatistics",
            "values": {"startTime": time, "allocated": allocated, "thread": {"javaThreadId": thread_id}}}


def frame(cls, method):
    return {"method": {"type": {"name": cls}, "name": method}}


def sample(kind, thread_id, time, frames, **values):
    v = {"startTime": time, "eventThread": {"javaThreadId": thread_id}, "stackTrace": {"frames": frames}}
    v.update(values)
    return {"type": kind, "values": v}


class JfrTest(unittest.TestCase):
    def test_allocation_per_request_diffs_each_thread(self):
        events = [alloc_stat(1, "t0", 1000), alloc_stat(2, "t0", 500),       # at the start
                  alloc_stat(1, "t9", 5000), alloc_stat(2, "t9", 1500),       # at the end
                  alloc_stat(3, "t9", 2000),                                  # started during the recording
                  alloc_stat(4, "t0", 9999)]                                  # ended during it: unknown, left out
        self.assertEqual(benchlib.allocation_per_request(jfr(events), 10), (4000 + 1000 + 2000) / 10)

    def test_allocation_per_request_without_requests(self):
        self.assertIsNone(benchlib.allocation_per_request(jfr([alloc_stat(1, "t0", 1)]), 0))
        self.assertIsNone(benchlib.allocation_per_request(jfr([]), 10))

    def test_top_cpu_frames_by_count_with_normalised_names(self):
        events = [sample("jdk.ExecutionSample", 1, "t1", [frame("java/lang/String", "hashCode"),
                                                        frame("org/smartbff/proxy/FhirProxy", "handle")]),
                  sample("jdk.ExecutionSample", 1, "t2", [frame("java/lang/String", "hashCode")]),
                  sample("jdk.ExecutionSample", 2, "t3", [frame("io.netty.Foo", "bar")]),
                  sample("jdk.NativeMethodSample", 2, "t4", [frame("sun.nio.ch.EPoll", "wait")])]
        top = benchlib.top_frames(jfr(events), "jdk.ExecutionSample", 5)
        self.assertEqual(top[0][0], "java.lang.String.hashCode")
        self.assertAlmostEqual(top[0][1], 2 / 3)
        self.assertEqual(top[0][2], 2)
        self.assertEqual(len(top), 2)
        self.assertEqual(benchlib.count_events(jfr(events), "jdk.NativeMethodSample"), 1)

    def test_application_frame_skips_lambdas(self):
        events = [sample("jdk.ExecutionSample", 1, "t1", [
            frame("java.lang.String", "hashCode"),
            frame("org.smartbff.proxy.FhirProxy$$Lambda$12+0x1/123", "handle"),
            frame("org/smartbff/proxy/ScopeGuard", "check")])]
        top = benchlib.top_frames(jfr(events), "jdk.ExecutionSample", 5, prefix="org.smartbff.")
        self.assertEqual(top, [("org.smartbff.proxy.ScopeGuard.check", 1.0, 1)])

    def test_allocation_samples_by_weight_without_each_threads_first(self):
        events = [sample("jdk.ObjectAllocationSample", 1, "t1", [frame("a.A", "x")], weight=10 ** 9,
                         objectClass={"name": "byte[]"}),
                  sample("jdk.ObjectAllocationSample", 1, "t2", [frame("a.A", "x")], weight=300,
                         objectClass={"name": "byte[]"}),
                  sample("jdk.ObjectAllocationSample", 1, "t3", [frame("b/B", "y")], weight=100,
                         objectClass={"name": "java/lang/String"})]
        top = benchlib.top_frames(jfr(events), "jdk.ObjectAllocationSample", 5, weight_field="weight")
        self.assertEqual(top, [("a.A.x", 0.75, 300), ("b.B.y", 0.25, 100)])
        classes = benchlib.top_allocated_classes(jfr(events))
        self.assertEqual(classes, [("byte[]", 0.75, 300), ("java.lang.String", 0.25, 100)])


class AggregateAndTargetsTest(unittest.TestCase):
    def sample_runs(self, bff_rps=7000, bff_p99=3.0, bundle_rps=3200, cpu_us=40):
        runs = []
        for r in range(3):
            runs.append(measurement("patient", "nginx", "saturation", 10000 + r, 2.0))
            runs.append(measurement("patient", "smart-bff", "saturation", bff_rps + r * 100, 9.0,
                                    redis_per_request=1.01, redis_per_request_steady=0.99,
                                    cpu_us_per_request=cpu_us + r))
            runs.append(measurement("bundle", "nginx", "saturation", 4000, 5.0))
            runs.append(measurement("bundle", "smart-bff", "saturation", bundle_rps, 9.0))
            runs.append(measurement("patient", "nginx", "fixed", 5000, 1.5, offered=5000))
            runs.append(measurement("patient", "smart-bff", "fixed", 5000, bff_p99, offered=5000,
                                    statuses={200: 10, 401: 1}, non2xx=1))
        return runs

    def test_aggregate_takes_medians_and_sums(self):
        agg = benchlib.aggregate(self.sample_runs())
        s = agg[("patient", "smart-bff", "saturation")]
        self.assertEqual(s["rounds"], 3)
        self.assertEqual(s["rps"], 7100)
        self.assertEqual(s["rps_rounds"], [7000, 7100, 7200])
        self.assertEqual(s["redis_per_request_steady"], 0.99)
        self.assertEqual(s["cpu_us_per_request"], 41)
        f = agg[("patient", "smart-bff", "fixed")]
        self.assertEqual(f["statuses"], {200: 30, 401: 3})
        self.assertEqual(f["non2xx"], 3)
        self.assertEqual(f["offered"], 5000)

    def test_targets_pass(self):
        agg = benchlib.aggregate(self.sample_runs())
        extra = {"redis_per_request": 0.99, "stream_heap_growth": 10 * benchlib.MIB,
                 "rss_peak": 190 * benchlib.MIB, "startup_median": 0.45, "refreshes_per_lifetime": 1.25}
        results = {k: (v, p) for k, _, v, _, p in benchlib.evaluate_targets(agg, extra)}
        self.assertAlmostEqual(results["patient_throughput"][0], 7100 / 10001)
        self.assertTrue(results["patient_throughput"][1])
        self.assertAlmostEqual(results["patient_p99_half_load"][0], 1.5)
        self.assertAlmostEqual(results["bundle_throughput"][0], 0.8)
        self.assertEqual(results["cpu_per_request"][0], 41)
        self.assertEqual(results["rss_under_load"][0], 190)
        self.assertTrue(all(p for _, p in results.values()))

    def test_targets_fail_and_missing(self):
        agg = benchlib.aggregate(self.sample_runs(bff_rps=5000, bff_p99=3.6, bundle_rps=2900, cpu_us=85))
        extra = {"redis_per_request": 1.2, "stream_heap_growth": 40 * benchlib.MIB, "rss_peak": None,
                 "startup_median": 0.51, "refreshes_per_lifetime": 40.0}
        results = {k: p for k, _, _, _, p in benchlib.evaluate_targets(agg, extra)}
        self.assertEqual(results, {"patient_throughput": False, "patient_p99_half_load": False,
                                   "bundle_throughput": False, "startup": False, "rss_under_load": None,
                                   "cpu_per_request": False, "redis_per_request": False, "stream_heap_growth": False,
                                   "refreshes_per_lifetime": False})
        self.assertEqual([benchlib.verdict(p) for p in (True, False, None)], ["PASS", "FAIL", "n/a"])

    def test_ratio_lines_end_with_the_targets(self):
        agg = benchlib.aggregate(self.sample_runs())
        targets = benchlib.evaluate_targets(agg, {})
        lines = benchlib.ratio_lines(agg, targets)
        self.assertIn("bundle    saturation smart-bff      /nginx  req/s 0.80", lines[0])
        self.assertTrue(any("patient   saturation smart-bff      /nginx  req/s 0.71" in l for l in lines))
        self.assertTrue(lines[-1].startswith("n/a  refreshes per access-token lifetime"))
        self.assertTrue(any(l.startswith("PASS GET Patient throughput") for l in lines))


class PairedRatioTest(unittest.TestCase):
    def test_rounds_are_paired_in_order_and_their_ratios_medianed(self):
        agg = {("patient", "smart-bff", "saturation"): {"rps_rounds": [600.0, 450.0, 500.0]},
               ("patient", "nginx", "saturation"): {"rps_rounds": [1000.0, 1000.0, 800.0]}}
        self.assertEqual(benchlib.paired_ratio_line(agg),
                         "patient saturation smart-bff/nginx paired by round: 0.60 0.45 0.62; median 0.60 "
                         "(the verdict uses the ratio of the medians)")

    def test_rounds_that_do_not_pair_up_give_no_line(self):
        agg = {("patient", "smart-bff", "saturation"): {"rps_rounds": [600.0, 450.0]},
               ("patient", "nginx", "saturation"): {"rps_rounds": [1000.0, 1000.0, 800.0]}}
        self.assertIsNone(benchlib.paired_ratio_line(agg))
        self.assertIsNone(benchlib.paired_ratio_line({}))


class FixedRateAndCpuTest(unittest.TestCase):
    def test_the_fixed_rate_is_half_of_the_bffs_own_maximum(self):
        runs = [measurement("patient", "nginx", "saturation", 10000, 2.0),
                measurement("patient", "smart-bff", "saturation", 6000, 9.0),
                measurement("patient", "smart-bff", "saturation", 6400, 9.0),
                measurement("patient", "smart-bff", "saturation", 9000, 9.0),
                measurement("bundle", "smart-bff", "saturation", 3000, 9.0)]
        self.assertEqual(benchlib.half_own_max_rate(runs, "patient"), (3200.0, "smart-bff"))

    def test_without_the_bff_the_fixed_rate_follows_nginx_and_is_never_zero(self):
        runs = [measurement("stream", "nginx", "saturation", 10, 2.0)]
        self.assertEqual(benchlib.half_own_max_rate(runs, "stream"), (5.0, "nginx"))
        self.assertEqual(benchlib.half_own_max_rate([measurement("x", "nginx", "saturation", 1, 1)], "x"),
                         (1.0, "nginx"))
        self.assertEqual(benchlib.half_own_max_rate([], "patient"), (1.0, None))

    def test_cpu_ticks_read_utime_and_stime_past_a_command_name_with_spaces(self):
        stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234 567 0 0 20 0 40 0 100 0 0"
        self.assertEqual(benchlib.cpu_ticks(stat), 1801)

    def test_cpu_ticks_split_into_user_and_kernel(self):
        stat = "4242 (java (main) x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 1234 567 0 0 20 0 40 0 100 0 0"
        self.assertEqual(benchlib.cpu_ticks_split(stat), (1234, 567))

    def test_cpu_comparison_takes_the_upstream_out_of_nginx(self):
        def cell(cpu, sys):
            return {"cpu_us_per_request": cpu, "sys_us_per_request": sys}
        agg = {("patient", "smart-bff", "saturation"): cell(90.0, 36.0),
               ("patient", "nginx", "saturation"): cell(60.0, 40.0),
               ("patient", "direct", "saturation"): cell(28.0, 20.0)}
        self.assertEqual(benchlib.cpu_comparison(agg),
                         "patient CPU per call, µs (user + kernel): smart-bff 54.0 + 36.0 = 90.0; nginx as a proxy "
                         "alone (nginx - direct) 12.0 + 20.0 = 32.0")
        del agg[("patient", "direct", "saturation")]
        self.assertIsNone(benchlib.cpu_comparison(agg))

    def test_cpu_per_request_in_microseconds(self):
        self.assertEqual(benchlib.cpu_us_per_request(100, 100, 20000), 50.0)
        self.assertIsNone(benchlib.cpu_us_per_request(100, 100, 0))


class ImageFlagsTest(unittest.TestCase):
    DOCKERFILE = """FROM registry.access.redhat.com/ubi9/openjdk-25-runtime:1.24
RUN cd /deployments && { \\
      java -XX:AOTCacheOutput=app.aot -jar quarkus-run.jar; }
ENV GC_CONTAINER_OPTIONS="-XX:+UseSerialGC"
ENV JAVA_OPTS_APPEND="-Dquarkus.http.host=0.0.0.0 -XX:MaxRAMPercentage=75 -XX:+UseCompactObjectHeaders \\
    -XX:AOTCache=/deployments/app.aot"
ENV JAVA_APP_JAR="/deployments/quarkus-run.jar"
"""

    def test_the_image_flags_are_run_java_gc_and_heap_ratios_then_java_opts_append_on_loopback(self):
        self.assertEqual(benchlib.image_java_opts(self.DOCKERFILE, "/tmp/b/app.aot"),
                         ["-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20",
                          "-XX:MaxRAMPercentage=75", "-XX:+UseCompactObjectHeaders", "-XX:AOTCache=/tmp/b/app.aot"])

    def test_without_a_cache_the_aot_flag_is_left_out_and_jdk_17_gets_no_jdk_25_flags(self):
        opts = benchlib.image_java_opts(self.DOCKERFILE)
        self.assertNotIn("-XX:AOTCache", " ".join(opts))
        self.assertEqual(benchlib.without_jdk25_flags(opts + ["-XX:AOTCache=x"]),
                         ["-XX:+UseSerialGC", "-XX:MinHeapFreeRatio=10", "-XX:MaxHeapFreeRatio=20",
                          "-XX:MaxRAMPercentage=75"])

    def test_the_container_limits_become_the_flags_the_jvm_would_derive_from_the_cgroup(self):
        values = "resources:\n  requests:\n    cpu: 250m\n    memory: 512Mi\n  limits:\n    cpu: \"1\"\n    memory: 768Mi\n"
        self.assertEqual(benchlib.container_flags(values), ["-XX:MaxRAM=%d" % (768 * benchlib.MIB),
                                                            "-XX:ActiveProcessorCount=1"])
        self.assertEqual(benchlib.container_flags(values.replace('"1"', "1500m"))[1], "-XX:ActiveProcessorCount=2")
        self.assertEqual(benchlib.container_flags("resources: {}\n"), [])

    def test_the_process_gets_the_images_malloc_setting(self):
        self.assertEqual(benchlib.image_process_env(self.DOCKERFILE + 'ENV MALLOC_ARENA_MAX=2\n'),
                         {"MALLOC_ARENA_MAX": "2"})
        self.assertEqual(benchlib.image_process_env(self.DOCKERFILE), {})

    def test_the_memory_limit_is_the_charts_limit_not_its_request(self):
        values = "image: x\nresources:\n  requests:\n    cpu: 250m\n    memory: 512Mi\n  limits:\n    cpu: \"1\"\n" \
                 "    memory: 768Mi\n\nprobes:\n  startup: {}\n"
        self.assertEqual(benchlib.memory_limit_bytes(values), 768 * benchlib.MIB)
        self.assertEqual(benchlib.memory_limit_bytes(values.replace("768Mi", "1Gi")), 1024 * benchlib.MIB)
        self.assertIsNone(benchlib.memory_limit_bytes("resources: {}\n"))


class RefreshCadenceTest(unittest.TestCase):
    def test_refreshes_per_lifetime_counts_lifetimes_of_load(self):
        # 3 runs of 5 s with 3 s tokens: 5 lifetimes; 9 grants, of which 3 came after the idle gap before each run.
        total, steady = benchlib.refreshes_per_lifetime(9, 3, 15.0, 3)
        self.assertAlmostEqual(total, 1.8)
        self.assertAlmostEqual(steady, 1.2)

    def test_refreshes_per_lifetime_of_a_storm(self):
        # The storm of the issue: 4,302 refreshes in ~100 s of load against 60 s tokens.
        total, steady = benchlib.refreshes_per_lifetime(4302, 1, 100.0, 60)
        self.assertGreater(steady, 2500)

    def test_refreshes_per_lifetime_without_load(self):
        self.assertEqual(benchlib.refreshes_per_lifetime(0, 0, 0.0, 3), (None, None))


class RenderingTest(unittest.TestCase):
    def test_markdown_table(self):
        self.assertEqual(benchlib.markdown_table(["a", "b"], [[1, "x"]]), "| a | b |\n|---|---|\n| 1 | x |")

    def test_fmt(self):
        self.assertEqual(benchlib.fmt(None), "—")
        self.assertEqual(benchlib.fmt(12345.6), "12346")
        self.assertEqual(benchlib.fmt(1.23456), "1.23")
        self.assertEqual(benchlib.fmt(1.23456, 3), "1.235")
        self.assertEqual(benchlib.fmt(3), "3")
        self.assertEqual(benchlib.mib(3 * benchlib.MIB), "3.0")

    def test_render_markdown_has_every_section(self):
        runs = AggregateAndTargetsTest().sample_runs()
        agg = benchlib.aggregate(runs)
        ctx = {"title": "t", "environment": [["k", "v"]], "method": ["m"], "agg": agg,
               "workloads": [("patient", "GET Patient")], "refresh": [["refresh grants", "3"]],
               "memory": [["smart-bff", "`(defaults)`", "1", "2", "3", "4", "5", "6", "7"]],
               "startup": [["median", "1.00 s"]],
               "jfr": {"GET Patient": {"requests": 10, "samples": "1 in Java", "alloc_per_request": 4096.0,
                                       "tables": [("Top CPU", [("a.B.c", 0.5, 3)])]}},
               "targets": benchlib.evaluate_targets(agg, {}), "ratios": ["r1", "r2"], "png": "x.png"}
        md = benchlib.render_markdown(ctx)
        for part in ("# t", "## Method", "![latency and throughput](x.png)", "## Targets", "### patient",
                     "| smart-bff | fixed | 5000 | 5000 |", "Statuses: smart-bff fixed: 30×200, 3×401",
                     "### Refresh under load", "## Memory", "## Startup to ready", "allocated per request: 4096",
                     "`a.B.c` | 50.0 %", "## Ratios smart-bff / nginx", "```\nr1\nr2\n```"):
            self.assertIn(part, md)
        self.assertTrue(md.rstrip().endswith("```"))

    def test_plot_data_marks_missing_values(self):
        agg = benchlib.aggregate(AggregateAndTargetsTest().sample_runs())
        thr, lat = benchlib.plot_data(agg, ["patient"], systems=("nginx", "smart-bff", "direct"))
        self.assertEqual(thr.splitlines()[0], "# workload nginx smart-bff direct")
        self.assertEqual(thr.splitlines()[1], "patient 10001.0000 7100.0000 -")
        self.assertEqual(lat.splitlines()[1], "patient/nginx 0.3750 0.7500 1.5000")
        script = benchlib.gnuplot_script("t.dat", "l.dat", "out.png", systems=("nginx", "smart-bff"))
        self.assertIn("set output 'out.png'", script)
        self.assertIn("'t.dat' using 3:xtic(1) title 'smart-bff'", script)


if __name__ == "__main__":
    unittest.main()
