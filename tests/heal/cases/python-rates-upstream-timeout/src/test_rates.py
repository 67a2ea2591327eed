import unittest

import rates


class TestRates(unittest.TestCase):
    def test_module(self):
        self.assertTrue(callable(rates.convert))


if __name__ == "__main__":
    unittest.main()
