#!/usr/bin/env bash
# patch: refused changes exit 65 with the reason and commit nothing.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 20
make_repo
# A symbolic link in the repository that leads out of it.
mkdir -p "$T/outside"
(cd "$T/src" && ln -s "$T/outside" escape && git add escape && git commit -qm link &&
	git push -q "$T/remote.git" main)

n=0
# refuse NAME REASON-GLOB: the diff on stdin is refused with that reason.
refuse() {
	n=$((n + 1))
	cat > "$T/d$n.diff"
	analysis_record "inc_00000000000000b$n" "$T/d$n.diff" > "$T/a$n.json"
	patch -r "$T/remote.git" "$@" "$T/a$n.json" > "$T/out$n" 2> "$T/err$n"
	rc=$?
	is "$rc $(wc -c < "$T/out$n")" "65 0" "$name: exits 65, prints nothing"
	like "$(cat "$T/err$n")" "*$reason*" "$name: says why"
}

name="CI config" reason="'.github/workflows/ci.yml': protected path*" refuse <<'D'
--- a/.github/workflows/ci.yml
+++ b/.github/workflows/ci.yml
@@ -1 +1 @@
-on: push
+on: [push, pull_request]
D
name="parent directory" reason="leaves the repository" refuse <<'D'
--- a/../../etc/passwd
+++ b/../../etc/passwd
@@ -1 +1 @@
-root
+toor
D
name=".git" reason="inside .git" refuse <<'D'
--- a/.git/config
+++ b/.git/config
@@ -1 +1,2 @@
 [core]
+	fsmonitor = evil
D
name="symlink escape" reason="symbolic link leads out of the repository" refuse <<'D'
--- /dev/null
+++ b/escape/planted.txt
@@ -0,0 +1 @@
+hello
D
ok "nothing was written through the link" test ! -e "$T/outside/planted.txt"
name="lock file" reason="package-lock.json': protected" refuse <<'D'
--- /dev/null
+++ b/package-lock.json
@@ -0,0 +1 @@
+{}
D
name="secret" reason="'.env': protected" refuse <<'D'
--- /dev/null
+++ b/.env
@@ -0,0 +1 @@
+TOKEN=x
D
name="new symlink" reason="creates a symbolic link" refuse <<'D'
diff --git a/link b/link
new file mode 120000
--- /dev/null
+++ b/link
@@ -0,0 +1 @@
+/etc/passwd
\ No newline at end of file
D
python3 -c '
print("--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,502 @@\n def div(a, b):")
for i in range(500): print("+    x%d = %d" % (i, i))
print("     return a / b")' > "$T/big.diff"
name="size cap" reason="change too large: 500 changed lines" refuse --max-lines 100 < "$T/big.diff"
wd=$(ls -d "$MEND_SPOOL"/work/remote-*/)
is "$(git -C "$wd" for-each-ref --format=%x refs/heads/mend | wc -l)" 0 "no branch was created"
is "$(git -C "$wd" status --porcelain)" "" "the checkout is clean after refusals"

# --allow lets a protected path through.
analysis_record inc_00000000000000c1 "$T/d1.diff" > "$T/allow.json"
patch -r "$T/remote.git" --allow '.github/' "$T/allow.json" > "$T/out" 2>/dev/null
is "$?:$(jq -c .patch.files "$T/out")" '0:[".github/workflows/ci.yml"]' "--allow lets a protected path through"
