import json
import os
import tempfile
import unittest

import report


class TestReport(unittest.TestCase):
    def test_mean(self):
        d = tempfile.mkdtemp()
        with open(os.path.join(d, "samples.json"), "w") as f:
            json.dump([{"path": "/", "ms": 10}, {"path": "/a", "ms": 30}], f)
        os.environ["STATE_DIR"] = d
        self.assertEqual(report.Report.latency(None)["mean_ms"], 20)


if __name__ == "__main__":
    unittest.main()
