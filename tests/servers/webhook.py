#!/usr/bin/env python3
"""webhook.py - a local stand-in for Slack incoming webhooks and Discord
webhooks (and a plain JSON receiver), for notify's tests.

It speaks their wire formats as documented: Slack answers 200 "ok" and
plain-text errors (400 invalid_payload / no_text / invalid_blocks, 403
invalid_token, 404 no_service, 429 with Retry-After); Discord answers 204
(or 200 with the message under ?wait=true) and JSON errors (400 50035
"Invalid Form Body" with an errors tree, 50006 empty message, 50109 bad
JSON, 401 50027, 404 10015, 429 with retry_after in the body and
Retry-After / X-RateLimit-* headers).  Payloads are checked against the
services' documented limits; a payload over a limit gets the error the
service would send.

The last path segment (the webhook token) chooses the behaviour:
  ok...           accept
  ratelimitN...   answer 429 to the first N requests on this path, then accept
  failN...        answer 500 to the first N requests, then accept
  down...         always 503
  gone...         404 (webhook deleted)
  badtoken...     403 (Slack) / 401 (Discord)
  slow...         wait 3 s, then accept

Paths: /services/T/B/TOKEN (Slack), /api/webhooks/ID/TOKEN (Discord),
/json/TOKEN (JSON).  Every request is appended to --log as one JSON line:
{t, path, kind, status, body (parsed when JSON), violations,
content_type}.

usage: webhook.py --port-file FILE --log FILE
"""
import argparse
import json
import re
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def u16(s):
    """Length as Slack and Discord count it (UTF-16 code units)."""
    return len(s.encode("utf-16-le")) // 2


def slack_violations(p):
    v = []
    if not isinstance(p, dict):
        return ["payload is not an object"]
    text, blocks = p.get("text"), p.get("blocks")
    if text is not None and not isinstance(text, str):
        v.append("text is not a string")
    if isinstance(text, str) and u16(text) > 40000:
        v.append("text over 40000")
    if blocks is None:
        return v
    if not isinstance(blocks, list):
        return v + ["blocks is not an array"]
    if len(blocks) > 50:
        v.append("more than 50 blocks")

    def txt(o, where, maxlen, kinds=("plain_text", "mrkdwn")):
        if not isinstance(o, dict) or o.get("type") not in kinds:
            v.append(f"{where}: bad text object")
            return
        t = o.get("text")
        if not isinstance(t, str) or not t:
            v.append(f"{where}: empty text")
        elif u16(t) > maxlen:
            v.append(f"{where}: text over {maxlen}")

    for i, b in enumerate(blocks):
        w = f"blocks[{i}]"
        t = b.get("type") if isinstance(b, dict) else None
        if t == "header":
            txt(b.get("text"), w, 150, ("plain_text",))
        elif t == "section":
            if "text" not in b and "fields" not in b:
                v.append(f"{w}: section without text or fields")
            if "text" in b:
                txt(b["text"], w, 3000)
            if "fields" in b:
                f = b["fields"]
                if not isinstance(f, list) or len(f) > 10:
                    v.append(f"{w}: more than 10 fields")
                else:
                    for j, x in enumerate(f):
                        txt(x, f"{w}.fields[{j}]", 2000)
        elif t == "actions":
            els = b.get("elements") or []
            if len(els) > 25:
                v.append(f"{w}: more than 25 elements")
            for j, e in enumerate(els):
                if e.get("type") == "button":
                    txt(e.get("text"), f"{w}.elements[{j}]", 75, ("plain_text",))
                    if u16(e.get("url", "")) > 3000:
                        v.append(f"{w}.elements[{j}]: url over 3000")
                    if u16(e.get("action_id", "")) > 255:
                        v.append(f"{w}.elements[{j}]: action_id over 255")
        elif t == "context":
            els = b.get("elements") or []
            if not els or len(els) > 10:
                v.append(f"{w}: context needs 1 to 10 elements")
            for j, e in enumerate(els):
                txt(e, f"{w}.elements[{j}]", 3000)
        elif t == "divider":
            pass
        else:
            v.append(f"{w}: unknown block type {t!r}")
    return v


