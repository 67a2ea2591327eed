"""Form submissions API: GET /api/v1/data/FORMID/DATAID answers one
submission of a form.  http.server; submissions in $STATE_DIR/data.json."""
import json
import os
import re
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer


def submissions():
    with open(os.path.join(os.environ.get("STATE_DIR", "state"), "data.json")) as f:
        return json.load(f)


class DataViewSet(BaseHTTPRequestHandler):
    def retrieve(self, formid, dataid):
        query = {"_xform_id": int(formid)}
        query.update({"_id": int(dataid)})
        for s in submissions():
            if s["_xform_id"] == query["_xform_id"] and s["_id"] == query["_id"]:
                return 200, s
        return 404, {"detail": "Not found."}

    def do_GET(self):
        m = re.fullmatch(r"/api/v1/data/(\w+)/(\w+)", self.path)
        try:
            code, out = self.retrieve(m.group(1), m.group(2)) if m else (404, {"detail": "Not found."})
        except Exception:
            traceback.print_exc()
            code, out = 500, {"detail": "Server error."}
        data = json.dumps(out).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args):
        pass


if __name__ == "__main__":
    sys.stderr.reconfigure(line_buffering=True)
    HTTPServer(("127.0.0.1", int(os.environ.get("PORT", "8000"))), DataViewSet).serve_forever()
