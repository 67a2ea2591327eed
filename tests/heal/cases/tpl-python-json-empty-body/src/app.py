"""tpl-python-json-empty-body - order intake: POST /orders {"sku", "qty"}.

Configuration from the environment: PORT.  A request that fails is
answered 500 and its traceback goes to standard error.
"""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PRICES = {"A1": 9.5, "B2": 4.25}


class Handler(BaseHTTPRequestHandler):
    def reply(self, status, obj):
        body = json.dumps(obj).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_POST(self):
        try:
            n = int(self.headers.get("Content-Length") or 0)
            order = json.loads(self.rfile.read(n))
            total = PRICES.get(order.get("sku"), 0) * order.get("qty", 1)
            self.reply(201, {"total": total})
        except Exception:
            traceback.print_exc()
            sys.stderr.flush()
            self.reply(500, {"error": "internal server error"})

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
