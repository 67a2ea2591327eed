#!/usr/bin/env python3
"""Smart HTTP git server with Basic auth, for testing token credentials.

    githttp.py --port-file F --root DIR --user U --token T [--log FILE]

Serves the bare repositories under DIR at http://127.0.0.1:PORT/NAME.git
through `git http-backend` (so the git CLI's own server code answers),
and answers 401 with "WWW-Authenticate: Basic" unless the request
carries user U and password T.  Each request is logged as a JSON line
{method, path, user, ok}.
"""
import argparse
import base64
import json
import os
import subprocess
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--root", required=True)
ap.add_argument("--user", required=True)
ap.add_argument("--token", required=True)
ap.add_argument("--log")
args = ap.parse_args()


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            data = b""
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        return self.rfile.read(int(self.headers.get("Content-Length") or 0))

    def serve(self, method):
        data = self.body() if method == "POST" else b""
        user = pw = None
        auth = self.headers.get("Authorization") or ""
        if auth.startswith("Basic "):
            user, _, pw = base64.b64decode(auth[6:]).decode().partition(":")
        ok = user == args.user and pw == args.token
        if args.log:
            with open(args.log, "a") as f:
                f.write(json.dumps({"method": method, "path": self.path, "user": user,
                                    "ok": ok}) + "\n")
        if not ok:
            # No body: libgit2 1.5 leaves a 401's body unread when it comes in a
            # later segment, and then parses it as the next response.
            self.send_response(401)
            self.send_header("WWW-Authenticate", 'Basic realm="git"')
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        path, _, query = self.path.partition("?")
        env = {"PATH": os.environ["PATH"], "GIT_PROJECT_ROOT": args.root,
               "GIT_HTTP_EXPORT_ALL": "1", "PATH_INFO": path, "QUERY_STRING": query,
               "REQUEST_METHOD": method, "REMOTE_USER": user, "REMOTE_ADDR": "127.0.0.1",
               "CONTENT_TYPE": self.headers.get("Content-Type") or "",
               "CONTENT_LENGTH": str(len(data)), "GIT_CONFIG_NOSYSTEM": "1",
               "HOME": os.environ.get("HOME", "/")}
        if self.headers.get("Git-Protocol"):
            env["GIT_PROTOCOL"] = self.headers["Git-Protocol"]
        out = subprocess.run(["git", "http-backend"], input=data, env=env,
                             capture_output=True).stdout
        head, _, rest = out.partition(b"\r\n\r\n")
        if not _:
            head, _, rest = out.partition(b"\n\n")
        status = 200
        headers = []
        for line in head.decode(errors="replace").splitlines():
            k, _, v = line.partition(":")
            if k.lower() == "status":
                status = int(v.split()[0])
            elif k:
                headers.append((k, v.strip()))
        self.send_response(status)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(rest)))
        self.end_headers()
        try:
            self.wfile.write(rest)
        except BrokenPipeError:
            pass    # libgit2 hangs up once it has the default branch

    def do_GET(self):
        self.serve("GET")

    def do_POST(self):
        self.serve("POST")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
