#!/usr/bin/env bash
# Two fixes for one repository at once take turns on its checkout (the
# lock) instead of checking out branches under each other; the first
# run clones, and both commits are right.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 5
make_repo
good_diff > "$T/good.diff"
cat > "$T/add.diff" <<'D'
--- a/calc.py
+++ b/calc.py
@@ -5,2 +5,3 @@
 def add(a, b):
+    """Add."""
     return a + b
D
analysis_record inc_0000000000000c01 "$T/good.diff" > "$T/a1.json"
analysis_record inc_0000000000000c02 "$T/add.diff" > "$T/a2.json"
for i in 1 2 3; do
	patch -r "$T/remote.git" "$T/a1.json" > "$T/o1.$i" 2>/dev/null &
	p1=$!
	patch -r "$T/remote.git" "$T/a2.json" > "$T/o2.$i" 2>/dev/null &
	p2=$!
	wait $p1; r1=$?
	wait $p2; r2=$?
	[ "$r1$r2" = 00 ] || break
done
is "$r1$r2" 00 "three rounds of two concurrent runs all exit 0"
is "$(ls -d "$MEND_SPOOL"/work/remote-*/ | wc -l)" 1 "one checkout"
wd=$(jq -r .patch.workdir "$T/o1.3")
ok "fix 1 is right" sh -c "git -C '$wd' show mend/fix-inc_0000000000000c01:calc.py | grep -q 'return None'"
ok "fix 2 is right" sh -c "git -C '$wd' show mend/fix-inc_0000000000000c02:calc.py | grep -q 'Add'"
is "$(git -C "$wd" diff --stat mend/fix-inc_0000000000000c01 mend/fix-inc_0000000000000c02 -- | tail -1)" \
	" 1 file changed, 1 insertion(+), 2 deletions(-)" "each branch has only its own fix"
