#!/usr/bin/env bash
# testloop --serve: the incident's failing request is replayed against
# the service started from the base (where it must fail) and from the
# fix (where it must succeed); the confidence follows testloop(1)'s formula.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 12
make_repo
good_diff > "$T/good.diff"
analysis_record inc_0000000000000b01 "$T/good.diff" | patch -r "$T/remote.git" > "$T/patch.json" 2>/dev/null

# The service runs in the sandbox: its output goes to the spool's log; a
# marker in its command line finds it from outside.  (tests/0902 covers
# the regression test; here the service runs exactly twice.)
testloop -t 'python3 -m unittest' --no-regression-test --serve "echo serving; exec python3 app.py --marker=$T" \
	"$T/patch.json" > "$T/out" 2> "$T/err"
is "$?" 0 "testloop passes"
is "$(jq -c .testrun.replay "$T/out")" \
	'{"requests":["GET /div?a=1&b=0"],"before":[500],"after":[200],"reproduced":true}' \
	"the request failed on the base and succeeds with the fix"
is "$(jq -r .testrun.replayed "$T/out")" true "replayed is true"
# The answer is not JSON and nothing known-good was probed: unproven, R = 0.6;
# no regression test, G = 0.9: (0.45 + 0.35*0.6 + 0.20/(1+2/50)) * 0.9 = 0.77
is "$(jq -r .testrun.confidence "$T/out")" 0.77 "confidence with an unproven replay, 2 lines, 1 run"
is "$(grep -c '^serving$' "$MEND_SPOOL/logs/serve-inc_0000000000000b01.log")" 2 \
	"the service ran twice (base, fix)"
gone() { ! pgrep -f -- "--marker=$T" >/dev/null; }
ok "the service is gone afterwards" gone

testloop -t 'python3 -m unittest' "$T/patch.json" > "$T/out2" 2>/dev/null
# (0.45 + 0.35*0.5 + 0.20/(1+2/50)) * 0.9 = 0.7356
is "$(jq -c '.testrun | [.replayed, .confidence]' "$T/out2")" '[false,0.74]' \
	"without --serve: no replay, lower confidence"

# Tests pass (there are none that matter) but the request still fails: not passed.
cat > "$T/noop.diff" <<'D'
--- a/calc.py
+++ b/calc.py
@@ -5,2 +5,3 @@
 def add(a, b):
+    # adding is fine
     return a + b
D
analysis_record inc_0000000000000b02 "$T/noop.diff" | patch -r "$T/remote.git" > "$T/patch2.json" 2>/dev/null
testloop -t true -n 1 --serve 'python3 app.py' "$T/patch2.json" > "$T/out3" 2>/dev/null
is "$?" 1 "a fix that leaves the request failing exits 1"
is "$(jq -c '.testrun | [.passed, .replayed, .replay.after]' "$T/out3")" '[false,false,[500]]' \
	"and says the replay failed"

# A service that never listens.
testloop -t true -n 1 --serve 'exit 3' --serve-timeout 2 "$T/patch.json" > "$T/out4" 2> "$T/err4"
is "$?" 1 "a service that does not start fails the run"
like "$(cat "$T/err4")" "*the service exited with 3 before listening*" "and says so"
is "$(jq -r .testrun.replayed "$T/out4")" false "replayed is false"
