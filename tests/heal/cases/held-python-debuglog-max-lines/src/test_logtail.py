import os
import tempfile
import unittest

from logtail import tail


class TestTail(unittest.TestCase):
    def test_tail(self):
        with tempfile.NamedTemporaryFile("w", delete=False) as f:
            f.write("a\nb\nc\n")
        try:
            self.assertEqual(tail(f.name, 2), ["b", "c"])
        finally:
            os.unlink(f.name)


if __name__ == "__main__":
    unittest.main()
