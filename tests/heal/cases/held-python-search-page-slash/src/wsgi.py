"""Vulnerable package search, a WSGI app on wsgiref.
GET /packages/search?type=T&name=N&page=P answers one page of the packages of
type T whose name contains N.  Packages come from $STATE_DIR/packages.json."""
import json
import os
import sys
import traceback
from urllib.parse import parse_qsl
from wsgiref.simple_server import WSGIRequestHandler, make_server

from views import search


def packages():
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), "packages.json")) as f:
        return json.load(f)


def application(environ, start_response):
    GET = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    try:
        if environ["PATH_INFO"] == "/packages/search":
            status, body = "200 OK", search(packages(), GET)
        else:
            status, body = "404 Not Found", {"error": "not found"}
    except Exception:
        traceback.print_exc()
        status, body = "500 Internal Server Error", {"error": "internal server error"}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))])
    return [data]


class Handler(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    sys.stderr.reconfigure(line_buffering=True)
    make_server("127.0.0.1", int(os.environ.get("PORT", "8000")), application,
                handler_class=Handler).serve_forever()
