#!/usr/bin/env bash
# testloop on a trace-only incident in a Node.js project (node:test): a
# real trace from node's stderr goes through logs | detect | analyze; the
# fix is the author's diff (no template fixes a pure helper); testloop
# commits a test that requires the module of the innermost frame and
# calls the exported function with the value the trace says it failed on
# (an empty array for "Reduce of empty array"; undefined for "reading
# 'city'" on user.address).  It fails on the base with the production
# error and passes on the fix, run here again outside testloop.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
. "$(dirname "$0")/lib-call.sh"
command -v jq >/dev/null || skip_all "jq not installed"
command -v node >/dev/null || skip_all "node not installed"
plan 9

mkdir -p "$T/src/test" && (
	cd "$T/src" && git init -q -b main &&
	cat > package.json <<'JS' &&
{ "name": "shop", "version": "1.0.0", "private": true, "scripts": { "test": "node --test" } }
JS
	cat > stats.js <<'JS' &&
'use strict';
function summary(orders) {
  const amounts = orders.map((o) => o.amount);
  const revenue = amounts.reduce((a, b) => a + b);
  return { count: amounts.length, revenue, average: revenue / amounts.length };
}

function city(user, label) {
  return { label, city: user.address.city };
}

module.exports = { summary, town: city };
JS
	cat > test/stats.test.js <<'JS' &&
'use strict';
const { test } = require('node:test');
const assert = require('node:assert');
const { summary, town } = require('../stats.js');

test('summary', () => assert.strictEqual(summary([{ amount: 2 }]).average, 2));
test('town', () => assert.strictEqual(town({ address: { city: 'Oslo' } }).city, 'Oslo'));
JS
	git add . && git commit -qm "shop" && git clone -q --bare . "$T/remote.git"
)

# analysis NAME CODE DIFF: the analysis of what the service logged when
# CODE threw, carrying the author's fix.
analysis() { call_trace "$1" 'node -e' "$2" | with_diff "$3"; }

# chk DIR REV TEST: run the committed test TEST in a fresh checkout of REV.
chk() {
	rm -rf "$T/chk" && git clone -q "$1" "$T/chk" && git -C "$T/chk" checkout -q "$2" &&
		mkdir -p "$T/chk/test" && git -C "$1" show "$3" > "$T/chk/${3#*:}" &&
		(cd "$T/chk" && node --test "${3#*:}") > "$T/chk.out" 2>&1
}

cat > "$T/fix1.diff" <<'EOF2'
--- a/stats.js
+++ b/stats.js
@@ -2,4 +2,5 @@
 function summary(orders) {
   const amounts = orders.map((o) => o.amount);
+  if (amounts.length === 0) return { count: 0, revenue: 0, average: null };
   const revenue = amounts.reduce((a, b) => a + b);
   return { count: amounts.length, revenue, average: revenue / amounts.length };
EOF2
analysis reduce "require('./stats.js').summary([])" "$T/fix1.diff" |
	patch -r "$T/remote.git" > "$T/patch1.json" 2>/dev/null
testloop "$T/patch1.json" > "$T/out1" 2> "$T/err1"
is "$(jq -c '.testrun.regression_test | [.kind, .written, .framework, .call, .exception, .fails_before, .same_failure]' "$T/out1")" \
	'["call",true,"node:test","stats.js: summary([])","TypeError",true,true]' \
	"the regression test calls summary with an empty array, failing the same way without the fix"
wd=$(jq -r .patch.workdir "$T/out1")
base=$(jq -r .patch.base_commit "$T/out1")
commit=$(jq -r .testrun.regression_test.commit "$T/out1")
path=$(jq -r .testrun.regression_test.path "$T/out1")
like "$path" "test/mend-*.test.js" "it goes where the project's tests are"
not_ok "on the base it fails" chk "$wd" "$base" "$commit:$path"
like "$(cat "$T/chk.out")" "*threw TypeError: Reduce of empty array with no initial value*" \
	"with the production error"
ok "on the fix it passes" chk "$wd" "$commit" "$commit:$path"

# undefined two reads deep, through an exported alias; label only passed through.
cat > "$T/fix2.diff" <<'EOF2'
--- a/stats.js
+++ b/stats.js
@@ -8,3 +8,4 @@
 function city(user, label) {
+  if (!user.address) return { label, city: null };
   return { label, city: user.address.city };
 }
EOF2
analysis city "require('./stats.js').town({})" "$T/fix2.diff" |
	patch -r "$T/remote.git" > "$T/patch2.json" 2>/dev/null
testloop "$T/patch2.json" > "$T/out2" 2> "$T/err2"
is "$(jq -c '.testrun.regression_test | [.written, .call, .fails_before, .same_failure]' "$T/out2")" \
	'[true,"stats.js: city({\"address\": undefined})",true,true]' \
	"user is an object without address; label, only passed through, is left undefined"
commit=$(jq -r .testrun.regression_test.commit "$T/out2")
path=$(jq -r .testrun.regression_test.path "$T/out2")
not_ok "on the base it fails" chk "$wd" "$base" "$commit:$path"
like "$(cat "$T/chk.out")" "*threw TypeError: Cannot read properties of undefined (reading 'city')*" \
	"with the production error"
ok "on the fix it passes" chk "$wd" "$commit" "$commit:$path"
