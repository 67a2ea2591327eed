#!/usr/bin/env python3
"""http_server.py - the test HTTP server of probe's tests.

    http_server.py PORTFILE [--tls CERT KEY]

Listens on 127.0.0.1 on a free port and writes that port to PORTFILE
once it accepts connections (so tests never race a fixed port).
Endpoints:
    /ok          200 "hello from mend tests"
    /500 /503    that status
    /hang        accepts, then says nothing for 60 s
    /close       closes the connection without a response
    /redirect    302 to /ok
    /slow?ms=N   200 after N milliseconds
    /echo        200, the request method, headers and body as JSON
    /count       200, how many requests this server has served
    /conns       200, how many connections it has accepted
"""
import json
import os
import socket
import ssl
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse, parse_qs

served = 0
conns = 0
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def setup(self):
        global conns
        with lock:
            conns += 1
        super().setup()

    def reply(self, status, body, ctype="text/plain", extra=()):
        data = body.encode()
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(data)))
        for k, v in extra:
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def handle_any(self):
        global served
        with lock:
            served += 1
        u = urlparse(self.path)
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n).decode() if n else ""
        if u.path == "/ok":
            self.reply(200, "hello from mend tests\n")
        elif u.path in ("/500", "/503"):
            self.reply(int(u.path[1:]), "broken\n")
        elif u.path == "/hang":
            time.sleep(60)
        elif u.path == "/close":
            self.close_connection = True
            try:
                self.connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        elif u.path == "/redirect":
            self.reply(302, "", extra=[("Location", "/ok")])
        elif u.path == "/slow":
            ms = int(parse_qs(u.query).get("ms", ["100"])[0])
            time.sleep(ms / 1000)
            self.reply(200, "slow\n")
        elif u.path == "/echo":
            self.reply(200, json.dumps({"method": self.command,
                                        "headers": dict(self.headers),
                                        "body": body}), "application/json")
        elif u.path == "/count":
            self.reply(200, "%d\n" % served)
        elif u.path == "/conns":
            self.reply(200, "%d\n" % conns)
        else:
            self.reply(404, "not found\n")

    do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = handle_any


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256


def main():
    srv = Server(("127.0.0.1", 0), Handler)
    if len(sys.argv) > 2 and sys.argv[2] == "--tls":
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(sys.argv[3], sys.argv[4])
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    tmp = sys.argv[1] + ".tmp"
    with open(tmp, "w") as f:
        f.write("%d\n" % srv.server_address[1])
    os.rename(tmp, sys.argv[1])
    srv.serve_forever()


if __name__ == "__main__":
    main()
