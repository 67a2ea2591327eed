#!/usr/bin/env python3
"""A local stand-in for GitHub's REST API: the pull request calls openpr uses.
(--kind gitea and --kind gitlab speak those forges' dialect of the same
two calls: Gitea's /api/v1 pulls with 409 "pull request already exists",
GitLab's /api/v4 merge_requests with PRIVATE-TOKEN and 409 "Another open
merge request already exists".)

    forge.py --port-file F --slug OWNER/NAME --git BARE.git --token T
             [--log FILE] [--rate 403,429,...] [--hard-limit N]

GET  /repos/{owner}/{repo}/pulls?state=open&head=OWNER:BRANCH
POST /repos/{owner}/{repo}/pulls   (201, or 422 "A pull request already exists")

The POST body is checked against GitHub's documented schema for
"Create a pull request": an object; title (string), head (string) and
base (string) required; body (string), draft (boolean),
maintainer_can_modify (boolean), head_repo (string), issue (integer)
optional; nothing else (stricter than GitHub, to catch typos).  head must
be a branch of the bare repository --git (so the push must have
happened) and base too.  Errors look like GitHub's: 422 "Validation
Failed" with an errors array, 401 "Bad credentials", 404 "Not Found".

--rate answers the first requests with those statuses as GitHub's rate
limits do (403 "secondary rate limit" / 429, both with Retry-After: 1);
--hard-limit N answers the first N requests 403 "API rate limit exceeded"
with x-ratelimit-remaining: 0 and no Retry-After.  --stale-list N answers
the first N listings with [] (a lagging replica), so a POST meets the
422 "already exists".  Every request is
appended to --log as a JSON line {method, path, auth, body}.
"""
import argparse
import json
import os
import subprocess
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ap = argparse.ArgumentParser()
ap.add_argument("--port-file", required=True)
ap.add_argument("--slug", required=True)
ap.add_argument("--git", required=True)
ap.add_argument("--token", required=True)
ap.add_argument("--log")
ap.add_argument("--rate", default="")
ap.add_argument("--hard-limit", type=int, default=0)
ap.add_argument("--stale-list", type=int, default=0)
ap.add_argument("--kind", choices=["github", "gitea", "gitlab"], default="github")
args = ap.parse_args()

lock = threading.Lock()
pulls = []
rate = [int(x) for x in args.rate.split(",") if x]
hard = [args.hard_limit]
stale = [args.stale_list]
DOCS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
SCHEMA = {"title": str, "head": str, "base": str, "body": str, "draft": bool,
          "maintainer_can_modify": bool, "head_repo": str, "issue": int}


def branch_exists(name):
    return subprocess.run(["git", "--git-dir", args.git, "rev-parse", "--verify", "-q",
                           "refs/heads/" + name], capture_output=True).returncode == 0


def validate(body):
    """GitHub's schema for POST /repos/{owner}/{repo}/pulls; a list of errors."""
    if not isinstance(body, dict):
        return [{"resource": "PullRequest", "code": "invalid", "message": "body is not an object"}]
    errs = []
    for k, v in body.items():
        t = SCHEMA.get(k)
        if t is None:
            errs.append({"resource": "PullRequest", "field": k, "code": "unexpected"})
        elif t is int and (isinstance(v, bool) or not isinstance(v, int)) or \
                t is not int and not isinstance(v, t):
            errs.append({"resource": "PullRequest", "field": k, "code": "invalid",
                         "message": "%s is not a %s" % (k, t.__name__)})
    for k in ("head", "base"):
        if k not in body:
            errs.append({"resource": "PullRequest", "field": k, "code": "missing_field"})
    if "title" not in body and "issue" not in body:
        errs.append({"resource": "PullRequest", "field": "title", "code": "missing_field"})
    if not errs:
        if not branch_exists(body["head"].split(":")[-1]):
            errs.append({"resource": "PullRequest", "field": "head", "code": "invalid"})
        if not branch_exists(body["base"]):
            errs.append({"resource": "PullRequest", "field": "base", "code": "invalid"})
    return errs


