import unittest

import prices


class TestPrices(unittest.TestCase):
    def test_label(self):
        self.assertEqual(prices.label(9.5, {"currency": "EUR"})["label"], "9.50 EUR")


if __name__ == "__main__":
    unittest.main()
