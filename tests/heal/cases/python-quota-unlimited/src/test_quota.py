import unittest

import quota


class TestQuota(unittest.TestCase):
    def test_usage(self):
        self.assertEqual(quota.usage(250, 1000)["percent"], 25.0)


if __name__ == "__main__":
    unittest.main()
