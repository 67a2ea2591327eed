"""Crash statistics: GET /problems/ID answers a problem's component, its
reports and the share of them with a distinct backtrace.  http.server;
problems come from $STATE_DIR/problems.json."""
import json
import os
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer

from problems import item


def problems():
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), "problems.json")) as f:
        return json.load(f)


class Problems(BaseHTTPRequestHandler):
    def do_GET(self):
        m = re.fullmatch(r"/problems/(\d+)/?", self.path)
        try:
            p = problems().get(m.group(1)) if m else None
            if p is None:
                code, out = 404, {"error": "no such problem"}
            else:
                code, out = 200, item(m.group(1), p)
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
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Problems).serve_forever()
