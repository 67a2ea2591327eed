import unittest

from views import search

PKGS = [{"type": "deb", "name": "curl"}, {"type": "deb", "name": "libcurl4"},
        {"type": "deb", "name": "openssl"}, {"type": "pypi", "name": "curlify"}]


class TestSearch(unittest.TestCase):
    def test_pages(self):
        r = search(PKGS, {"type": "deb", "name": "curl", "page": "1"})
        self.assertEqual(r["count"], 2)
        self.assertEqual([p["name"] for p in r["packages"]], ["curl", "libcurl4"])

    def test_second_page(self):
        r = search(PKGS, {"type": "deb", "name": "", "page": "2"})
        self.assertEqual([p["name"] for p in r["packages"]], ["openssl"])


if __name__ == "__main__":
    unittest.main()
