#!/usr/bin/env bash
# Issue 9, attack 2, without a sandbox: code running as the same user
# read /proc/PID/environ of mend's programs, which hold the tokens.
# Every mend program makes itself non-dumpable first thing
# (prctl PR_SET_DUMPABLE 0), so that file is closed to the same uid.
. "$(dirname "$0")/lib.sh"
plan 4

# As root every /proc file is readable: drop to nobody for both sides.
as_user=()
if [ "$(id -u)" -eq 0 ]; then
	command -v setpriv >/dev/null || skip_all "running as root without setpriv"
	as_user=(setpriv --reuid=65534 --regid=65534 --clear-groups)
	setpriv --reuid=65534 --regid=65534 --clear-groups test -x "$MEND_BIN/analyze" ||
		skip_all "nobody cannot run $MEND_BIN/analyze"
fi
mkfifo "$T/in1" "$T/in2"
chmod 755 "$T"
chmod 666 "$T/in1" "$T/in2"

# analyze waits for its input on a fifo, a token in its environment.
"${as_user[@]}" env GITHUB_TOKEN=ghp_nodumpsecret "$MEND_BIN/analyze" --no-spool \
	< "$T/in1" > "$T/analyze.out" 2> "$T/analyze.err" &
pid=$!
# The same with a program that is not ours, to show the check can fail.
"${as_user[@]}" env GITHUB_TOKEN=ghp_nodumpsecret cat < "$T/in2" > /dev/null &
other=$!
exec 8> "$T/in1" 9> "$T/in2"
is_cmd() { [ "$(cat "/proc/$1/comm" 2>/dev/null)" = "$2" ]; }
ok "analyze is running" wait_for 10 is_cmd "$pid" analyze
wait_for 10 is_cmd "$other" cat
ok "another program's environment is readable by the same user" \
	"${as_user[@]}" grep -q ghp_nodumpsecret "/proc/$other/environ"
# analyze makes itself non-dumpable early in main, but after exec (and,
# under ASan, after the sanitizer's start-up): wait for that, bounded.
environ_closed() { ! "${as_user[@]}" cat "/proc/$1/environ" >/dev/null 2>&1; }
ok "analyze's environment is not" wait_for 60 environ_closed "$pid"
exec 8>&- 9>&-
wait "$pid"
is "$?" 0 "analyze still ends normally (and the sanitizers with it)"
wait "$other"
