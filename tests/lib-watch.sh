# Helpers for watch's tests.
#   stream [key=value ...] > file.jsonl
# prints probe records of monitor "api" every 30 s from 10:00:00 to
# 10:40:00 with a deploy record (commit $commit, default a*40) at 10:30:00.
# After the deploy: fail=1 fails every other check, ms=N answers in N ms,
# error=1 adds a new exception twice (error=once: once), end=SECONDS stops
# early (counted from 10:00:00); monitors='["api"]' puts a monitors list
# in the deploy record, deploy=pr makes it a merged pr record with
# incident inc_0000000000000f01, from=S starts later.
stream() {
	python3 - "$@" <<'PY'
import json, sys
a = dict(x.split("=", 1) for x in sys.argv[1:])
fail, ms, err = a.get("fail") == "1", int(a.get("ms", "40")), a.get("error") == "1"
# error=once: the new exception only once, early in the window
end, start, dep = int(a.get("end", "2400")), int(a.get("from", "0")), 1800
commit = a.get("commit", "a" * 40)
def ts(s): return "2026-11-24T%02d:%02d:%02d.000Z" % (10 + s // 3600, (s // 60) % 60, s % 60)
def out(r): print(json.dumps(r))
trace = 'Traceback (most recent call last):\n  File "/srv/app/%s.py", line 7, in %s\n    x()\n%s: boom\n'
for s in range(start, end + 1, 30):
    after = s >= dep
    ok = not (after and fail and (s // 30) % 2 == 0)
    if s == dep:
        if a.get("deploy") == "pr":
            out({"type": "pr", "incident": {"id": "inc_0000000000000f01"},
                 "pr": {"forge": "none", "branch": "mend/fix-inc_0000000000000f01",
                        "merged_commit": commit, "merged_at": ts(dep)}})
        else:
            d = {"type": "deploy", "ts": ts(dep), "commit": commit}
            if "monitors" in a: d["monitors"] = json.loads(a["monitors"])
            if "repo" in a: d["repo"] = a["repo"]
            out(d)
    out({"type": "probe", "ts": ts(s), "monitor": "api", "url": "http://127.0.0.1:9/",
         "method": "GET", "ok": ok, "status": 200 if ok else 500,
         "ms": (ms if after else 40) + s % 7, "bytes": 2,
         "error": None if ok else "status", "detail": None})
    out({"type": "probe", "ts": ts(s), "monitor": "web", "url": "http://127.0.0.1:9/w",
         "method": "GET", "ok": True, "status": 200, "ms": 20, "bytes": 2,
         "error": None, "detail": None})
    if s in (600, 1200):
        out({"type": "error", "ts": ts(s + 1), "monitor": "api", "message": "old",
             "exception": "KeyError", "stacktrace": trace % ("db", "get", "KeyError"),
             "trace_id": None, "attributes": {}})
    if err and s in (dep + 120, dep + 240) or (a.get("error") == "once" and s == dep + 120):
        out({"type": "error", "ts": ts(s + 1), "monitor": "api", "message": "new",
             "exception": "TypeError", "stacktrace": trace % ("views", "total", "TypeError"),
             "trace_id": None, "attributes": {}})
PY
}
