# tests/lib-fix.sh - a small Python service with a real bug, in a git
# repository with a bare remote, for the patch/testloop/openpr tests.
#
#   . "$(dirname "$0")/lib-fix.sh"
#   make_repo            # $T/src (working clone), $T/remote.git (bare)
#   analysis_record ID DIFF-FILE > rec.json
#
# calc.div divides without checking for zero; app.py serves
# GET /div?a=..&b=.. and answers 500 when div raises; the tests in
# test_calc.py expect div(1, 0) to be None.
export MEND_GIT_NAME="Mend Test" MEND_GIT_EMAIL="mend@example.invalid"
export GIT_CONFIG_NOSYSTEM=1 HOME=$T/home
# See the file: a known leak in libgit2 1.5, not ours.
export LSAN_OPTIONS=suppressions=$TOP/tests/lsan-libgit2.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}
mkdir -p "$HOME"
git config --global user.name "Test User"
git config --global user.email "test@example.invalid"
git config --global init.defaultBranch main
git config --global protocol.file.allow always

make_repo() {
	mkdir -p "$T/src" && (
		cd "$T/src" && git init -q -b main &&
		cat > calc.py <<'PY' &&
def div(a, b):
    return a / b


def add(a, b):
    return a + b
PY
		cat > test_calc.py <<'PY' &&
import unittest

import calc


class TestCalc(unittest.TestCase):
    def test_add(self):
        self.assertEqual(calc.add(2, 3), 5)

    def test_div(self):
        self.assertEqual(calc.div(6, 3), 2)

    def test_div_zero(self):
        self.assertIsNone(calc.div(1, 0))


if __name__ == "__main__":
    unittest.main()
PY
		cat > app.py <<'PY' &&
import os
import urllib.parse
from http.server import BaseHTTPRequestHandler, HTTPServer

import calc


class H(BaseHTTPRequestHandler):
    def do_GET(self):
        u = urllib.parse.urlparse(self.path)
        q = dict(urllib.parse.parse_qsl(u.query))
        try:
            r = calc.div(int(q.get("a", 1)), int(q.get("b", 1)))
            code, body = 200, repr(r)
        except Exception as e:
            code, body = 500, "error: %r" % e
        self.send_response(code)
        self.end_headers()
        self.wfile.write(body.encode())

    def log_message(self, *a):
        pass


HTTPServer(("127.0.0.1", int(os.environ["PORT"])), H).serve_forever()
PY
		mkdir -p .github/workflows && echo "on: push" > .github/workflows/ci.yml &&
		git add . && git commit -qm "calc service" &&
		git clone -q --bare . "$T/remote.git"
	)
}

# analysis_record ID DIFF-FILE: an analysis record carrying that diff.
analysis_record() {
	python3 - "$1" "$2" <<'PY'
import json, sys
diff = open(sys.argv[2]).read() if sys.argv[2] != "-" else None
print(json.dumps({"type": "analysis",
    "incident": {"id": sys.argv[1], "event": "open", "monitor": "calc",
                 "url": "http://calc.example/div?a=1&b=0", "summary": "GET /div answers 500",
                 "first_seen": "2026-11-22T03:00:00.000Z",
                 "evidence": [{"ts": "2026-11-22T03:00:00.000Z", "monitor": "calc",
                               "url": "http://calc.example/div?a=1&b=0", "method": "GET",
                               "ok": False, "status": 500, "ms": 3, "bytes": 40,
                               "error": "status", "detail": None}]},
    "analysis": {"engine": "rules", "root_cause": "calc.div divides by zero",
                 "category": "code", "confidence": 0.8, "remediation": ["check b"],
                 "frames": [{"path": "calc.py", "line": 2, "function": "div"}],
                 "similar": [], "diff": diff}}))
PY
}

# The right fix, as a git diff.
good_diff() {
	cat <<'EOF2'
--- a/calc.py
+++ b/calc.py
@@ -1,2 +1,4 @@
 def div(a, b):
+    if b == 0:
+        return None
     return a / b
EOF2
}

# start_forge NAME [ARGS...]: the forge stand-in (tests/servers/forge.py)
# for acme/calc on $T/remote.git, token $FORGE_TOKEN, requests logged to
# $T/NAME.log; sets $api to its base URL.  Killed at exit.
start_forge() {
	_name=$1; shift
	python3 "$TOP/tests/servers/forge.py" --port-file "$T/$_name.port" --slug acme/calc \
		--git "$T/remote.git" --token "$FORGE_TOKEN" --log "$T/$_name.log" "$@" \
		> "$T/$_name.out" 2>&1 &
	cleanup "kill $!"
	wait_for 5 test -s "$T/$_name.port"
	api=http://127.0.0.1:$(cat "$T/$_name.port")
}
