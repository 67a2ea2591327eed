import unittest

from problems import item


class TestItem(unittest.TestCase):
    def test_share(self):
        p = {"component": "gnome-shell", "reports": [{"bt_hash": "a"}, {"bt_hash": "a"},
                                                     {"bt_hash": "b"}, {"bt_hash": "c"}]}
        self.assertEqual(item("7", p)["unique_share"], 0.75)


if __name__ == "__main__":
    unittest.main()
