import unittest

import posts


class TestPosts(unittest.TestCase):
    def test_tags(self):
        self.assertEqual(posts.tags({"title": "t", "tags": ["A", "b"]})["tags"], ["a", "b"])


if __name__ == "__main__":
    unittest.main()
