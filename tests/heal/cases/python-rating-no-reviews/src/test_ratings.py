import unittest

import ratings


class TestRatings(unittest.TestCase):
    def test_rating(self):
        self.assertEqual(ratings.rating("x", [{"stars": 4}, {"stars": 5}])["rating"], 4.5)


if __name__ == "__main__":
    unittest.main()
