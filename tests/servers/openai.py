#!/usr/bin/env python3
"""A small OpenAI-compatible chat completions server for tests.

    openai.py --port N --script SCRIPT.json --log REQUESTS.jsonl

SCRIPT is a JSON array of steps, used one per request, in order; the last
step repeats.  A step is one of
    {"content": "..."}                 200 with that assistant message
    {"status": 429, "retry_after": 1}  429, Retry-After header, OpenAI error body
    {"status": 500}                    500 with an OpenAI error body
    {"raw": "..."}                     200 with this body as is (not JSON)
    {"hang": 5}                        sleep that long before answering 200
    {"content": null, "tool_calls": [{"name": "read_file", "arguments": "{}"}]}
                                       an assistant message calling tools
    {"reasoning_content": "..."}       the reasoning field DeepSeek and vLLM send
    {"finish_reason": "length"}        any finish_reason (default "stop")
    {"status": 429, "retry_after_date": 2}
                                       Retry-After as an HTTP-date 2 s ahead
A POST to any path ending in /chat/completions is served (Azure OpenAI's
/openai/deployments/NAME/chat/completions?api-version=... too).
A step may add "no_temperature": true: a request carrying "temperature"
then gets 400 as reasoning models answer it, and does not use up the step.
Each request (method, path, headers, parsed body) is appended to the log
as one JSON line, so a test can check what was sent.  GET /healthz answers
200 for wait_for.
"""
import argparse
import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

lock = threading.Lock()
state = {"n": 0}


def retry_after(step):
    if "retry_after_date" in step:
        from email.utils import formatdate
        return formatdate(time.time() + step["retry_after_date"], usegmt=True)
    return str(step.get("retry_after", 1))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, required=True)
    ap.add_argument("--script", required=True)
    ap.add_argument("--log", required=True)
    args = ap.parse_args()
    with open(args.script) as f:
        script = json.load(f)

    class H(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, *a):
            pass

        def send(self, status, body, headers=()):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for k, v in headers:
                self.send_header(k, v)
            self.end_headers()
            try:
                self.wfile.write(data)
            except OSError:
                pass

        def do_GET(self):
            if self.path == "/healthz":
                return self.send(200, "{}")
            self.send(404, '{"error":{"message":"not found"}}')

        def do_POST(self):
            n = int(self.headers.get("Content-Length") or 0)
            raw = self.rfile.read(n)
            try:
                body = json.loads(raw)
            except ValueError:
                body = None
            with lock:
                i = state["n"]
                step = script[min(i, len(script) - 1)]
                refuse = step.get("no_temperature") and body and "temperature" in body
                if not refuse:
                    state["n"] += 1
                with open(args.log, "a") as f:
                    f.write(json.dumps({"path": self.path, "headers": dict(self.headers),
                                        "body": body}) + "\n")
            if not self.path.split("?")[0].endswith("/chat/completions"):
                return self.send(404, '{"error":{"message":"unknown path"}}')
            if not body or "messages" not in body or "model" not in body:
                return self.send(400, '{"error":{"message":"messages and model required"}}')
            if refuse:
                return self.send(400, json.dumps({"error": {
                    "message": "Unsupported value: 'temperature' does not support 0 with this "
                               "model. Only the default (1) value is supported.",
                    "type": "invalid_request_error", "param": "temperature",
                    "code": "unsupported_value"}}))
            if "hang" in step:
                time.sleep(step["hang"])
            status = step.get("status", 200)
            if status == 429:
                return self.send(429, json.dumps({"error": {"message": "Rate limit reached",
                                 "type": "requests", "code": "rate_limit_exceeded"}}),
                                 [("Retry-After", retry_after(step))])
            if status >= 500:
                return self.send(status, json.dumps({"error": {"message": "The server had an error",
                                 "type": "server_error"}}))
            if "raw" in step:
                return self.send(200, step["raw"])
            message = {"role": "assistant", "content": step.get("content", "")}
            if "reasoning_content" in step:
                message["reasoning_content"] = step["reasoning_content"]
            if "tool_calls" in step:
                message["tool_calls"] = [
                    {"id": "call_%d" % k, "type": "function",
                     "function": {"name": c["name"], "arguments": c.get("arguments", "{}")}}
                    for k, c in enumerate(step["tool_calls"])]
            finish = step.get("finish_reason", "tool_calls" if "tool_calls" in step else "stop")
            resp = {
                "id": "chatcmpl-test%d" % i,
                "object": "chat.completion",
                "created": int(time.time()),
                "model": body["model"],
                "choices": [{"index": 0, "finish_reason": finish, "message": message}],
                "usage": {"prompt_tokens": 10, "completion_tokens": 10, "total_tokens": 20},
            }
            self.send(200, json.dumps(resp))

    srv = ThreadingHTTPServer(("127.0.0.1", args.port), H)
    srv.daemon_threads = True
    try:
        srv.serve_forever()
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    sys.exit(main())
