#!/usr/bin/env bash
# bwrap failed ("Can't remount readonly") when a directory the sandbox
# hides (the home, the spool) lay inside a MEND_SANDBOX_RO directory:
# the hiding tmpfs was made first and the read-only bind then covered
# it.  Mounts are now made parents first: the directory is let in, and
# what is to be hidden in it stays hidden.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 6
sandbox_patch inc_0000000000000160
mkdir -p "$T/home" "$T/shared" "$T/bin"
echo "the user's secret" > "$T/home/.secret-file"
echo "shared data" > "$T/shared/data"

cat > "$T/bin/look" <<EOF
#!/bin/sh
cat "$T/shared/data"
cat "$T/home/.secret-file" 2>/dev/null
test -e "$MEND_SPOOL/mend.db" && echo "spool visible"
echo x > "$T/shared/escaped" 2>/dev/null && echo "wrote shared"
echo inside > inside.txt && echo "wrote inside"
exit 0
EOF
chmod +x "$T/bin/look"
PATH=$T/bin:$PATH

# $T holds the home, the spool and the checkout (in the spool).
HOME=$T/home MEND_SANDBOX=require MEND_SANDBOX_RO=$T \
	testloop -t look -n 1 "$T/patch.json" > "$T/out" 2> "$T/err"
is "$?" 0 "testloop runs the tests with MEND_SANDBOX_RO above the home and the spool"
not_ok "bwrap does not fail to remount" grep -q "remount" "$T/err"
log=$(testloop_log "$T/out")
like "$log" "*shared data*" "the MEND_SANDBOX_RO directory is let in"
not_ok "the home inside it stays hidden" grep -q "the user's secret" <<<"$log"
not_ok "the spool inside it stays hidden" grep -q "spool visible" <<<"$log"
like "$log" "*wrote inside*" "the checkout inside it stays writable"
