import unittest

import pricing


class TestPricing(unittest.TestCase):
    def test_member(self):
        self.assertEqual(pricing.price("member", 10), 9.0)


if __name__ == "__main__":
    unittest.main()
