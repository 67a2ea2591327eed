#!/usr/bin/env bash
# testloop on a trace-only incident in a Python project: the failing call
# from the frame is the regression test.  A real trace (the service's
# stderr) goes through logs | detect | analyze | patch | testloop; the
# test testloop commits imports the module of the innermost frame and
# calls the function with the value the trace says it failed on (an
# empty list; None, with the error the fix raises asserted).  It fails on
# the base with the production exception and passes on the fix, run here
# again outside testloop.  The confidence stays below a replayed fix's.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
. "$(dirname "$0")/lib-call.sh"
command -v jq >/dev/null || skip_all "jq not installed"
plan 13

mkdir -p "$T/src" && (
	cd "$T/src" && git init -q -b main &&
	cat > stats.py <<'PY' &&
def summary(orders):
    amounts = [o["amount"] for o in orders]
    return {"count": len(amounts), "revenue": round(sum(amounts), 2),
            "average": round(sum(amounts) / len(amounts), 2)}
PY
	cat > text.py <<'PY' &&
def slug(title, sep="-"):
    return title.strip().lower().replace(" ", sep)
PY
	cat > test_stats.py <<'PY' &&
import unittest

import stats
import text


class T(unittest.TestCase):
    def test_summary(self):
        self.assertEqual(stats.summary([{"amount": 2}])["average"], 2)

    def test_slug(self):
        self.assertEqual(text.slug(" A b "), "a-b")


if __name__ == "__main__":
    unittest.main()
PY
	git add . && git commit -qm "shop" && git clone -q --bare . "$T/remote.git"
)

trace() { call_trace "$1" 'python3 -c' "$2"; }

# chk DIR REV TEST: run the committed test TEST in a fresh checkout of REV.
chk() {
	rm -rf "$T/chk" && git clone -q "$1" "$T/chk" && git -C "$T/chk" checkout -q "$2" &&
		git -C "$1" show "$3" > "$T/chk/$(basename "${3#*:}")" &&
		(cd "$T/chk" && python3 -m unittest "$(basename "${3#*:}" .py)") > "$T/chk.out" 2>&1
}

# An empty list: the rules engine's own fix (py-average-empty).
trace avg 'import stats; stats.summary([])' > "$T/an1.json"
is "$(jq -r '.analysis.templates[0].template' "$T/an1.json")" py-average-empty "the rules engine fixes it"
patch -r "$T/remote.git" < "$T/an1.json" > "$T/patch1.json" 2>/dev/null
testloop "$T/patch1.json" > "$T/out1" 2> "$T/err1"
is "$(jq -c '.testrun.regression_test | [.kind, .written, .call, .exception, .fails_before, .same_failure]' "$T/out1")" \
	'["call",true,"stats.summary(orders=[])","ZeroDivisionError",true,true]' \
	"the regression test calls summary with an empty list, failing the same way without the fix"
wd=$(jq -r .patch.workdir "$T/out1")
base=$(jq -r .patch.base_commit "$T/out1")
commit=$(jq -r .testrun.regression_test.commit "$T/out1")
path=$(jq -r .testrun.regression_test.path "$T/out1")
not_ok "on the base it fails" chk "$wd" "$base" "$commit:$path"
like "$(cat "$T/chk.out")" "*ZeroDivisionError*in production: ZeroDivisionError: division by zero*" \
	"with the production exception"
ok "on the fix it passes" chk "$wd" "$commit" "$commit:$path"
conf=$(jq .testrun.confidence "$T/out1")
ok "its confidence ($conf) is above the cap without a test (0.74), at most 0.85" \
	python3 -c "import sys; sys.exit(not 0.74 < $conf <= 0.85)"
like "$(jq -r '.testrun.unproven | join("; ")' "$T/out1")" \
	"*stack trace: no request was replayed; the regression test calls stats.summary(orders=[]) directly*not what the service answers*" \
	"the unproven list says what a call does not prove"
like "$(git -C "$wd" log -1 --format=%B "$commit")" \
	"*In production summary raised ZeroDivisionError: division by zero*orders was empty*fails the same way*" \
	"the commit says what the test reproduces"

openpr --forge none -r "$T/remote.git" < "$T/out1" > "$T/pr1.json" 2>/dev/null
like "$(jq -r .pr.body "$T/pr1.json")" \
	"*No replay: the incident came from a stack trace*it calls \`stats.summary(orders=\[\])\`, the call that raised ZeroDivisionError in production, and fails that way without the fix*not what the service answers*" \
	"the pull request says what the test proves"

# None, and a fix that raises: the test asserts the fix's error (its contract).
trace none 'import text; text.slug(None)' > "$T/an2.json"
cat > "$T/fix2.diff" <<'EOF2'
--- a/text.py
+++ b/text.py
@@ -1,2 +1,4 @@
 def slug(title, sep="-"):
+    if title is None:
+        raise ValueError("a title is required")
     return title.strip().lower().replace(" ", sep)
EOF2
with_diff "$T/fix2.diff" < "$T/an2.json" |
	patch -r "$T/remote.git" > "$T/patch2.json" 2>/dev/null
testloop "$T/patch2.json" > "$T/out2" 2> "$T/err2"
is "$(jq -c '.testrun.regression_test | [.written, .call, .raises, .fails_before, .same_failure]' "$T/out2")" \
	'[true,"text.slug(title=None)","ValueError",true,true]' \
	"None for title, and the ValueError the fix raises is asserted"
commit=$(jq -r .testrun.regression_test.commit "$T/out2")
path=$(jq -r .testrun.regression_test.path "$T/out2")
not_ok "on the base it fails" chk "$wd" "$base" "$commit:$path"
like "$(cat "$T/chk.out")" "*raised AttributeError*want ValueError*" "saying what it raised and what the fix raises"
ok "on the fix it passes" chk "$wd" "$commit" "$commit:$path"
