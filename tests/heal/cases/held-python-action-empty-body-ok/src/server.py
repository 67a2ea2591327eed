"""Todo resource server: POST /todos/ID/complete {"note": ...} marks a todo
done; the JSON body (options) is optional -- REST clients send the request
with or without one.  http.server; todos in $STATE_DIR/todos.json."""
import json
import os
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from todos import complete


class Resource(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode()
        m = re.fullmatch(r"/todos/(\w+)/complete", self.path)
        try:
            if not m:
                code, out = 404, {"message": "not found"}
            else:
                options = json.loads(raw)
                code, out = complete(os.environ.get("STATE_DIR", "state"), m.group(1), **options)
        except Exception:
            traceback.print_exc()
            code, out = 500, {"message": "internal server error"}
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
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "2403"))), Resource).serve_forever()
