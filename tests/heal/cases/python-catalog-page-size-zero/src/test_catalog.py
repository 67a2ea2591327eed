import unittest

import catalog


class TestCatalog(unittest.TestCase):
    def test_first_page(self):
        p = catalog.page(list(range(45)), 1, 20)
        self.assertEqual((p["pages"], len(p["items"])), (3, 20))

    def test_last_page(self):
        self.assertEqual(catalog.page(list(range(45)), 3, 20)["items"], list(range(40, 45)))


if __name__ == "__main__":
    unittest.main()
