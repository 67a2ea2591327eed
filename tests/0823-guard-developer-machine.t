#!/usr/bin/env bash
# Guard gaps (issue 9, attack 8): a machine-written change may not create
# code that runs on a developer's machine (git hooks managers, editor
# tasks, direnv), touch lock files or env files, or change a file's mode
# (an executable is code someone runs; symbolic links and submodules are
# refused as before) unless --allow names the path.  Refusals are 65,
# say why, leave the checkout clean, and land in the incident's timeline.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 31
make_repo
export MEND_REPO=$T/remote.git

n=0
# refuse NAME REASON-GLOB [ARGS...] < DIFF: patch refuses that diff with that reason.
refuse() {
	n=$((n + 1))
	cat > "$T/d$n.diff"
	analysis_record "inc_000000000000$((8500 + n))" "$T/d$n.diff" > "$T/a$n.json"
	patch "${@:3}" "$T/a$n.json" > "$T/out$n" 2> "$T/err$n"
	is "$? $(wc -c < "$T/out$n")" "65 0" "$1: exits 65, prints nothing"
	like "$(cat "$T/err$n")" "*$2*" "$1: says why"
}
# newfile PATH [MODE]: a git diff creating PATH with one line.
newfile() {
	printf 'diff --git a/%s b/%s\nnew file mode %s\n--- /dev/null\n+++ b/%s\n@@ -0,0 +1 @@\n+x\n' \
		"$1" "$1" "${2:-100644}" "$1"
}

refuse "husky hook" "'.husky/pre-commit': protected path (matches '.husky/'*" < <(newfile .husky/pre-commit)
refuse "pre-commit config" "'.pre-commit-config.yaml': protected path*" \
	< <(printf -- '--- /dev/null\n+++ b/.pre-commit-config.yaml\n@@ -0,0 +1,3 @@\n+repos:\n+- repo: local\n+  hooks: [{id: x, entry: "sh -c evil", language: system}]\n')
refuse "editor tasks" "'.vscode/tasks.json': protected path (matches '.vscode/'*" < <(newfile .vscode/tasks.json)
refuse "direnv" "'.envrc': protected path*" < <(newfile .envrc)
refuse "bun lock file" "'bun.lockb': protected path*" < <(newfile bun.lockb)
refuse "CocoaPods lock file" "'ios/Podfile.lock': protected path*" < <(newfile ios/Podfile.lock)
refuse "an env file" "'config/production.env': protected path (matches '*.env'*" < <(newfile config/production.env)
refuse "a new executable" "'tools/run.sh': the change creates a file with mode 100755, not 100644*" < <(newfile tools/run.sh 100755)
refuse "a mode change alone" "'calc.py': the change sets mode 100755 (was 100644*" \
	< <(printf 'diff --git a/calc.py b/calc.py\nold mode 100644\nnew mode 100755\n')
refuse "a mode change with an edit" "'calc.py': the change sets mode 100755*" \
	< <(printf 'diff --git a/calc.py b/calc.py\nold mode 100644\nnew mode 100755\n--- a/calc.py\n+++ b/calc.py\n@@ -1,2 +1,3 @@\n+#!/bin/sh\n def div(a, b):\n     return a / b\n')
refuse "a submodule" "'vendor/lib': the change touches a submodule" < <(newfile vendor/lib 160000)

wd=$(ls -d "$MEND_SPOOL"/work/remote-*/)
is "$(git -C "$wd" status --porcelain):$(git -C "$wd" for-each-ref refs/heads/mend | wc -l)" ":0" \
	"the checkout is clean, no branch was made"
is "$(git -C "$wd" log --all --format=%h -- .husky | wc -l)" 0 "no commit holds the hook"
is "$(spool show inc_0000000000008501 | jq -r '.timeline[-1] | "\(.type) \(.record.refused.stage)"')" \
	"refused patch" "the incident's timeline has the refusal"
like "$(spool show inc_0000000000008501 | jq -r '.timeline[-1].record.refused.reason')" \
	"change refused: '.husky/pre-commit': protected path*" "with the reason"

# An agent that makes a file executable is caught when its work is staged.
analysis_record inc_0000000000008521 - |
	patch --agent 'chmod +x calc.py && printf "\n" >> calc.py' > "$T/ag.out" 2> "$T/ag.err"
is "$?" 65 "an agent's chmod +x: 65"
like "$(cat "$T/ag.err")" "*'calc.py': the change sets mode 100755 (was 100644*" "and says why"

# --allow is the way through, as for every protected path.
analysis_record inc_0000000000008531 "$T/d3.diff" | patch --allow '.vscode/' > "$T/al1" 2>/dev/null
is "$?:$(jq -c .patch.files "$T/al1")" '0:[".vscode/tasks.json"]' "--allow .vscode/ lets the editor tasks through"
analysis_record inc_0000000000008532 "$T/d8.diff" | patch --allow 'tools/' > "$T/al2" 2>/dev/null
is "$?" 0 "--allow tools/ lets a new executable through"
is "$(git -C "$wd" ls-tree "$(jq -r .patch.commit "$T/al2")" tools/run.sh | cut -c1-6)" 100755 \
	"committed with its mode"
