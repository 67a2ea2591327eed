"""Loyalty points, a WSGI app on wsgiref.  GET /points/ID answers the
account's points plus the welcome bonus (WELCOME_BONUS, default 5).
Accounts come from $STATE_DIR/accounts.json."""
import json
import os
import sys
import traceback
from wsgiref.simple_server import WSGIRequestHandler, make_server

from ledger import balance


def accounts():
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), "accounts.json")) as f:
        return json.load(f)


def app(environ, start_response):
    path = environ.get("PATH_INFO", "")
    try:
        if path.startswith("/points/"):
            acct = accounts().get(path.rsplit("/", 1)[1])
            if acct is None:
                status, body = "404 Not Found", {"error": "no such account"}
            else:
                bonus = int(os.environ.get("WELCOME_BONUS", "5"))
                status, body = "200 OK", {"points": balance(acct, bonus)}
        else:
            status, body = "404 Not Found", {"error": "not found"}
    except Exception:
        traceback.print_exc(file=sys.stderr)
        status, body = "500 Internal Server Error", {"error": "internal server error"}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json"),
                            ("Content-Length", str(len(data)))])
    return [data]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    make_server("127.0.0.1", int(os.environ.get("PORT", "8080")), app,
                handler_class=Quiet).serve_forever()
