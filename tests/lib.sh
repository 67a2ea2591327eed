# tests/lib.sh - a tiny TAP library for mend's shell tests.
#
#   . "$(dirname "$0")/lib.sh"
#   plan 3
#   ok "enqueue prints the job" test "$x" = 1
#   is "$(cmd)" "expected" "cmd says expected"
#   test_cmp expected actual "files match"
#
# Every test gets its own scratch directory $T (removed at exit unless
# MEND_TEST_KEEP is set) and spool MEND_SPOOL=$T/spool.  The programs under
# test come first in PATH: $MEND_BIN (set by scripts/run-tests), else bin/.
set -u
TOP=$(cd "$(dirname "$0")/.." && pwd)
MEND_BIN=${MEND_BIN:-$TOP/bin}
PATH=$MEND_BIN:$PATH
T=$(mktemp -d "${TMPDIR:-/tmp}/mend-test.XXXXXX")
MEND_SPOOL=$T/spool
export PATH MEND_SPOOL TOP T MEND_BIN
unset MEND_ENGINE MEND_LLM_URL MEND_AGENT MEND_WEBHOOKS MEND_REPO \
	MEND_TRIGGER_URL MEND_TRIGGER_SECRET GITHUB_TOKEN OPENAI_API_KEY \
	MEND_SANDBOX MEND_SANDBOX_ENV MEND_SANDBOX_RO MEND_BWRAP
_n=0
_failed=0
_cleanups=
cleanup() { _cleanups="$* ; $_cleanups"; }
_exit() {
	eval "$_cleanups" >/dev/null 2>&1
	[ -n "${MEND_TEST_KEEP:-}" ] || rm -rf "$T"
}
trap _exit EXIT
trap 'exit 130' INT TERM

plan() { echo "1..$1"; }
skip_all() { echo "1..0 # SKIP $*"; exit 0; }
_report() {
	_n=$((_n + 1))
	if [ "$1" -eq 0 ]; then echo "ok $_n - $2"
	else echo "not ok $_n - $2"; _failed=$((_failed + 1)); fi
}
# ok DESCRIPTION COMMAND...: passes when COMMAND succeeds.
ok() { _d=$1; shift; "$@"; _report $? "$_d"; }
# not_ok DESCRIPTION COMMAND...: passes when COMMAND fails.
not_ok() { _d=$1; shift; if "$@"; then _report 1 "$_d"; else _report 0 "$_d"; fi; }
# is ACTUAL EXPECTED DESCRIPTION
is() {
	if [ "$1" = "$2" ]; then _report 0 "$3"
	else _report 1 "$3"; printf '#   got:      %s\n#   expected: %s\n' "$1" "$2"; fi
}
# like ACTUAL GLOB DESCRIPTION
like() {
	# shellcheck disable=SC2254
	case "$1" in $2) _report 0 "$3" ;; *) _report 1 "$3"; printf '#   got: %s\n#   not like: %s\n' "$1" "$2" ;; esac
}
# test_cmp EXPECTED_FILE ACTUAL_FILE DESCRIPTION
test_cmp() {
	if diff -u "$1" "$2" > "$T/.diff"; then _report 0 "$3"
	else _report 1 "$3"; sed 's/^/# /' "$T/.diff"; fi
}
# Wait until COMMAND succeeds, up to SECONDS (polls every 50 ms).  The
# bound is at least 60 s: a passing test never waits it out, and a loaded
# machine under ASan can be many times slower than the one a test was
# written on.  Use wait_for for events only, never to assert an absence.
wait_for() {
	_w=$1; [ "$_w" -ge 60 ] || _w=60
	_w=$(( _w * 20 )); shift
	while [ "$_w" -gt 0 ]; do "$@" 2>/dev/null && return 0; sleep 0.05; _w=$((_w - 1)); done
	return 1
}
# A free TCP port on 127.0.0.1.
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
