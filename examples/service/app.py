"""orders - a small web service that mend's demo watches, breaks and heals.

It serves a shop's orders and their statistics from a JSON file, re-read
on every request (so an operator, or the demo, can change it while the
service runs):

    GET /health   {"status": "ok"}
    GET /orders   the orders
    GET /stats    {"orders": N, "total": T, "average": A}

Configuration comes from the environment: PORT (default 8080), HOST
(default 127.0.0.1), DATA_FILE (default data/orders.json beside this
file) and LOG_FILE (default: standard error).  A request that fails is
answered 500 and its full traceback goes to the log, as most services do.

Standard library only: python3 app.py is all it takes to run it.
"""

import json
import logging
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HERE = os.path.dirname(os.path.abspath(__file__))
log = logging.getLogger("orders")


def data_file():
    return os.environ.get("DATA_FILE") or os.path.join(HERE, "data", "orders.json")


def load_orders(path=None):
    with open(path or data_file(), encoding="utf-8") as f:
        return json.load(f)


def average(values):
    total = sum(values)
    count = len(values)
    return total / count


def stats(orders):
    amounts = [o["amount"] for o in orders]
    return {
        "orders": len(amounts),
        "total": round(sum(amounts), 2),
        "average": average(amounts),
    }


class Handler(BaseHTTPRequestHandler):
    server_version = "orders/1.0"

    def send_json(self, status, obj):
        body = json.dumps(obj).encode() + b"\n"
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        try:
            if path == "/health":
                self.send_json(200, {"status": "ok"})
            elif path == "/orders":
                self.send_json(200, load_orders())
            elif path == "/stats":
                self.send_json(200, stats(load_orders()))
            else:
                self.send_json(404, {"error": "not found"})
        except Exception:
            log.exception("GET %s failed", self.path)
            self.send_json(500, {"error": "internal server error"})

    def log_message(self, fmt, *args):
        log.info("%s %s", self.address_string(), fmt % args)


def setup_logging():
    target = os.environ.get("LOG_FILE")
    handler = logging.FileHandler(target) if target else logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    log.addHandler(handler)
    log.setLevel(logging.INFO)


def main():
    setup_logging()
    host = os.environ.get("HOST", "127.0.0.1")
    port = int(os.environ.get("PORT", "8080"))
    server = ThreadingHTTPServer((host, port), Handler)
    server.daemon_threads = True

    def stop(signum, frame):
        # shutdown() waits for serve_forever() to return: not from its thread.
        threading.Thread(target=server.shutdown).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    log.info("listening on http://%s:%d", host, server.server_address[1])
    server.serve_forever(poll_interval=0.1)
    server.server_close()
    log.info("stopped")


if __name__ == "__main__":
    main()
