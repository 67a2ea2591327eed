#!/usr/bin/env bash
# The regression test in a Node.js project: node:test, in test/, run by
# the project's own `npm test` too; it fails without the fix and passes
# with it.  (The service is the heal corpus's node-home-referrer.)
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
# The service reads its state from $T/state: let it into the sandbox.
export MEND_SANDBOX_RO=$T/state
command -v node >/dev/null && command -v npm >/dev/null || skip_all "node and npm are not installed"
plan 10
case=$TOP/tests/heal/cases/node-home-referrer
cp -r "$case/src" "$T/web" && cp -r "$case/state/good" "$T/state" &&
	(cd "$T/web" && git init -q -b main && git add . && git commit -qm web &&
	git clone -q --bare . "$T/remote.git") || { echo "Bail out! no repository"; exit 1; }
PORT=$(free_port)
(cd "$T/web" && STATE_DIR=$T/state PORT=$PORT exec node app.js) & cleanup "kill $!"
wait_for 10 curl -s "http://127.0.0.1:$PORT/home?ref=x" -o /dev/null || { echo "Bail out! no service"; exit 1; }
for i in 1 2 3; do echo "http://127.0.0.1:$PORT/home?ref=newsletter name=home" | probe | detect >/dev/null; done
curl -s "http://127.0.0.1:$PORT/home" > "$T/before.json"
is "$(jq -r .error "$T/before.json")" "internal server error" "GET /home without ref fails"

cat > "$T/fix.diff" <<'D'
--- a/visits.js
+++ b/visits.js
@@ -4,3 +4,3 @@
 function home(params, featured) {
-  const source = params.get('ref').toLowerCase();
+  const source = (params.get('ref') ?? 'direct').toLowerCase();
   counts.set(source, (counts.get(source) || 0) + 1);
D
python3 - "$T/fix.diff" "$PORT" > "$T/an.json" <<'PY'
import json, sys
url = "http://127.0.0.1:%s/home" % sys.argv[2]
ev = {"ts": "2026-12-01T03:00:00.000Z", "monitor": "home-fail", "url": url, "method": "GET",
      "ok": False, "status": 500, "ms": 2, "bytes": 30, "error": "status", "detail": None}
print(json.dumps({"type": "analysis", "incident": {"id": "inc_0000000000000904", "event": "open",
    "monitor": "home-fail", "url": url, "summary": "500", "first_seen": ev["ts"], "evidence": [ev]},
    "analysis": {"engine": "rules", "root_cause": "params.get('ref') is null", "category": "code",
                 "confidence": 0.75, "remediation": [], "frames": [], "similar": [],
                 "diff": open(sys.argv[1]).read()}}))
PY
patch -r "$T/remote.git" "$T/an.json" 2>"$T/err" |
	testloop --serve "env STATE_DIR=$T/state node app.js" > "$T/tl.json" 2>>"$T/err"
is "$?" 0 "testloop passes"
is "$(jq -c '.testrun.judgment.verdict' "$T/tl.json")" '"good"' "judged good"
is "$(jq -c '.testrun.regression_test | [.written, .path, .framework, .command]' "$T/tl.json")" \
	'[true,"test/mend-inc_0000000000000904.test.js","node:test","node --test test/mend-inc_0000000000000904.test.js"]' \
	"a node:test file in test/"
is "$(jq -c '.testrun.regression_test | [.fails_before, .passes_after]' "$T/tl.json")" '[true,true]' \
	"it fails before the fix and passes after"
is "$(jq -r .testrun.confidence "$T/tl.json")" 0.99 "confidence 0.99"
git clone -q -b mend/fix-inc_0000000000000904 "$(jq -r .patch.workdir "$T/tl.json")" "$T/check" ||
	{ echo "Bail out! no fix branch"; exit 1; }
(cd "$T/check" && npm test > "$T/npm.out" 2>&1)
is "$?" 0 "npm test passes on the branch, the new test included"
like "$(cat "$T/npm.out")" "*mend regression: GET /home*" "npm test ran it"
git -C "$T/check" checkout -q HEAD~2 -- visits.js
(cd "$T/check" && node --test test/mend-inc_0000000000000904.test.js > "$T/base.out" 2>&1)
is "$?" 1 "with the old visits.js it fails"
like "$(cat "$T/base.out")" "*GET /home answered 500; want 2xx*" "saying what the request answered"
