"""Debug REST endpoint: GET /debug/log?max_lines=N answers the last N lines of
the core's log ($STATE_DIR/core.log), 100 when max_lines is not a number.
http.server, threads; a failing request's traceback goes to stderr."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlparse

from logtail import tail


class DebugEndpoint(BaseHTTPRequestHandler):
    def get_log(self, query):
        # If the log file exists, return the last requested 'max_lines' of it
        try:
            max_lines = int(query['max_lines'])
        except ValueError:
            max_lines = 100
        path = os.path.join(os.environ.get("STATE_DIR", "state"), "core.log")
        return 200, {"max_lines": max_lines, "content": tail(path, max_lines)}

    def do_GET(self):
        u = urlparse(self.path)
        query = {k: v[0] for k, v in parse_qs(u.query, keep_blank_values=True).items()}
        try:
            if u.path == "/debug/log":
                code, out = self.get_log(query)
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
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8085"))),
                        DebugEndpoint).serve_forever()