def discord_errors(p):
    """Discord's nested errors object, and the flat list of what failed."""
    errors, flat = {}, []

    def add(path, code, msg):
        node = errors
        for k in path:
            node = node.setdefault(str(k), {})
        node.setdefault("_errors", []).append({"code": code, "message": msg})
        flat.append(".".join(str(k) for k in path) + ": " + msg)

    def maxlen(path, s, n):
        if s is not None and u16(str(s)) > n:
            add(path, "BASE_TYPE_MAX_LENGTH", f"Must be {n} or fewer in length.")

    maxlen(["content"], p.get("content"), 2000)
    embeds = p.get("embeds") or []
    if len(embeds) > 10:
        add(["embeds"], "BASE_TYPE_MAX_LENGTH", "Must be 10 or fewer in length.")
    total = 0
    for i, e in enumerate(embeds):
        path = ["embeds", i]
        maxlen(path + ["title"], e.get("title"), 256)
        maxlen(path + ["description"], e.get("description"), 4096)
        fields = e.get("fields") or []
        if len(fields) > 25:
            add(path + ["fields"], "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
        for j, f in enumerate(fields):
            if not f.get("name") or not f.get("value"):
                add(path + ["fields", j], "BASE_TYPE_REQUIRED", "This field is required")
            maxlen(path + ["fields", j, "name"], f.get("name"), 256)
            maxlen(path + ["fields", j, "value"], f.get("value"), 1024)
            total += u16(str(f.get("name", ""))) + u16(str(f.get("value", "")))
        footer = (e.get("footer") or {}).get("text")
        maxlen(path + ["footer", "text"], footer, 2048)
        author = (e.get("author") or {}).get("name")
        maxlen(path + ["author", "name"], author, 256)
        total += sum(u16(str(x or "")) for x in (e.get("title"), e.get("description"),
                                                 footer, author))
    if total > 6000:
        add(["embeds"], "MAX_EMBED_SIZE_EXCEEDED", "Embed size exceeds maximum size of 6000")
    return errors, flat


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    counts = {}
    lock = threading.Lock()
    log_path = None
    kind, raw, parsed, violations = "none", b"", None, ()

    def log_message(self, fmt, *args):
        pass

    def send(self, status, body=b"", ctype="text/plain", headers=()):
        """Log the request, then answer: a client that got the answer finds
        its request in the log (and in the order it sent them)."""
        self.record(self.kind, status, self.raw, self.parsed, self.violations)
        if isinstance(body, (dict, list)):
            body, ctype = json.dumps(body).encode(), "application/json"
        elif isinstance(body, str):
            body = body.encode()
        self.send_response(status)
        if status != 204:
            self.send_header("Content-Type", ctype)
        for k, val in headers:
            self.send_header(k, val)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if status != 204:
            self.wfile.write(body)
        return status

    def record(self, kind, status, raw, parsed, violations):
        entry = {"t": time.time(), "path": self.path, "kind": kind, "status": status,
                 "content_type": self.headers.get("Content-Type"),
                 "body": parsed if parsed is not None else raw.decode("utf-8", "replace"),
                 "violations": violations}
        with self.lock:
            with open(self.log_path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry) + "\n")

    def do_GET(self):
        self.send(405, "method not allowed")

    def do_POST(self):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        path = self.path.split("?", 1)[0]
        if path.startswith("/services/"):
            kind = "slack"
        elif path.startswith("/api/webhooks/"):
            kind = "discord"
        elif path.startswith("/json/"):
            kind = "json"
        else:
            kind = "none"
        self.kind, self.raw, self.parsed, self.violations = kind, raw, None, []
        if kind == "none":
            self.send(404, "not found")
            return
        token = path.rstrip("/").rsplit("/", 1)[-1]
        with self.lock:
            seen = self.counts.get(path, 0)
            self.counts[path] = seen + 1
        try:
            self.parsed = json.loads(raw)
        except ValueError:
            self.parsed = None
        self.behave(kind, token, seen, self.parsed)

    def check(self, violations):
        self.violations = violations
        return violations

    def behave(self, kind, token, seen, parsed):
        m = re.match(r"(ratelimit|fail)(\d+)", token)
        if token.startswith("slow"):
            time.sleep(3)
        if m and seen < int(m.group(2)):
            if m.group(1) == "ratelimit":
                if kind == "discord":
                    return self.send(429, {"message": "You are being rate limited.",
                                           "retry_after": 0.3, "global": False},
                                     headers=[("Retry-After", "1"),
                                              ("X-RateLimit-Limit", "5"),
                                              ("X-RateLimit-Remaining", "0"),
                                              ("X-RateLimit-Reset-After", "0.300"),
                                              ("X-RateLimit-Bucket", "abcd1234"),
                                              ("X-RateLimit-Scope", "user")])
                return self.send(429, "rate_limited", headers=[("Retry-After", "1")])
            if kind == "discord":
                return self.send(500, {"message": "500: Internal Server Error", "code": 0})
            return self.send(500, "rollup_error")
        if token.startswith("down"):
            return self.send(503, "service unavailable")
        if token.startswith("gone"):
            if kind == "discord":
                return self.send(404, {"message": "Unknown Webhook", "code": 10015})
            return self.send(404, "no_service")
        if token.startswith("badtoken"):
            if kind == "discord":
                return self.send(401, {"message": "Invalid Webhook Token", "code": 50027})
            return self.send(403, "invalid_token")
        if kind == "slack":
            if not isinstance(parsed, dict):
                self.check(["bad JSON"])
                return self.send(400, "invalid_payload")
            if not parsed.get("text") and not parsed.get("blocks"):
                self.check(["no text"])
                return self.send(400, "no_text")
            if self.check(slack_violations(parsed)):
                return self.send(400, "invalid_blocks")
            return self.send(200, "ok", "text/html")
        if kind == "discord":
            if not isinstance(parsed, dict):
                self.check(["bad JSON"])
                return self.send(400, {"code": 50109,
                                       "message": "The request body contains invalid JSON."})
            if not parsed.get("content") and not parsed.get("embeds"):
                self.check(["empty"])
                return self.send(400, {"code": 50006, "message": "Cannot send an empty message"})
            errors, flat = discord_errors(parsed)
            if self.check(flat):
                return self.send(400, {"code": 50035, "errors": errors,
                                       "message": "Invalid Form Body"})
            if "wait=true" in self.path:
                return self.send(200, {"id": "1", "type": 0, "content": parsed.get("content", ""),
                                       "embeds": parsed.get("embeds", [])})
            return self.send(204)
        if parsed is None:
            self.check(["bad JSON"])
            return self.send(400, {"error": "bad JSON"})
        return self.send(200, {"ok": True})


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port-file", required=True)
    ap.add_argument("--log", required=True)
    a = ap.parse_args()
    Handler.log_path = a.log
    open(a.log, "a").close()
    srv = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    srv.daemon_threads = True
    with open(a.port_file + ".tmp", "w") as f:
        f.write(str(srv.server_address[1]))
    import os
    os.rename(a.port_file + ".tmp", a.port_file)
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
