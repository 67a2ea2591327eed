#!/usr/bin/env bash
# testloop judges the replayed answer by behaviour, not status: against the
# known-good answers detect learned, a 200 that lost data is degraded (low
# confidence, a draft that says why), a 400 to a malformed request is right,
# and a fix that keeps the known-good shape gets a regression test that
# fails without it and passes with it, and a ready pull request.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
# The service reads its state from $T/state: let it into the sandbox.
export MEND_SANDBOX_RO=$T/state
plan 22
mkdir -p "$T/shop" "$T/state" && cd "$T/shop" && git init -q -b main && cat > shop.py <<'PY' &&
import json
import math


def page(products, number, size):
    total = len(products)
    pages = math.ceil(total / size)
    start = (number - 1) * size
    return {"total": total, "pages": pages, "items": products[start:start + size]}


def create(raw):
    order = json.loads(raw)
    return 201, {"id": 7, "sku": order["sku"]}


VISITS = {}


def home(query):
    source = query["ref"]
    VISITS[source] = VISITS.get(source, 0) + 1
    return {"title": "Welcome", "featured": [1, 2, 3]}
PY
cat > app.py <<'PY' &&
import json
import os
import sys
import traceback
from http.server import BaseHTTPRequestHandler, HTTPServer
from urllib.parse import parse_qs, urlparse

import shop


class H(BaseHTTPRequestHandler):
    def go(self):
        u = urlparse(self.path)
        q = {k: v[0] for k, v in parse_qs(u.query).items()}
        n = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(n).decode() if n else ""
        try:
            if u.path == "/products":
                with open(os.path.join(os.environ["STATE_DIR"], "products.json")) as f:
                    code, obj = 200, shop.page(json.load(f), 1, int(os.environ["PAGE_SIZE"]))
            elif u.path == "/orders":
                code, obj = shop.create(raw)
            else:
                code, obj = 200, shop.home(q)
        except Exception:
            traceback.print_exc()
            code, obj = 500, {"error": "internal"}
        body = json.dumps(obj).encode()
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = go

    def log_message(self, *a):
        pass


HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
PY
cat > test_shop.py <<'PY' &&
import unittest

import shop


class TestShop(unittest.TestCase):
    def test_page(self):
        self.assertEqual(shop.page(list(range(45)), 1, 20)["pages"], 3)
PY
git add . && git commit -qm shop && git clone -q --bare . "$T/remote.git" && cd "$T" ||
	{ echo "Bail out! cannot make the repository"; exit 1; }
python3 -c 'import json; json.dump([{"id": i} for i in range(45)], open("'"$T"'/state/products.json", "w"))'

# Healthy: probe | detect learns the known-good answers.
PORT=$(free_port)
(cd "$T/shop" && STATE_DIR=$T/state PAGE_SIZE=20 PORT=$PORT exec python3 app.py) & cleanup "kill $!"
wait_for 10 curl -s "http://127.0.0.1:$PORT/home?ref=x" -o /dev/null || { echo "Bail out! no service"; exit 1; }
U=http://127.0.0.1:$PORT
printf '%s\n' "$U/products?page=1 name=shop" '{"url":"'"$U"'/orders","name":"orders","body":"{\"sku\":\"A1\"}"}' \
	"$U/home?ref=newsletter name=home" > "$T/urls"
for i in 1 2 3; do probe "$T/urls" | detect > /dev/null; done
is "$(sqlite3 "$MEND_SPOOL/mend.db" "select count(*) from state where ns = 'shape'")" 3 \
	"three known-good records"

# analysis ID URL METHOD BODY DIFF: an analysis of a failing request.
analysis() {
	python3 - "$@" <<'PY'
import json, sys
i, url, method, body, diff = sys.argv[1:6]
ev = {"ts": "2026-12-01T03:00:00.000Z", "monitor": "x", "url": url, "method": method,
      "ok": False, "status": 500, "ms": 3, "bytes": 20, "error": "status", "detail": None}
if body != "-":
    ev["request_body"] = body
print(json.dumps({"type": "analysis", "incident": {"id": i, "event": "open", "monitor": "x",
    "url": url, "summary": "500", "first_seen": ev["ts"], "evidence": [ev]},
    "analysis": {"engine": "rules", "root_cause": "r", "category": "code", "confidence": 0.75,
                 "remediation": [], "frames": [], "similar": [], "diff": open(diff).read()}}))
PY
}
serve="env STATE_DIR=$T/state PAGE_SIZE=0 python3 app.py"
fix() { # ID -> testloop output in $T/ID.tl, openpr output in $T/ID.pr
	patch -r "$T/remote.git" "$T/$1.an" > "$T/$1.p" 2>> "$T/err" &&
	testloop --serve "$serve" "$T/$1.p" > "$T/$1.tl" 2>> "$T/err"
	openpr --forge none -r "$T/remote.git" "$T/$1.tl" > "$T/$1.pr" 2>> "$T/err"
}

# 1. The wrong fix: pages become 0 and items empty, with status 200.
cat > "$T/zero.diff" <<'D'
--- a/shop.py
+++ b/shop.py
@@ -6,3 +6,3 @@
     total = len(products)
-    pages = math.ceil(total / size)
+    pages = math.ceil((total / size if size else 0))
     start = (number - 1) * size
