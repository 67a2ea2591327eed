"""File index: POST /index/ {"hashes", "size", "urls"} registers a record and
answers its did.  http.server; records are appended to $STATE_DIR/records.jsonl."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer

from blueprint import post_index_record


class Index(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        try:
            if self.path.rstrip("/") == "/index":
                state = os.environ.get("STATE_DIR", "state")
                code, out = post_index_record(json.loads(raw or "{}"),
                                              os.path.join(state, "records.jsonl"))
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
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Index).serve_forever()
