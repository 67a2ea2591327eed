"""Relationship extraction API: POST / with a JSON list of records
[{"text": ...}] answers each record's relation.  http.server; like Flask's
request.get_json(silent=True), a body that is not JSON gives None."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer

from records import process_records


def get_json(raw):
    try:
        return json.loads(raw)
    except ValueError:
        return None


class Single(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        try:
            if self.path == "/":
                req_data = get_json(raw)
                code, out = 200, process_records(req_data)
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
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "5000"))), Single).serve_forever()
