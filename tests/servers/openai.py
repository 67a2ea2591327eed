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
/openai/deployments/NAME/chat/completions?api-version=... too), and so is
/responses (the Responses API Codex CLI speaks), and /v1/messages (the
Anthropic Messages API Claude Code speaks, streamed).  A request with
"stream": true gets Server-Sent Events: chat.completion.chunk deltas and
"data: [DONE]", or the Responses API's response.created,
response.output_item.done and response.completed events.

For coding agents, SCRIPT may instead be an object
    {"turns": [STEP, ...], "plain": STEP}
where the step answering a request is chosen by the conversation, as a
model's answer would be: turns[k] when the request carries k tool
results (role "tool" messages, function_call_output items), the last
repeating; "plain" for requests that offer no tools (an agent's title or
summary requests).  A turn step may be
    {"call": {"name": "exec_command", "arguments": {...}}}
                                       a call of one of the agent's tools
In a call's arguments "{cwd}" is the working directory the agent's
prompt names ("working directory: DIR"), as a model would read it there.
A step may add "no_temperature": true: a request carrying "temperature"
then gets 400 as reasoning models answer it, and does not use up the step.
Each request (method, path, headers, parsed body) is appended to the log
as one JSON line, so a test can check what was sent.  GET /healthz answers
200 for wait_for.
"""
import argparse
import json
import re
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


def tool_results(body):
    """How many tool results the conversation carries."""
    n = 0
    for m in body.get("messages") or []:
        if isinstance(m, dict) and m.get("role") == "tool":
            n += 1
        elif isinstance(m, dict) and isinstance(m.get("content"), list):
            n += sum(1 for c in m["content"]
                     if isinstance(c, dict) and c.get("type") == "tool_result")
    inp = body.get("input")
    if isinstance(inp, list):
        for it in inp:
            if isinstance(it, dict) and it.get("type") in ("function_call_output",
                                                           "custom_tool_call_output"):
                n += 1
    return n


def pick(script, body, i):
    if isinstance(script, list):
        return script[min(i, len(script) - 1)]
    if not body.get("tools") and "plain" in script:
        return script["plain"]
    turns = script["turns"]
    return turns[min(tool_results(body), len(turns) - 1)]


def working_dir(body):
    m = re.search(r'[Ww]orking [Dd]irectory: ([^\s"\\]+)', json.dumps(body))
    return m.group(1) if m else ""


def step_calls(step, body=None):
    """[(name, arguments as a JSON string)] of a step."""
    calls = []
    if "call" in step:
        c = step["call"]
        args = c.get("arguments", {})
        args = args if isinstance(args, str) else json.dumps(args)
        if body is not None and "{cwd}" in args:
            args = args.replace("{cwd}", working_dir(body))
        calls.append((c["name"], args))
    for c in step.get("tool_calls", []):
        calls.append((c["name"], c.get("arguments", "{}")))
    return calls


def sse(events):
    return "".join("%sdata: %s\n\n" % ("event: %s\n" % e["type"] if "type" in e else "",
                                        json.dumps(e)) for e in events)


def responses_answer(step, body, i):
    """A Responses API answer: (the response object, its SSE events)."""
    rid = "resp_test%d" % i
    items = []
    for k, (name, args) in enumerate(step_calls(step, body)):
        items.append({"type": "function_call", "id": "fc_%d_%d" % (i, k),
                      "call_id": "call_%d_%d" % (i, k), "name": name, "arguments": args,
                      "status": "completed"})
    if not items or step.get("content"):
        items.append({"type": "message", "id": "msg_test%d" % i, "role": "assistant",
                      "status": "completed",
                      "content": [{"type": "output_text", "text": step.get("content") or "",
                                   "annotations": []}]})
    usage = {"input_tokens": 10, "input_tokens_details": {"cached_tokens": 0},
             "output_tokens": 10, "output_tokens_details": {"reasoning_tokens": 0},
             "total_tokens": 20}
    resp = {"id": rid, "object": "response", "created_at": int(time.time()),
            "status": "completed", "model": body.get("model"), "output": items,
            "usage": usage}
    events = [{"type": "response.created", "sequence_number": 0,
               "response": dict(resp, status="in_progress", output=[])}]
    for k, it in enumerate(items):
        events.append({"type": "response.output_item.added", "output_index": k,
                       "item": dict(it, status="in_progress")})
        if it["type"] == "message":
            events.append({"type": "response.output_text.delta", "item_id": it["id"],
                           "output_index": k, "content_index": 0,
                           "delta": it["content"][0]["text"]})
        events.append({"type": "response.output_item.done", "output_index": k, "item": it})
    events.append({"type": "response.completed", "response": resp})
    for n, e in enumerate(events):
        e["sequence_number"] = n
    return resp, sse(events)


def messages_events(step, body, i):
    """An Anthropic Messages API answer as its stream of events."""
    blocks = []
    if step.get("content"):
        blocks.append({"type": "text", "text": step["content"]})
    for k, (name, args) in enumerate(step_calls(step, body)):
        blocks.append({"type": "tool_use", "id": "toolu_%d_%d" % (i, k), "name": name,
                       "input": json.loads(args)})
    if not blocks:
        blocks.append({"type": "text", "text": ""})
    stop = "tool_use" if any(b["type"] == "tool_use" for b in blocks) else "end_turn"
    ev = [{"type": "message_start", "message": {
        "id": "msg_test%d" % i, "type": "message", "role": "assistant",
        "model": body.get("model"), "content": [], "stop_reason": None,
        "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 1}}}]
    for k, b in enumerate(blocks):
        if b["type"] == "text":
            ev.append({"type": "content_block_start", "index": k,
                       "content_block": {"type": "text", "text": ""}})
            ev.append({"type": "content_block_delta", "index": k,
                       "delta": {"type": "text_delta", "text": b["text"]}})
        else:
            ev.append({"type": "content_block_start", "index": k, "content_block": dict(
                b, input={})})
            ev.append({"type": "content_block_delta", "index": k, "delta": {
                "type": "input_json_delta", "partial_json": json.dumps(b["input"])}})
        ev.append({"type": "content_block_stop", "index": k})
    ev.append({"type": "message_delta", "delta": {"stop_reason": stop, "stop_sequence": None},
               "usage": {"output_tokens": 10}})
    ev.append({"type": "message_stop"})
    message = {"id": "msg_test%d" % i, "type": "message", "role": "assistant",
               "model": body.get("model"), "content": blocks, "stop_reason": stop,
               "stop_sequence": None, "usage": {"input_tokens": 10, "output_tokens": 10}}
    return message, sse(ev)


def chat_chunks(message, finish, body, i):
    """A chat completion as stream chunks, the way OpenAI sends them."""
    base = {"id": "chatcmpl-test%d" % i, "object": "chat.completion.chunk",
            "created": int(time.time()), "model": body["model"]}
    out = [dict(base, choices=[{"index": 0, "delta": {"role": "assistant", "content": ""},
                                "finish_reason": None}])]
    if message.get("content"):
        out.append(dict(base, choices=[{"index": 0, "delta": {"content": message["content"]},
                                        "finish_reason": None}]))
    for k, c in enumerate(message.get("tool_calls", [])):
        out.append(dict(base, choices=[{"index": 0, "delta": {"tool_calls": [
            {"index": k, "id": c["id"], "type": "function",
             "function": {"name": c["function"]["name"],
                          "arguments": c["function"]["arguments"]}}]},
            "finish_reason": None}]))
    out.append(dict(base, choices=[{"index": 0, "delta": {}, "finish_reason": finish}],
                    usage={"prompt_tokens": 10, "completion_tokens": 10,
                           "total_tokens": 20}))
    return "".join("data: %s\n\n" % json.dumps(c) for c in out) + "data: [DONE]\n\n"


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

        def send(self, status, body, headers=(), ctype="application/json"):
            data = body.encode() if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", ctype)
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
                step = pick(script, body if isinstance(body, dict) else {}, i)
                refuse = step.get("no_temperature") and body and "temperature" in body
                if not refuse:
                    state["n"] += 1
                with open(args.log, "a") as f:
                    f.write(json.dumps({"path": self.path, "headers": dict(self.headers),
                                        "body": body}) + "\n")
            path = self.path.split("?")[0]
            if path.endswith("/v1/messages"):
                if not body or "messages" not in body or "model" not in body:
                    return self.send(400, json.dumps({"type": "error", "error": {
                        "type": "invalid_request_error", "message": "messages required"}}))
                message, events = messages_events(step, body, i)
                if body.get("stream"):
                    return self.send(200, events, ctype="text/event-stream")
                return self.send(200, json.dumps(message))
            if path.endswith("/responses"):
                if not body or "input" not in body or "model" not in body:
                    return self.send(400, '{"error":{"message":"input and model required"}}')
                resp, events = responses_answer(step, body, i)
                if body.get("stream"):
                    return self.send(200, events, ctype="text/event-stream")
                return self.send(200, json.dumps(resp))
            if not path.endswith("/chat/completions"):
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
            calls = step_calls(step, body)
            if calls:
                message["tool_calls"] = [
                    {"id": "call_%d_%d" % (i, k), "type": "function",
                     "function": {"name": name, "arguments": args}}
                    for k, (name, args) in enumerate(calls)]
            finish = step.get("finish_reason", "tool_calls" if calls else "stop")
            if body.get("stream"):
                return self.send(200, chat_chunks(message, finish, body, i),
                                 ctype="text/event-stream")
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
