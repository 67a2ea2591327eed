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

Checks and merging (openpr --wait-checks, --merge), in each forge's
documented payloads:

GitHub  GET /repos/O/R/commits/SHA/check-runs  {total_count, check_runs: [{id,
            name, head_sha, status (queued|in_progress|completed), conclusion
            (success|failure|... or null), details_url, html_url, output: {title,
            summary, text}}]}  (docs.github.com/rest/checks/runs#list-check-runs-for-a-git-reference)
        GET /repos/O/R/commits/SHA/status  {state, sha, total_count, statuses:
            [{state (pending|success|failure|error), context, description,
            target_url}]}; state is "pending" when there are no statuses
            (docs.github.com/rest/commits/statuses#get-the-combined-status-for-a-specific-reference)
        GET /repos/O/R/pulls/N  {number, state, draft, merged, mergeable,
            mergeable_state (clean|blocked|...), head: {ref, sha}, merge_commit_sha}
        GET /repos/O/R/pulls/N/reviews  [{id, user: {login}, state (APPROVED|
            CHANGES_REQUESTED|COMMENTED)}]
        PUT /repos/O/R/pulls/N/merge  {sha, merge_method, commit_title,
            commit_message} -> 200 {sha, merged: true, message}; 405 "Pull Request
            is not mergeable"; 409 "Head branch was modified. Review and try the
            merge again." (docs.github.com/rest/pulls/pulls#merge-a-pull-request)
GitLab  GET /projects/ID/merge_requests/IID  {iid, state (opened|merged|closed),
            draft, work_in_progress, sha, merge_commit_sha, detailed_merge_status}
        GET /projects/ID/merge_requests/IID/pipelines  [{id, sha, ref, status,
            web_url}] newest first (status created|pending|running|success|failed|
            canceled|skipped|manual)
        GET /projects/ID/pipelines/PID/jobs  [{id, name, stage, status, web_url,
            failure_reason}];  GET /projects/ID/jobs/JID/trace  the log, text/plain
        GET /projects/ID/merge_requests/IID/approvals  {approved, approvals_required,
            approvals_left}
        PUT /projects/ID/merge_requests/IID/merge  {sha, ...} -> 200 the merge request;
            405 (draft, closed, not approved), 406 (cannot be merged), 409 "SHA does
            not match HEAD of source branch"
Gitea   GET /api/v1/repos/O/R/commits/SHA/status  {state, sha, total_count, statuses:
            [{id, status (pending|success|error|failure|warning), context,
            description, target_url}]}  (a status's state is named "status")
        GET /api/v1/repos/O/R/pulls/N, .../pulls/N/reviews  (state APPROVED|
            REQUEST_CHANGES|COMMENT)
        POST /api/v1/repos/O/R/pulls/N/merge  {Do: merge|rebase|squash,
            head_commit_id, ...} -> 200 empty; 405 not mergeable; 409 head moved

--ci CMD is the CI: the first time a commit's checks are asked for, the
commit is exported (git archive) and CMD runs there; its exit status is
the check's conclusion and its output the check's log (GitHub check run
output.text, GitLab job trace, Gitea status description).  --ci-polls N
keeps each commit's checks pending for its first N polls.  --status
STATE:CONTEXT[:DESCRIPTION] adds a fixed commit status (GitHub, Gitea).
Without --ci and --status a commit has no checks at all.
--checks-hard-limit N answers the first N check polls 403 "API rate
limit exceeded" with x-ratelimit-remaining: 0 and x-ratelimit-reset in
a second.  --review STATE:USER adds a review; --blocked makes a required
review missing (GitHub mergeable_state "blocked", GitLab approvals_left
1); --unmergeable answers the merge 405.  A merge writes a real merge
commit on the base branch of the bare repository (git merge-tree).
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
ap.add_argument("--ci")
ap.add_argument("--ci-polls", type=int, default=0)
ap.add_argument("--status", action="append", default=[])
ap.add_argument("--checks-hard-limit", type=int, default=0)
ap.add_argument("--review", action="append", default=[])
ap.add_argument("--blocked", action="store_true")
ap.add_argument("--unmergeable", action="store_true")
args = ap.parse_args()

lock = threading.Lock()
pulls = []
rate = [int(x) for x in args.rate.split(",") if x]
hard = [args.hard_limit]
stale = [args.stale_list]
DOCS = "https://docs.github.com/rest/pulls/pulls#create-a-pull-request"
SCHEMA = {"title": str, "head": str, "base": str, "body": str, "draft": bool,
          "maintainer_can_modify": bool, "head_repo": str, "issue": int}


checks_hard = [args.checks_hard_limit]
runs = {}  # sha -> {"done", "ok", "out", "polls", "id"}


def git(*a, **kw):
    return subprocess.run(["git", "--git-dir", args.git] + list(a), capture_output=True,
                          text=True, **kw)


def branch_sha(name):
    r = git("rev-parse", "--verify", "-q", "refs/heads/" + name)
    return r.stdout.strip() if r.returncode == 0 else None


def ci_run(sha):
    """Run --ci in an export of the commit, as a CI would (in a thread)."""
    import shutil
    import tempfile
    r = runs[sha]
    d = tempfile.mkdtemp(prefix="ci-")
    try:
        arch = subprocess.run(["git", "--git-dir", args.git, "archive", sha],
                              capture_output=True)
        subprocess.run(["tar", "-x", "-C", d], input=arch.stdout, check=True)
        p = subprocess.run(["sh", "-c", args.ci], cwd=d, capture_output=True, text=True,
                           timeout=600)
        out, ok = p.stdout + p.stderr, p.returncode == 0
    except Exception as e:  # the CI itself broke: a failed check, as on a forge
        out, ok = "ci: %r" % e, False
    shutil.rmtree(d, ignore_errors=True)
    with lock:
        r.update(done=True, ok=ok, out=out)


def ci_state(sha):
    """(status, ok, out) of the commit's CI run, starting it on first sight;
    None when there is no CI.  Each call is one poll."""
    if not args.ci:
        return None
    with lock:
        r = runs.get(sha)
        if r is None:
            r = runs[sha] = {"done": False, "ok": None, "out": "", "polls": 0,
                             "id": 9000 + len(runs)}
            threading.Thread(target=ci_run, args=(sha,), daemon=True).start()
        r["polls"] += 1
        if not r["done"] or r["polls"] <= args.ci_polls:
            return ("queued" if r["polls"] == 1 else "in_progress"), None, "", r["id"]
        return "completed", r["ok"], r["out"], r["id"]


def fixed_statuses(gitea):
    out = []
    for i, spec in enumerate(args.status):
        state, ctx, desc = (spec.split(":", 2) + [""])[:3]
        st = {"id": 700 + i, "context": ctx, "description": desc or None,
              "target_url": "https://ci.example/%s" % ctx}
        st["status" if gitea else "state"] = state
        out.append(st)
    return out


def combined(statuses, gitea):
    key = "status" if gitea else "state"
    states = [x[key] for x in statuses]
    if any(s in ("failure", "error") for s in states):
        return "failure"
    if not states or "pending" in states:
        return "pending"
    return "success"


def do_merge(base, head_ref, sha, title):
    """A real merge commit of head into base in the bare repository."""
    bsha = branch_sha(base)
    t = git("merge-tree", "--write-tree", bsha, sha)
    if t.returncode != 0:
        return None
    c = git("commit-tree", t.stdout.split()[0], "-p", bsha, "-p", sha, "-m", title)
    git("update-ref", "refs/heads/" + base, c.stdout.strip(), bsha)
    return c.stdout.strip()


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
            return self.checks_and_merge(method, u, raw, "/repos/%s/" % args.slug)
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
            if gl:
                return self.gitlab_more(method, u, raw)
            return self.checks_and_merge(method, u, raw, "/api/v1/repos/%s/" % args.slug)
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

    def find_pr(self, n, key):
        with lock:
            for p in pulls:
                if p[key] == n:
                    return p
        return None

    def checks_and_merge(self, method, u, raw, prefix):
        """GitHub and Gitea: a commit's checks, a pull request, its reviews, its merge."""
        gitea = args.kind == "gitea"
        nf = {"message": "Not Found"}
        if not u.path.startswith(prefix):
            return self.reply(404, nf)
        parts = u.path[len(prefix):].split("/")
        if len(parts) == 3 and parts[0] == "commits" and method == "GET" and \
                parts[2] in ("check-runs", "status"):
            sha = parts[1]
            with lock:
                if checks_hard[0] > 0:
                    checks_hard[0] -= 1
                    import time
                    return self.reply(403, {"message": "API rate limit exceeded for user ID 1."},
                                      [("x-ratelimit-remaining", "0"),
                                       ("x-ratelimit-reset", str(int(time.time()) + 1))])
            if parts[2] == "check-runs" and not gitea:
                runs_out = []
                st = ci_state(sha)
                if st:
                    status, ok, out, rid = st
                    runs_out.append({
                        "id": rid, "name": "ci/test", "head_sha": sha, "status": status,
                        "conclusion": None if status != "completed" else
                        ("success" if ok else "failure"),
                        "details_url": "https://ci.example/runs/%d" % rid,
                        "html_url": "https://ci.example/runs/%d" % rid,
                        "output": {"title": None if status != "completed" else
                                   ("tests passed" if ok else "tests failed"),
                                   "summary": None if status != "completed" else
                                   ("`%s` exited %s" % (args.ci, "0" if ok else "non-zero")),
                                   "text": out[-6000:] if status == "completed" else None,
                                   "annotations_count": 0}})
                return self.reply(200, {"total_count": len(runs_out), "check_runs": runs_out})
            if parts[2] == "status":
                sts = fixed_statuses(gitea)
                if gitea:
                    st = ci_state(sha)
                    if st:
                        status, ok, out, rid = st
                        sts.append({"id": rid, "context": "ci/test",
                                    "status": "pending" if status != "completed" else
                                    ("success" if ok else "failure"),
                                    "description": (out[-1000:] if status == "completed"
                                                    else "running"),
                                    "target_url": "https://ci.example/runs/%d" % rid})
                return self.reply(200, {"state": combined(sts, gitea), "sha": sha,
                                        "total_count": len(sts), "statuses": sts})
            return self.reply(404, nf)
        if len(parts) < 2 or parts[0] != "pulls" or not parts[1].isdigit():
            return self.reply(404, nf)
        pr = self.find_pr(int(parts[1]), "number")
        if pr is None:
            return self.reply(404, nf)
        head = branch_sha(pr["head"]["ref"])
        if len(parts) == 2 and method == "GET":
            out = dict(pr)
            out["head"] = dict(pr["head"], sha=head)
            out.setdefault("merged", False)
            out["mergeable"] = not args.unmergeable
            out["mergeable_state"] = "blocked" if args.blocked else \
                "draft" if pr.get("draft") else "clean"
            return self.reply(200, out)
        if len(parts) == 3 and parts[2] == "reviews" and method == "GET":
            revs = []
            for i, spec in enumerate(args.review):
                state, user = spec.split(":", 1)
                revs.append({"id": 80 + i, "user": {"login": user}, "state": state,
                             "commit_id": head})
            return self.reply(200, revs)
        if len(parts) == 3 and parts[2] == "merge" and method == ("POST" if gitea else "PUT"):
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return self.reply(400, {"message": "Problems parsing JSON"})
            want = body.get("head_commit_id" if gitea else "sha")
            with lock:
                if pr.get("merged"):
                    return self.reply(405, {"message": "Pull Request is not mergeable"
                                            if not gitea else "The PR is already merged"})
                if want and want != head:
                    return self.reply(409, {"message": "Head branch was modified. Review and "
                                            "try the merge again." if not gitea else
                                            "head out of date"})
                if args.unmergeable or pr.get("draft") or args.blocked:
                    return self.reply(405, {"message": "Pull Request is not mergeable"
                                            if not gitea else "Does not have enough approvals"})
                if gitea and body.get("Do") not in ("merge", "rebase", "squash",
                                                    "rebase-merge", "fast-forward-only"):
                    return self.reply(422, {"message": "[Do]: Required"})
                m = do_merge(pr["base"]["ref"], pr["head"]["ref"], head,
                             "Merge pull request #%d" % pr["number"])
                if not m:
                    return self.reply(405, {"message": "Pull Request is not mergeable"})
                pr.update(merged=True, state="closed", merge_commit_sha=m)
            if gitea:
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            return self.reply(200, {"sha": m, "merged": True,
                                    "message": "Pull Request successfully merged"})
        return self.reply(404, nf)

    def gitlab_more(self, method, u, raw):
        """GitLab: a merge request, its pipelines and approvals, jobs and traces, merging."""
        prefix = "/api/v4/projects/%s/" % urllib.parse.quote(args.slug, safe="")
        nf = {"message": "404 Not found"}
        if not u.path.startswith(prefix):
            return self.reply(404, {"message": "404 Project Not Found"})
        parts = u.path[len(prefix):].split("/")
        host = "http://%s:%d" % self.server.server_address[:2]

        def job_of(sha, st):
            status, ok, out, rid = st
            return {"id": rid + 1, "name": "test", "stage": "test",
                    "status": "running" if status != "completed" else
                    ("success" if ok else "failed"),
                    "failure_reason": "script_failure" if status == "completed" and not ok
                    else None,
                    "web_url": "%s/%s/-/jobs/%d" % (host, args.slug, rid + 1)}
        if parts[0] == "jobs" and len(parts) == 3 and parts[2] == "trace":
            with lock:
                for sha, r in runs.items():
                    if r["id"] + 1 == int(parts[1]) and r["done"]:
                        data = r["out"].encode()
                        self.send_response(200)
                        self.send_header("Content-Type", "text/plain")
                        self.send_header("Content-Length", str(len(data)))
                        self.end_headers()
                        self.wfile.write(data)
                        return
            return self.reply(404, nf)
        if parts[0] == "pipelines" and len(parts) == 3 and parts[2] == "jobs":
            with lock:
                found = [(s, r) for s, r in runs.items() if r["id"] == int(parts[1])]
            if not found:
                return self.reply(404, nf)
            r = found[0][1]
            with lock:
                st = ("completed", r["ok"], r["out"], r["id"]) if r["done"] and \
                    r["polls"] > args.ci_polls else ("running", None, "", r["id"])
            return self.reply(200, [job_of(found[0][0], st)])
        if parts[0] != "merge_requests" or len(parts) < 2 or not parts[1].isdigit():
            return self.reply(404, nf)
        mr = self.find_pr(int(parts[1]), "iid")
        if mr is None:
            return self.reply(404, nf)
        head = branch_sha(mr["source_branch"])
        if len(parts) == 2 and method == "GET":
            out = dict(mr, sha=head, work_in_progress=mr.get("draft", False))
            out["detailed_merge_status"] = "not_approved" if args.blocked else "mergeable"
            return self.reply(200, out)
        if len(parts) == 3 and parts[2] == "pipelines" and method == "GET":
            mr.setdefault("shas", [])
            if head and head not in mr["shas"]:
                mr["shas"].append(head)
            out = []
            for sha in reversed(mr["shas"]):
                st = ci_state(sha)
                if st:
                    status, ok, _, rid = st
                    out.append({"id": rid, "sha": sha, "ref": mr["source_branch"],
                                "status": "running" if status != "completed" else
                                ("success" if ok else "failed"),
                                "web_url": "%s/%s/-/pipelines/%d" % (host, args.slug, rid)})
            return self.reply(200, out)
        if len(parts) == 3 and parts[2] == "approvals" and method == "GET":
            return self.reply(200, {"approved": not args.blocked, "approvals_required": 1
                                    if args.blocked else 0, "approvals_left": 1
                                    if args.blocked else 0})
        if len(parts) == 3 and parts[2] == "merge" and method == "PUT":
            try:
                body = json.loads(raw) if raw else {}
            except ValueError:
                return self.reply(400, {"message": "400 Bad request"})
            with lock:
                if mr["state"] != "opened" or mr.get("draft") or args.blocked:
                    return self.reply(405, {"message": "405 Method Not Allowed"})
                if body.get("sha") and body["sha"] != head:
                    return self.reply(409, {"message": "SHA does not match HEAD of source "
                                            "branch: %s" % head})
                if args.unmergeable:
                    return self.reply(406, {"message": "Branch cannot be merged"})
                m = do_merge(mr["target_branch"], mr["source_branch"], head,
                             "Merge branch '%s' into '%s'" % (mr["source_branch"],
                                                               mr["target_branch"]))
                if not m:
                    return self.reply(406, {"message": "Branch cannot be merged"})
                mr.update(state="merged", merge_commit_sha=m)
            return self.reply(200, dict(mr, sha=head))
        return self.reply(404, nf)

    def do_PUT(self):
        self.handle_any("PUT")

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
