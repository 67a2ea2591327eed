import unittest

import pricing


class TestPricing(unittest.TestCase):
    def test_total(self):
        self.assertEqual(pricing.total([{"sku": "tea", "qty": 2}, {"sku": "cake", "qty": 1}]), 12.0)


if __name__ == "__main__":
    unittest.main()
