import json
import os
import tempfile
import unittest

from todos import complete


class TestComplete(unittest.TestCase):
    def test_done(self):
        with tempfile.TemporaryDirectory() as d:
            with open(os.path.join(d, "todos.json"), "w") as f:
                json.dump({"t1": {"title": "milk", "done": False}}, f)
            code, out = complete(d, "t1")
            self.assertEqual((code, out["done"], out["note"]), (200, True, None))


if __name__ == "__main__":
    unittest.main()
