"""Currency conversion: GET /convert?amount=A&to=C converts euros with the
rates of the rates service at $UPSTREAM_URL.  http.server, threads."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from rates import convert


class Convert(BaseHTTPRequestHandler):
    def do_GET(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        try:
            if u.path == "/convert" and "amount" in q and "to" in q:
                code, out = 200, convert(float(q["amount"]), q["to"])
            else:
                code, out = 404, {"error": "not found"}
        except Exception:
            traceback.print_exc()
            code, out = 500, {"error": "internal server error"}
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    sys.stderr.reconfigure(line_buffering=True)
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Convert).serve_forever()
