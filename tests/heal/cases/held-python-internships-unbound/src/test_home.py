import unittest

from home import internships_home


class TestHome(unittest.TestCase):
    def test_student(self):
        r = internships_home("s1", {"s1": {"role": "student", "registration_id": "12345"}},
                             [{"title": "Surgery", "open": True}, {"title": "ER", "open": False}])
        self.assertEqual(r, {"user": "s1", "noma": "12345", "internships": ["Surgery"]})


if __name__ == "__main__":
    unittest.main()
