#!/usr/bin/env bash
# testloop refuses to write the failing call from the frame when it
# cannot be sure, and says precisely why: a method (its instance's state
# is not in the trace), a fix that guards the caller (the function still
# fails on that value by design), an error that names no value (math
# domain error).  No test is committed and the confidence stays at or
# below the cap of a fix nothing proved (0.74).
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
. "$(dirname "$0")/lib-call.sh"
command -v jq >/dev/null || skip_all "jq not installed"
plan 7

mkdir -p "$T/src" && (
	cd "$T/src" && git init -q -b main &&
	cat > shop.py <<'PY' &&
import math


class Cart:
    def __init__(self, items):
        self.items = items

    def average(self):
        return sum(self.items) / len(self.items)


def summary(orders):
    return {"average": sum(orders) / len(orders)}


def report(orders):
    return summary(orders)


def root(x):
    return math.sqrt(x)
PY
	cat > test_shop.py <<'PY' &&
import unittest

import shop


class T(unittest.TestCase):
    def test_root(self):
        self.assertEqual(shop.root(4), 2)


if __name__ == "__main__":
    unittest.main()
PY
	git add . && git commit -qm "shop" && git clone -q --bare . "$T/remote.git"
)

# run NAME CODE DIFF: the testloop record of a trace-only incident from
# what CODE raised, fixed by DIFF.
run() {
	call_trace "$1" 'python3 -c' "$2" | with_diff "$3" |
		patch -r "$T/remote.git" 2>/dev/null | testloop 2> "$T/$1.err"
}
capped() { python3 -c "import sys; sys.exit(not $(jq .testrun.confidence "$1") <= 0.74)"; }

cat > "$T/m.diff" <<'EOF2'
--- a/shop.py
+++ b/shop.py
@@ -8,2 +8,4 @@
     def average(self):
+        if not self.items:
+            return None
         return sum(self.items) / len(self.items)
EOF2
run method 'import shop; shop.Cart([]).average()' "$T/m.diff" > "$T/out1"
like "$(jq -r .testrun.regression_test.why "$T/out1")" \
	"*stack trace*not a failing HTTP request*average (shop.py:9): average is a method (of the class at line 4)*instance whose state the trace does not carry*" \
	"a method: refused, naming it"
ok "no test, capped" capped "$T/out1"

cat > "$T/c.diff" <<'EOF2'
--- a/shop.py
+++ b/shop.py
@@ -16,2 +16,4 @@
 def report(orders):
+    if not orders:
+        return {"average": None}
     return summary(orders)
EOF2
run caller 'import shop; shop.report([])' "$T/c.diff" > "$T/out2"
like "$(jq -r .testrun.regression_test.why "$T/out2")" \
	"*summary (shop.py:13): the fix does not change summary (shop.py:12-13)*still fails on that value by design*" \
	"a fix in the caller: refused, saying the function still fails"
ok "no test, capped" capped "$T/out2"
is "$(git -C "$(jq -r .patch.workdir "$T/out2")" log -1 --format=%s)" \
	"$(git -C "$(jq -r .patch.workdir "$T/out2")" log -1 --format=%s "$(jq -r .patch.commit "$T/out2")")" \
	"nothing was committed after the fix"

cat > "$T/r.diff" <<'EOF2'
--- a/shop.py
+++ b/shop.py
@@ -20,2 +20,4 @@
 def root(x):
+    if x < 0:
+        return None
     return math.sqrt(x)
EOF2
run domain 'import shop; shop.root(-1)' "$T/r.diff" > "$T/out3"
like "$(jq -r .testrun.regression_test.why "$T/out3")" \
	"*root (shop.py:21): the error (ValueError: math domain error) names no value this can rebuild*" \
	"an error that names no value: refused"
ok "no test, capped" capped "$T/out3"
