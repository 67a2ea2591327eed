import unittest

from ledger import balance


class TestLedger(unittest.TestCase):
    def test_bonus_adds(self):
        self.assertEqual(balance({"points": 40}, 5), 45)


if __name__ == "__main__":
    unittest.main()
