import unittest

from auth import login


class Req:
    def __init__(self, json):
        self.json = json


class TestLogin(unittest.TestCase):
    def test_good(self):
        code, out = login(Req({"username": "test", "password": "test"}), {"test": "test"})
        self.assertEqual(code, 200)
        self.assertIn("access_token", out)

    def test_bad_password(self):
        code, _ = login(Req({"username": "test", "password": "x"}), {"test": "test"})
        self.assertEqual(code, 401)


if __name__ == "__main__":
    unittest.main()
