import unittest

import users


class TestUsers(unittest.TestCase):
    def test_card(self):
        u = {"name": "Ada", "address": {"city": "London"}}
        self.assertEqual(users.card(u), {"name": "Ada", "city": "London"})


if __name__ == "__main__":
    unittest.main()
