import unittest

import search


class TestSearch(unittest.TestCase):
    def test_search(self):
        r = search.run([{"name": "Desk lamp"}, {"name": "Chair"}], {"q": "LAMP "})
        self.assertEqual(r["count"], 1)


if __name__ == "__main__":
    unittest.main()
