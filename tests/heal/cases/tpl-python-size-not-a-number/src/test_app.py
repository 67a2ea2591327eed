import unittest

import app


class TestApp(unittest.TestCase):
    def test_products(self):
        self.assertEqual(len(app.PRODUCTS), 45)


if __name__ == "__main__":
    unittest.main()
