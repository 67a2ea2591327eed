#!/usr/bin/env bash
# patch: diffs with wrong line numbers and counts (as models write them)
# are located by context; a hunk matching nowhere or twice is refused;
# search/replace edits and an agent command work too.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 17
make_repo

# run ID [ARGS...] < DIFF: patch an analysis with that diff; sets rc, out.
run() {
	id=$1; shift
	cat > "$T/$id.diff"
	analysis_record "$id" "$T/$id.diff" > "$T/$id.json"
	patch -r "$T/remote.git" "$@" "$T/$id.json" > "$T/$id.out" 2> "$T/$id.err"
	rc=$?
}
show() { git -C "$(jq -r .patch.workdir "$T/$1.out")" show "$(jq -r .patch.commit "$T/$1.out"):$2"; }

# Line numbers off by 40, counts wrong, blank context lines without their space.
run inc_00000000000000d1 <<'D'
Here is the fix:
--- calc.py
+++ calc.py
@@ -41,3 +41,3 @@ def div(a, b):
     return a / b


 def add(a, b):
-    return a + b
+    return b + a
D
is "$rc" 0 "a miscounted hunk applies"
is "$(jq -r .patch.applied "$T/inc_00000000000000d1.out")" context "located by its context"
show inc_00000000000000d1 calc.py > "$T/c1"
is "$(tail -1 "$T/c1")" "    return b + a" "the right line changed"
is "$(wc -l < "$T/c1")" 6 "nothing else changed"

run inc_00000000000000d2 <<'D'
--- a/calc.py
+++ b/calc.py
@@ -9,1 +9,1 @@
-    return a / c
+    return a // c
D
is "$rc" 65 "a hunk that matches nowhere exits 65"
like "$(cat "$T/inc_00000000000000d2.err")" "*hunk 1 (@@ -9) matches nowhere*" "and says so"

(cd "$T/src" && printf 'def sub(a, b):\n    return a / b\n' >> calc.py && git commit -qam twice &&
	git push -q "$T/remote.git" main)
run inc_00000000000000d3 <<'D'
--- a/calc.py
+++ b/calc.py
@@ -1,1 +1,1 @@
-    return a / b
+    return a / (b or 1)
D
is "$rc" 65 "a hunk that matches twice exits 65"
like "$(cat "$T/inc_00000000000000d3.err")" "*matches in more than one place*" "and says so"

run inc_00000000000000d4 <<'D'
--- /dev/null
+++ b/docs/NOTES.md
@@ -0,0 +1,2 @@
+# Notes
+div(1, 0) is None now.
D
is "$rc" 0 "a new file is created"
show inc_00000000000000d4 docs/NOTES.md > "$T/notes"
is "$(cat "$T/notes")" "# Notes
div(1, 0) is None now." "with its content"

# Edits instead of a diff.
analysis_record inc_00000000000000e1 - |
	jq -c '.analysis.edits = [{path:"calc.py",search:"def add(a, b):\n    return a + b",
		replace:"def add(a, b):\n    return a + b + 0"},
		{path:"calc.py",search:"def div(a, b):\n",replace:"def div(a, b):\n    \"\"\"Divide.\"\"\"\n"}]' \
	> "$T/e1.json"
patch -r "$T/remote.git" "$T/e1.json" > "$T/e1.out" 2>/dev/null
is "$?:$(jq -r .patch.applied "$T/e1.out")" 0:edits "edits apply"
show_e() { git -C "$(jq -r .patch.workdir "$T/e1.out")" show "$(jq -r .patch.commit "$T/e1.out"):calc.py"; }
ok "both edits are in the commit" sh -c "$(declare -f show_e); show_e | grep -q '+ 0' && show_e | grep -q Divide"
analysis_record inc_00000000000000e2 - |
	jq -c '.analysis.edits = [{path:"calc.py",search:"    return a / b\n",replace:"    pass\n"}]' \
	> "$T/e2.json"
patch -r "$T/remote.git" "$T/e2.json" > /dev/null 2> "$T/e2.err"
is "$?" 65 "an ambiguous edit exits 65"
like "$(cat "$T/e2.err")" "*edit 1 of 'calc.py': search text matches in more than one place*" "and says so"

# No diff: the agent runs in the checkout with the task in MEND_TASK.
analysis_record inc_00000000000000f1 - > "$T/f1.json"
patch -r "$T/remote.git" --agent 'echo "$MEND_TASK" > AGENT.txt && sed -i "s/a + b/b + a/" calc.py' \
	"$T/f1.json" > "$T/f1.out" 2>/dev/null
is "$?:$(jq -c .patch.files "$T/f1.out")" '0:["AGENT.txt","calc.py"]' "the agent's change is committed"
analysis_record inc_00000000000000f2 - > "$T/f2.json"
patch -r "$T/remote.git" --agent 'ln -s /etc/passwd p' "$T/f2.json" > "$T/f2.out" 2> "$T/f2.err"
is "$?" 65 "the agent's change is guarded too"
analysis_record inc_00000000000000f3 - > "$T/f3.json"
patch -r "$T/remote.git" "$T/f3.json" > /dev/null 2> "$T/f3.err"
is "$?" 65 "no diff, no edits and no agent exits 65"