D
analysis inc_0000000000000901 "$U/products?page=1" GET - "$T/zero.diff" > "$T/inc_0000000000000901.an"
fix inc_0000000000000901
tl() { jq -c "$2" "$T/$1.tl"; }
is "$(tl inc_0000000000000901 '.testrun | [.passed, .replay.before, .replay.after, .judgment.verdict]')" \
	'[true,[500],[200],"degraded"]' "200 instead of 500, judged degraded"
is "$(tl inc_0000000000000901 '.testrun.judgment.answers[0].reasons')" \
	"[\"'\$.pages' is now 0 (never in 3 known-good answers)\",\"'\$.items' is now an empty array (never in 3 known-good answers)\"]" \
	"it says what was lost"
is "$(tl inc_0000000000000901 .testrun.confidence)" 0.5 "confidence at most 0.5"
is "$(tl inc_0000000000000901 .testrun.regression_test.written)" false "no regression test pins a degraded answer"
is "$(jq -r .pr.draft "$T/inc_0000000000000901.pr")" true "the pull request is a draft"
like "$(jq -r .pr.body "$T/inc_0000000000000901.pr")" "*Draft: confidence 0.50*What is not proven*'\$.items' is now an empty array*" \
	"and its body says why"

# 2. An empty POST body now answered 400: right, and said so.
cat > "$T/body.diff" <<'D'
--- a/shop.py
+++ b/shop.py
@@ -13,3 +13,6 @@
 def create(raw):
-    order = json.loads(raw)
+    try:
+        order = json.loads(raw)
+    except ValueError:
+        return 400, {"error": "the body is not JSON"}
     return 201, {"id": 7, "sku": order["sku"]}
D
analysis inc_0000000000000902 "$U/orders" POST "" "$T/body.diff" > "$T/inc_0000000000000902.an"
fix inc_0000000000000902
is "$(tl inc_0000000000000902 '.testrun | [.passed, .replay.before, .replay.after, .judgment.verdict]')" \
	'[true,[500],[400],"rejected"]' "500 -> 400 on an empty body passes, judged rejected"
is "$(tl inc_0000000000000902 '.testrun.judgment.answers[0].reasons')" \
	'["answered 400 to a malformed request, as it should","the request has an empty body"]' "it says why 400 is right"
is "$(tl inc_0000000000000902 '.testrun.regression_test | [.written, .framework, .fails_before, .passes_after]')" \
	'[true,"unittest",true,true]' "a regression test: fails without the fix, passes with it"

# 3. The right fix keeps the known-good shape: high confidence, ready.
cat > "$T/ref.diff" <<'D'
--- a/shop.py
+++ b/shop.py
@@ -21,3 +21,3 @@
 def home(query):
-    source = query["ref"]
+    source = query.get("ref", "")
     VISITS[source] = VISITS.get(source, 0) + 1
D
analysis inc_0000000000000903 "$U/home" GET - "$T/ref.diff" > "$T/inc_0000000000000903.an"
fix inc_0000000000000903
is "$(tl inc_0000000000000903 '.testrun | [.passed, .replay.before, .replay.after, .judgment.verdict]')" \
	'[true,[500],[200],"good"]' "judged good against the known-good answers of the path"
rt=$(jq -r .testrun.regression_test.path "$T/inc_0000000000000903.tl")
is "$rt" test_mend_inc_0000000000000903.py "the regression test is a unittest module at the top"
is "$(tl inc_0000000000000903 '.testrun.regression_test | [.fails_before, .passes_after]')" '[true,true]' \
	"it fails before the fix and passes after"
is "$(tl inc_0000000000000903 .testrun.confidence)" 0.99 "confidence 0.99"
is "$(tl inc_0000000000000903 '.testrun.unproven')" '[]' "nothing left unproven"
is "$(jq -r .pr.draft "$T/inc_0000000000000903.pr")" false "a ready pull request"
like "$(jq -r .pr.body "$T/inc_0000000000000903.pr")" "*judged **good***Regression test \`$rt\`*fails without the fix*" \
	"the body says how it was judged and names the test"
# The test is on the branch, after the fix; it fails on the base, passes on the branch.
git clone -q -b mend/fix-inc_0000000000000903 "$T/remote.git" "$T/check"
is "$(git -C "$T/check" log --format=%s -2 | tr '\n' '|')" \
	"mend: regression test for GET /home|$(git -C "$T/check" log --format=%s -2 | sed -n 2p)|" \
	"the test is its own commit on top of the fix"
(cd "$T/check" && PATH=/usr/bin:/bin python3 -m unittest -q "${rt%.py}" > "$T/after" 2>&1)
is "$?" 0 "the committed test passes on the branch"
git -C "$T/check" show HEAD:"$rt" > "$T/rt.py" && git -C "$T/check" checkout -q main &&
	cp "$T/rt.py" "$T/check/$rt"
(cd "$T/check" && python3 -m unittest -q "${rt%.py}" > "$T/before" 2>&1)
is "$?" 1 "and fails on the base"
like "$(cat "$T/before")" "*GET /home answered 500; want 2xx*" "saying what the request answered"
not_ok "no sanitizer report from any stage" grep -q "Sanitizer\|runtime error" "$T/err"
