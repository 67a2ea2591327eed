#!/usr/bin/env bash
# patch: a diff from the analysis becomes a commit on mend/fix-<incident>,
# read back with the git CLI; re-running keeps the same commit.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 16
make_repo
id=inc_00000000000000a1
good_diff > "$T/good.diff"
analysis_record $id "$T/good.diff" > "$T/a.json"

patch -r "$T/remote.git" "$T/a.json" > "$T/out" 2> "$T/err"
is "$?" 0 "patch exits 0"
is "$(jq -r .type "$T/out")" patch "prints a patch record"
is "$(jq -r .patch.branch "$T/out")" "mend/fix-$id" "branch named after the incident"
is "$(jq -r .patch.base "$T/out")" main "base is the remote's default branch"
is "$(jq -c .patch.files "$T/out")" '["calc.py"]' "files lists the changed file"
is "$(jq -r .incident.id "$T/out")" $id "the incident passes through"
wd=$(jq -r .patch.workdir "$T/out")
commit=$(jq -r .patch.commit "$T/out")
like "$wd" "$MEND_SPOOL/work/remote-*" "the checkout lives in the spool"
is "$(git -C "$wd" rev-parse "mend/fix-$id")" "$commit" "git sees the branch at the commit"
is "$(git -C "$wd" log -1 --format='%an <%ae>' "$commit")" "Mend Test <mend@example.invalid>" \
	"author from MEND_GIT_NAME/MEND_GIT_EMAIL"
like "$(git -C "$wd" log -1 --format=%B "$commit")" "*calc.div divides by zero*Mend-Incident: $id*" \
	"the commit message names the incident and the root cause"
git -C "$wd" show "$commit:calc.py" > "$T/calc.py"
ok "the fix is in the commit" grep -q 'if b == 0:' "$T/calc.py"
is "$(git -C "$wd" rev-parse "$commit^")" "$(git -C "$T/src" rev-parse main)" "the parent is the base"
ok "git fsck is happy with libgit2's objects" git -C "$wd" fsck --no-progress --strict

patch -r "$T/remote.git" "$T/a.json" > "$T/out2" 2>/dev/null
is "$(jq -r .patch.commit "$T/out2")" "$commit" "a re-run keeps the same commit"

# New commit on the remote: the next run fetches and bases on it.
(cd "$T/src" && echo "# x" >> calc.py && sed -i '1i # header' calc.py &&
	git commit -qam "upstream change" && git push -q "$T/remote.git" main)
patch -r "$T/remote.git" "$T/a.json" > "$T/out3" 2>/dev/null
is "$(git -C "$wd" rev-parse "$(jq -r .patch.commit "$T/out3")^")" \
	"$(git -C "$T/src" rev-parse main)" "a re-run after a push fetches and rebases the fix"

echo '{"type":"incident","incident":{"id":"inc_1","event":"resolve"}}' | patch -r "$T/remote.git" > "$T/pass"
is "$(jq -r .type "$T/pass")" incident "other records pass through"
