import os
import tempfile
import unittest

from blueprint import post_index_record


class TestPost(unittest.TestCase):
    def test_record(self):
        with tempfile.TemporaryDirectory() as d:
            code, out = post_index_record({"hashes": {"md5": "ab"}, "size": 3, "urls": []},
                                          os.path.join(d, "r.jsonl"))
            self.assertEqual(code, 200)
            self.assertEqual(len(out["did"]), 32)


if __name__ == "__main__":
    unittest.main()
