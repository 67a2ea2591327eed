import unittest

import stats


class TestStats(unittest.TestCase):
    def test_summary(self):
        s = stats.summary([{"amount": 10}, {"amount": 20}])
        self.assertEqual(s, {"count": 2, "revenue": 30, "average": 15})


if __name__ == "__main__":
    unittest.main()
