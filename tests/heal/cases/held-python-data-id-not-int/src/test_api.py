import unittest

import api


class TestRetrieve(unittest.TestCase):
    def test_found(self):
        api.submissions = lambda: [{"_xform_id": 12, "_id": 7, "name": "x"}]
        code, out = api.DataViewSet.retrieve(None, "12", "7")
        self.assertEqual((code, out["name"]), (200, "x"))


if __name__ == "__main__":
    unittest.main()
