import unittest

import orders


class TestOrders(unittest.TestCase):
    def test_create(self):
        o = orders.create('{"sku": "A1", "qty": 2}', {"A1": 9.5})
        self.assertEqual(o["total"], 19.0)


if __name__ == "__main__":
    unittest.main()
