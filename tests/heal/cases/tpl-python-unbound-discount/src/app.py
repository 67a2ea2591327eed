"""tpl-python-unbound-discount - GET /price?kind=member|guest&base=B.

Configuration from the environment: PORT.  A request that fails is
answered 500 and its traceback goes to standard error.
"""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

import pricing


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        q = {k: v[0] for k, v in parse_qs(urlparse(self.path).query).items()}
        try:
            self.reply(200, {"price": pricing.price(q.get("kind"), float(q.get("base", "0")))})
        except Exception:
            traceback.print_exc()
            sys.stderr.flush()
            self.reply(500, {"error": "internal server error"})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
