import unittest

from records import process_records


class TestRecords(unittest.TestCase):
    def test_relations(self):
        self.assertEqual(process_records([{"text": "P2 travelled with P1"}])[0]["relation"], "travel")


if __name__ == "__main__":
    unittest.main()