class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *a):
        pass

    def reply(self, code, obj, headers=()):
        data = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for k, v in headers:
            self.send_header(k, v)
        self.end_headers()
        self.wfile.write(data)

    def handle_any(self, method):
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n) if n else b""
        auth = self.headers.get("Authorization") or ""
        u = urllib.parse.urlparse(self.path)
        if args.log:
            with lock, open(args.log, "a") as f:
                try:
                    body = json.loads(raw) if raw else None
                except ValueError:
                    body = raw.decode(errors="replace")
                f.write(json.dumps({"method": method, "path": self.path,
                                    "auth": auth == "Bearer " + args.token
                                    or auth == "token " + args.token
                                    or self.headers.get("PRIVATE-TOKEN") == args.token,
                                    "accept": self.headers.get("Accept"),
                                    "api_version": self.headers.get("X-GitHub-Api-Version"),
                                    "body": body}) + "\n")
        with lock:
            if hard[0] > 0:
                hard[0] -= 1
                return self.reply(403, {"message": "API rate limit exceeded for user ID 1.",
                                        "documentation_url": "https://docs.github.com/rest"},
                                  [("x-ratelimit-remaining", "0"), ("x-ratelimit-reset", "1")])
            if rate:
                code = rate.pop(0)
                msg = "You have exceeded a secondary rate limit. Please wait a few minutes."
                return self.reply(code, {"message": msg}, [("Retry-After", "1")])
        if args.kind != "github":
            return self.other(method, u, raw)
        if auth not in ("Bearer " + args.token, "token " + args.token):
            return self.reply(401, {"message": "Bad credentials",
                                    "documentation_url": "https://docs.github.com/rest"})
        if u.path != "/repos/%s/pulls" % args.slug:
            return self.reply(404, {"message": "Not Found"})
        owner = args.slug.split("/")[0]
        if method == "GET":
            with lock:
                if stale[0] > 0:
                    stale[0] -= 1
                    return self.reply(200, [])
            q = dict(urllib.parse.parse_qsl(u.query))
            out = [p for p in pulls
                   if q.get("state", "open") in ("all", p["state"])
                   and ("head" not in q or q["head"] == p["head"]["label"])]
            return self.reply(200, out)
        if method != "POST":
            return self.reply(404, {"message": "Not Found"})
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"message": "Problems parsing JSON"})
        errs = validate(body)
        if errs:
            return self.reply(422, {"message": "Validation Failed", "errors": errs,
                                    "documentation_url": DOCS})
        head = body["head"] if ":" in body["head"] else owner + ":" + body["head"]
        with lock:
            for p in pulls:
                if p["head"]["label"] == head and p["base"]["ref"] == body["base"] \
                        and p["state"] == "open":
                    msg = "A pull request already exists for %s." % head
                    return self.reply(422, {"message": "Validation Failed",
                                            "errors": [{"resource": "PullRequest",
                                                        "code": "custom", "message": msg}],
                                            "documentation_url": DOCS})
            num = len(pulls) + 1
            host = "http://%s:%d" % self.server.server_address[:2]
            pr = {"id": 1000 + num, "number": num, "state": "open",
                  "url": "%s/repos/%s/pulls/%d" % (host, args.slug, num),
                  "html_url": "%s/%s/pull/%d" % (host, args.slug, num),
                  "title": body["title"], "body": body.get("body"),
                  "draft": body.get("draft", False),
                  "head": {"label": head, "ref": head.split(":", 1)[1]},
                  "base": {"label": owner + ":" + body["base"], "ref": body["base"]}}
            pulls.append(pr)
        return self.reply(201, pr)

    def other(self, method, u, raw):
        """Gitea and GitLab: list open pulls / merge requests, create one."""
        gl = args.kind == "gitlab"
        ok = (self.headers.get("PRIVATE-TOKEN") == args.token if gl
              else self.headers.get("Authorization") == "token " + args.token)
        if not ok:
            return self.reply(401, {"message": "401 Unauthorized" if gl else "token is required"})
        want = ("/api/v4/projects/%s/merge_requests" % urllib.parse.quote(args.slug, safe="")
                if gl else "/api/v1/repos/%s/pulls" % args.slug)
        if u.path != want:
            return self.reply(404, {"message": "404 Project Not Found" if gl else "Not Found"})
        q = dict(urllib.parse.parse_qsl(u.query))
        if method == "GET":
            with lock:
                if stale[0] > 0:
                    stale[0] -= 1
                    return self.reply(200, [])
                if gl:
                    out = [p for p in pulls if p["state"] == "opened"
                           and q.get("source_branch") in (None, p["source_branch"])]
                else:
                    out = [p for p in pulls if p["state"] == "open"][:int(q.get("limit", 50))]
            return self.reply(200, out)
        try:
            body = json.loads(raw)
        except ValueError:
            return self.reply(400, {"message": "bad JSON"})
        need = ("source_branch", "target_branch", "title") if gl else ("head", "base", "title")
        missing = [k for k in need if not isinstance(body.get(k), str)]
        if missing:
            return self.reply(422 if not gl else 400, {"message": "%s is missing" % missing[0]})
        head = body["source_branch" if gl else "head"]
        base = body["target_branch" if gl else "base"]
        if not branch_exists(head):
            return self.reply(422 if not gl else 400, {"message": "head branch does not exist"})
        host = "http://%s:%d" % self.server.server_address[:2]
        with lock:
            for p in pulls:
                if (p.get("source_branch") or p["head"]["ref"]) == head:
                    msg = ("Another open merge request already exists for this source branch: !%d"
                           % p["iid"] if gl else
                           "pull request already exists for these targets [id: %d, headBranch: %s,"
                           " baseBranch: %s]" % (p["id"], head, base))
                    return self.reply(409, {"message": [msg] if gl else msg})
            num = len(pulls) + 1
            if gl:
                pr = {"id": 500 + num, "iid": num, "state": "opened", "title": body["title"],
                      "description": body.get("description"), "source_branch": head,
                      "target_branch": base, "draft": body["title"].startswith("Draft:"),
                      "web_url": "%s/%s/-/merge_requests/%d" % (host, args.slug, num)}
            else:
                pr = {"id": 500 + num, "number": num, "state": "open", "title": body["title"],
                      "body": body.get("body"), "head": {"ref": head}, "base": {"ref": base},
                      "html_url": "%s/%s/pulls/%d" % (host, args.slug, num)}
            pulls.append(pr)
        return self.reply(201, pr)

    def do_GET(self):
        self.handle_any("GET")

    def do_POST(self):
        self.handle_any("POST")

    def do_PATCH(self):
        self.handle_any("PATCH")


srv = ThreadingHTTPServer(("127.0.0.1", 0), H)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(srv.server_address[1]))
os.rename(args.port_file + ".tmp", args.port_file)
srv.serve_forever()
