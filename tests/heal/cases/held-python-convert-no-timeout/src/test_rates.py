import unittest

from rates import convert


class TestConvert(unittest.TestCase):
    def test_convert(self):
        self.assertEqual(convert(10, "USD", {"USD": 1.08}), {"amount": 10.8, "currency": "USD"})


if __name__ == "__main__":
    unittest.main()
