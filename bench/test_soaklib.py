import unittest

import soaklib


def sample(heap, rss=100, fds=50, keys=10):
    return {"heap": heap, "rss": rss, "fds": fds, "keys": keys}


class SoakLibTest(unittest.TestCase):

    def test_growth_ignores_the_warm_up_and_compares_thirds(self):
        # warm-up (20 %) climbs steeply, then flat: no growth
        self.assertAlmostEqual(0.0, soaklib.growth([10, 50, 100, 100, 100, 100, 100, 100, 100, 100]))
        # steady climb after warm-up: 100 -> 130
        self.assertAlmostEqual(0.3, soaklib.growth([1, 1, 100, 100, 110, 120, 130, 130]))
        self.assertIsNone(soaklib.growth([1, 2, 3]))

    def test_keys_are_bounded_by_live_sessions(self):
        self.assertTrue(soaklib.keys_bounded(1040, 1000))
        self.assertFalse(soaklib.keys_bounded(1100, 1000))

    def test_verdicts_judge_flatness_only_when_strict(self):
        flat = [sample(100)] * 10
        growing = [sample(100 + 10 * i) for i in range(10)]
        short = {v[0]: v[3] for v in soaklib.verdicts(growing, 10, 0, 0, strict=False)}
        self.assertIsNone(short["heap after full GC, growth after warm-up"])
        strict = {v[0]: v[3] for v in soaklib.verdicts(growing, 10, 0, 0, strict=True)}
        self.assertFalse(strict["heap after full GC, growth after warm-up"])
        ok = {v[0]: v[3] for v in soaklib.verdicts(flat, 10, 0, 0, strict=True)}
        self.assertTrue(all(ok.values()))
        failed = soaklib.verdicts(flat, 10, 3, 1, strict=True)
        self.assertFalse(failed[0][3])
        self.assertFalse(failed[1][3])

    def test_markdown(self):
        self.assertEqual("| a | b |\n|---|---|\n| 1 | 2 |", soaklib.markdown_table(["a", "b"], [[1, 2]]))


class ReliabilityReportTest(unittest.TestCase):

    def test_one_table_per_scenario_counts_as_integers(self):
        import importlib.machinery
        import os
        path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "reliability-report")
        report = importlib.machinery.SourceFileLoader("reliability_report", path).load_module()
        text = report.tables(["2 b\tlatency\t6.630\tms\t2026-12-05T17:39:01.5Z\n",
                              "1 a\tcalls\t200.000\tcount\t2026-12-05T17:32:12.2Z\n", "junk\n"])
        self.assertTrue(text.index("### Scenario 1 a") < text.index("### Scenario 2 b"))
        self.assertIn("| calls | 200 | count | 2026-12-05 17:32:12 |", text)
        self.assertIn("| latency | 6.6 | ms |", text)


if __name__ == "__main__":
    unittest.main()
