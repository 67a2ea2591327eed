"""python-search-missing-q - product search

Configuration from the environment: PORT, STATE_DIR (the service's data
files).  A request that fails is answered 500 and its traceback
goes to standard error, as most services do.
"""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import search


def load(name):
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), name), encoding="utf-8") as f:
        return json.load(f)


def route(method, path, query, headers, raw):
    if method == "GET" and path == "/search":
        return 200, search.run(load("products.json"), query)
    return 404, {"error": "not found"}


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def serve(self, method):
        url = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length).decode() if length else ""
        try:
            status, obj = route(method, url.path, query, self.headers, raw)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            sys.stderr.flush()
            status, obj = 500, {"error": "internal server error"}
        self.reply(status, obj)

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    port = int(os.environ.get("PORT", "8080"))
    ThreadingHTTPServer(("127.0.0.1", port), Handler).serve_forever()
