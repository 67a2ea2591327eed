import unittest

import dashboard


class TestDashboard(unittest.TestCase):
    def test_latest(self):
        self.assertEqual(dashboard.latest([{"id": 1}, {"id": 2}])["latest"]["id"], 2)


if __name__ == "__main__":
    unittest.main()
