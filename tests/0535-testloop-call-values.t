#!/usr/bin/env bash
# The failing call from the frame rebuilds the values a trace names: a
# KeyError's missing key ({}), and the text int() could not convert
# (quoted in the message: 'abc', inside the dict it was read from), and
# an empty list for an IndexError on [0].  The second fix raises the
# module's own error, which the test asserts.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
. "$(dirname "$0")/lib-call.sh"
command -v jq >/dev/null || skip_all "jq not installed"
plan 5

mkdir -p "$T/src/tests" && (
	cd "$T/src" && git init -q -b main &&
	cat > shop.py <<'PY' &&
class BadQuantity(ValueError):
    pass


def price(item, currency):
    return {"currency": currency, "price": item["price"] * 2}


def qty(form):
    return int(form["qty"])


def first_name(rows):
    return rows[0]["name"].title()
PY
	cat > tests/test_shop.py <<'PY' &&
import unittest

import shop


class T(unittest.TestCase):
    def test_qty(self):
        self.assertEqual(shop.qty({"qty": "2"}), 2)


if __name__ == "__main__":
    unittest.main()
PY
	git add . && git commit -qm "shop" && git clone -q --bare . "$T/remote.git"
)

run() {
	call_trace "$1" 'python3 -c' "$2" | with_diff "$3" |
		patch -r "$T/remote.git" 2>/dev/null | testloop -t 'python3 -m unittest discover -s tests' 2> "$T/$1.err"
}

cat > "$T/k.diff" <<'EOF2'
--- a/shop.py
+++ b/shop.py
@@ -5,2 +5,4 @@
 def price(item, currency):
+    if "price" not in item:
+        return {"currency": currency, "price": None}
     return {"currency": currency, "price": item["price"] * 2}
EOF2
run key 'import shop; shop.price({}, "EUR")' "$T/k.diff" > "$T/out1"
is "$(jq -c '.testrun.regression_test | [.written, .call, .exception, .same_failure]' "$T/out1")" \
	'[true,"shop.price(item={}, currency=None)","KeyError",true]' \
	"a missing key: an empty dict; currency, only passed through, is None"
is "$(jq -r .testrun.regression_test.path "$T/out1")" "tests/test_mend_$(jq -r .incident.id "$T/out1").py" \
	"in the project's tests directory"

cat > "$T/q.diff" <<'EOF2'
--- a/shop.py
+++ b/shop.py
@@ -9,2 +9,5 @@
 def qty(form):
-    return int(form["qty"])
+    try:
+        return int(form["qty"])
+    except ValueError:
+        raise BadQuantity("qty must be a whole number")
EOF2
run int 'import shop; shop.qty({"qty": "abc"})' "$T/q.diff" > "$T/out2"
is "$(jq -c '.testrun.regression_test | [.written, .call, .raises, .fails_before, .same_failure]' "$T/out2")" \
	'[true,"shop.qty(form={\"qty\": \"abc\"})","BadQuantity",true,true]' \
	"the text from the message, and the fix's BadQuantity asserted"
like "$(jq -r .testrun.regression_test.proves "$T/out2")" \
	"qty no longer raises ValueError when form is the text \"abc\": it raises BadQuantity; it does not prove what the service answers*" \
	"it says what it proves"

cat > "$T/i.diff" <<'EOF2'
--- a/shop.py
+++ b/shop.py
@@ -13,2 +13,4 @@
 def first_name(rows):
+    if not rows:
+        return None
     return rows[0]["name"].title()
EOF2
run index 'import shop; shop.first_name([])' "$T/i.diff" > "$T/out3"
is "$(jq -c '.testrun.regression_test | [.written, .call, .exception, .same_failure]' "$T/out3")" \
	'[true,"shop.first_name(rows=[])","IndexError",true]' \
	"an index past the end: an empty list"
