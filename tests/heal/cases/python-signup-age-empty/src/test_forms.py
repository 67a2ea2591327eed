import unittest

import forms


class TestForms(unittest.TestCase):
    def test_age(self):
        self.assertEqual(forms.age({"age": ["36"]}), 36)


if __name__ == "__main__":
    unittest.main()
