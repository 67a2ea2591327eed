import unittest

import visits


class TestVisits(unittest.TestCase):
    def test_home(self):
        h = visits.home({"ref": "mail"}, [1, 2, 3, 4])
        self.assertEqual(h["featured"], [1, 2, 3])


if __name__ == "__main__":
    unittest.main()
