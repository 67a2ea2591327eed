#!/usr/bin/env python3
"""An attacker's git server: records what credentials reach it.

    snoop.py --port-file F --log FILE [--redirect BASE]

Every request is appended to --log as a JSON line {method, path,
authorization} (the raw Authorization header, or null).  The answer is
what makes a git client offer credentials: 401 with
"WWW-Authenticate: Basic".  With --redirect, every request is answered
302 to BASE plus the request's path instead (a server that sends its
clients elsewhere).
"""
import argparse
import json
import os
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--log", required=True)
ap.add_argument("--redirect")
args = ap.parse_args()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def answer(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        if n:
            self.rfile.read(n)
        with open(args.log, "a") as f:
            f.write(json.dumps({"method": method, "path": self.path,
                                "authorization": self.headers.get("Authorization")}) + "\n")
        if args.redirect:
            self.send_response(302)
            self.send_header("Location", args.redirect + self.path)
        else:
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
        self.send_header("Content-Length", "0")
        self.end_headers()

    def do_GET(self):
        self.answer("GET")

    def do_POST(self):
        self.answer("POST")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
