"""A latency report: GET /latency answers the mean of the samples in
$STATE_DIR/samples.json (a list of {"path", "ms"}).  One handler class,
routes in a table."""
import json
import os
import statistics
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer


def load_samples():
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), "samples.json")) as f:
        return json.load(f)


class Report(BaseHTTPRequestHandler):
    def latency(self):
        samples = [s["ms"] for s in load_samples() if s.get("ms") is not None]
        mean = statistics.mean(samples)
        return {"samples": len(samples), "mean_ms": mean}

    ROUTES = {"/latency": latency}

    def do_GET(self):
        route = self.ROUTES.get(self.path.split("?")[0])
        try:
            code, body = (200, route(self)) if route else (404, {"error": "not found"})
        except Exception:
            traceback.print_exc(file=sys.stderr)
            code, body = 500, {"error": "internal server error"}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Report).serve_forever()
