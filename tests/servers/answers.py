"""answers.py PORT STATE - an HTTP service whose answers a test sets.

STATE is a JSON file re-read on every request: {"/path": {"status": 200,
"type": "application/json", "body": "..."}}; the path is matched without
the query; a path that is not there answers 404.  POST bodies are read
and dropped.  Writes "ready" to STATE.ready once it listens.
"""
import json
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class H(BaseHTTPRequestHandler):
    def answer(self):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        with open(sys.argv[2]) as f:
            state = json.load(f)
        a = state.get(self.path.split("?", 1)[0], {"status": 404, "body": "not found",
                                                    "type": "text/plain"})
        body = a["body"].encode()
        self.send_response(a["status"])
        self.send_header("Content-Type", a.get("type", "application/json"))
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = answer

    def log_message(self, *a):
        pass


srv = ThreadingHTTPServer(("127.0.0.1", int(sys.argv[1])), H)
open(sys.argv[2] + ".ready", "w").write("ready\n")
srv.serve_forever()
