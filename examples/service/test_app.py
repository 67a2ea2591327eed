"""Tests of the orders service: python3 -m unittest"""

import json
import os
import tempfile
import threading
import unittest
import urllib.error
import urllib.request
from http.server import ThreadingHTTPServer

import app


class TestStats(unittest.TestCase):
    def test_average(self):
        self.assertEqual(app.average([1, 2, 3]), 2)
        self.assertEqual(app.average([2.5]), 2.5)

    def test_stats(self):
        orders = [{"id": 1, "amount": 10}, {"id": 2, "amount": 20.5}]
        self.assertEqual(app.stats(orders), {"orders": 2, "total": 30.5, "average": 15.25})

    def test_sample_data(self):
        sample = os.path.join(app.HERE, "data", "orders.json")
        self.assertEqual(app.stats(app.load_orders(sample))["orders"], 3)


class TestHTTP(unittest.TestCase):
    def setUp(self):
        fd, self.data = tempfile.mkstemp(suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump([{"id": 1, "amount": 4}, {"id": 2, "amount": 6}], f)
        self.saved = os.environ.get("DATA_FILE")
        os.environ["DATA_FILE"] = self.data
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), app.Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()
        self.base = "http://127.0.0.1:%d" % self.server.server_address[1]

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        if self.saved is None:
            del os.environ["DATA_FILE"]
        else:
            os.environ["DATA_FILE"] = self.saved
        os.unlink(self.data)

    def get(self, path):
        try:
            with urllib.request.urlopen(self.base + path, timeout=5) as r:
                return r.status, json.load(r)
        except urllib.error.HTTPError as e:
            return e.code, json.load(e)

    def test_health(self):
        self.assertEqual(self.get("/health"), (200, {"status": "ok"}))

    def test_orders(self):
        status, orders = self.get("/orders")
        self.assertEqual(status, 200)
        self.assertEqual([o["id"] for o in orders], [1, 2])

    def test_stats(self):
        self.assertEqual(self.get("/stats"), (200, {"orders": 2, "total": 10, "average": 5.0}))

    def test_not_found(self):
        self.assertEqual(self.get("/nope")[0], 404)


if __name__ == "__main__":
    unittest.main()
