import unittest

import stores


class TestStores(unittest.TestCase):
    def test_label(self):
        s = {"id": 1, "name": "Main St", "region": {"name": "North"}}
        self.assertEqual(stores.label(s)["label"], "Main St (North)")


if __name__ == "__main__":
    unittest.main()
