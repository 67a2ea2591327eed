"""Price quotes.  POST /quote {"items": [{"sku", "qty"}]} answers the
total.  Prices are in the code; the arithmetic is in pricing.py."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pricing


class Quotes(BaseHTTPRequestHandler):
    def do_POST(self):
        if self.path != "/quote":
            return self.answer(404, {"error": "not found"})
        raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            order = json.loads(raw or b"{}")
            self.answer(200, {"total": pricing.total(order.get("items", []))})
        except Exception:
            traceback.print_exc(file=sys.stderr)
            self.answer(500, {"error": "internal server error"})

    def answer(self, code, body):
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Quotes).serve_forever()
