"""Internships home, a WSGI app on wsgiref.  GET /internships?user=U answers
the user's registration number (noma) and the open internships.
People and internships come from $STATE_DIR/people.json, internships.json."""
import json
import os
import sys
import traceback
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, make_server

from home import internships_home


def load(name):
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), name)) as f:
        return json.load(f)


def app(environ, start_response):
    q = parse_qs(environ.get("QUERY_STRING", ""))
    try:
        if environ["PATH_INFO"] == "/internships" and q.get("user"):
            status, body = "200 OK", internships_home(q["user"][0], load("people.json"),
                                                     load("internships.json"))
        else:
            status, body = "404 Not Found", {"error": "not found"}
    except Exception:
        traceback.print_exc()
        status, body = "500 Internal Server Error", {"error": "internal server error"}
    data = json.dumps(body).encode()
    start_response(status, [("Content-Type", "application/json")])
    return [data]


class Quiet(WSGIRequestHandler):
    def log_message(self, *args):
        pass


if __name__ == "__main__":
    sys.stderr.reconfigure(line_buffering=True)
    make_server("127.0.0.1", int(os.environ.get("PORT", "8000")), app,
                handler_class=Quiet).serve_forever()
