"""Token login: POST /login {"username", "password"} answers an access token.
http.server, threads; users come from $STATE_DIR/users.json.  Like Flask's
request.json, a request without a JSON body has json None."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from auth import login


class Request:
    def __init__(self, raw):
        self.json = json.loads(raw) if raw.strip() else None


def users():
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), "users.json")) as f:
        return json.load(f)


class API(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        try:
            if self.path == "/login":
                code, out = login(Request(raw), users())
            else:
                code, out = 404, {"msg": "not found"}
        except Exception:
            traceback.print_exc()
            code, out = 500, {"msg": "internal server error"}
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
    ThreadingHTTPServer(("127.0.0.1", int(os.environ.get("PORT", "5000"))), API).serve_forever()
