#!/usr/bin/env bash
# Issue 9, attack 3: tests wrote outside their checkout.  In the sandbox
# the checkout is the only writable place, its .git is read-only, and
# the user's home, the spool and /tmp are hidden.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 9
sandbox_patch inc_0000000000000802
echo "the user's secret" > "$HOME/.secret-file"
mkdir -p "$T/outside" "$T/bin"

cat > "$T/bin/try-writes" <<EOF
#!/bin/sh
echo inside > inside.txt && echo "wrote inside"
echo x > "$T/outside/escaped" 2>/dev/null && echo "wrote outside"
echo x > "$HOME/escaped" 2>/dev/null && echo "wrote home"
echo x > .git/escaped 2>/dev/null && echo "wrote .git"
echo x >> .git/config 2>/dev/null && echo "wrote .git/config"
cat "$HOME/.secret-file" 2>/dev/null
test -e "$MEND_SPOOL/mend.db" && echo "spool visible"
echo x > /tmp/scratch && echo "tmp private"
echo "home \$HOME"
exit 0
EOF
chmod +x "$T/bin/try-writes"
PATH=$T/bin:$PATH
cp "$WD/.git/config" "$T/config.before"

testloop -t try-writes -n 1 "$T/patch.json" > "$T/out" 2> "$T/err"
log=$(testloop_log "$T/out")
like "$log" "*wrote inside*" "the test writes in its checkout"
ok "nothing is written outside the checkout" test ! -e "$T/outside/escaped" -a ! -e "$HOME/escaped"
not_ok "the test says it could not write outside" grep -qE 'wrote (outside|home)' <<<"$log"
ok "nothing is written in .git" test ! -e "$WD/.git/escaped"
test_cmp "$T/config.before" "$WD/.git/config" ".git/config is unchanged"
not_ok "the user's home is hidden" grep -q "the user's secret" <<<"$log"
not_ok "the spool is hidden" grep -q "spool visible" <<<"$log"
like "$log" "*tmp private*" "/tmp is a private scratch space"
ok "HOME is the sandbox's own" grep -q '^home /tmp/home$' <<<"$log"
