"""A sign-up form handler: POST /signup (application/x-www-form-urlencoded,
name and age).  Validation helpers are in forms.py."""
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs

import forms

USERS = []


def create(fields):
    user = {"name": fields.get("name", [""])[0], "age": forms.age(fields)}
    USERS.append(user)
    return 201, dict(user, id=len(USERS))


def dispatch(path, fields):
    if path == "/signup":
        return create(fields)
    return 404, {"error": "not found"}


class Handler(BaseHTTPRequestHandler):
    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        fields = parse_qs(self.rfile.read(n).decode(), keep_blank_values=True)
        try:
            code, body = dispatch(self.path, fields)
        except Exception:
            traceback.print_exc(file=sys.stderr)
            code, body = 500, {"error": "internal server error"}
        data = json.dumps(body).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8080"))), Handler).serve_forever()
