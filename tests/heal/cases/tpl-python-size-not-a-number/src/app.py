"""tpl-python-size-not-a-number - a product list, a page of ?size= products.

Configuration from the environment: PORT.  A request that fails is
answered 500 and its traceback goes to standard error.
"""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

PRODUCTS = ["p%d" % i for i in range(45)]


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        url = urlparse(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        try:
            if url.path == "/products":
                size = int(query.get("size", ["20"])[0])
                return self.reply(200, {"size": size, "items": PRODUCTS[:size]})
            self.reply(404, {"error": "not found"})
        except Exception:
            traceback.print_exc()
            sys.stderr.flush()
            self.reply(500, {"error": "internal server error"})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
