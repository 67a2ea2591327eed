import unittest

import app


class TestApp(unittest.TestCase):
    def test_prices(self):
        self.assertEqual(app.PRICES["A1"], 9.5)


if __name__ == "__main__":
    unittest.main()
