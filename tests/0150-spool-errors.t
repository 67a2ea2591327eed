#!/usr/bin/env bash
# A spool that cannot be used: clear errors, nothing accepted is lost.
. "$(dirname "$0")/lib.sh"
plan 9

touch "$T/file"
echo '{"a":1}' | enqueue -s "$T/file/spool" > "$T/out" 2> "$T/err"
is "$?" "69" "a spool that cannot be created: exit 69"
like "$(cat "$T/err")" "enqueue: cannot create*$T/file*" "and a message naming it"
is "$(wc -c < "$T/out")" "0" "nothing is printed"

mkdir -p "$T/bad" && head -c 8192 /dev/urandom > "$T/bad/mend.db"
cp "$T/bad/mend.db" "$T/bad.orig"
echo '{"a":1}' | enqueue -s "$T/bad" 2> "$T/err"
is "$?" "69" "a corrupt mend.db: exit 69"
like "$(cat "$T/err")" "*not a database*" "and sqlite's reason"
ok "the corrupt file is left as it was" cmp -s "$T/bad/mend.db" "$T/bad.orig"

# A full disk (a file size limit stands in for it): the batch that does
# not fit is not printed, what was committed before stays.
for i in $(seq 1 50); do echo "{\"n\":$i}"; done | enqueue -q full > /dev/null
(
	trap '' XFSZ
	ulimit -f 600	# 600 blocks of 512 bytes
	python3 -c 'import json; print(json.dumps({"blob": "y" * 2000000}))' |
		enqueue -q full > "$T/out" 2> "$T/err"
	echo $? > "$T/rc"
)
like "$(cat "$T/rc")" "7[045]" "a full disk is an error exit ($(cat "$T/rc"))"
is "$(wc -c < "$T/out")" "0" "the record that did not fit is not printed"
is "$(spool jobs -q full | jq -s length)" "50" "jobs committed before are all there"
