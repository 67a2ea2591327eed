# tests/lib-sandbox.sh - for the sandbox tests (08xx): a patched checkout
# to run testloop on, and skips where bubblewrap cannot run.
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lib-sandbox.sh"
#   need_bwrap           # skip_all unless bwrap works here
#   sandbox_patch ID     # $T/patch.json: a patch record, its checkout in the spool
. "$(dirname "$0")/lib-fix.sh"

need_bwrap() {
	command -v bwrap >/dev/null || skip_all "bwrap is not installed (scripts/install-deps)"
	bwrap --unshare-all --die-with-parent --ro-bind / / --proc /proc --dev /dev true \
		2>/dev/null || skip_all "bwrap cannot create namespaces here (user namespaces off?)"
}

sandbox_patch() {
	make_repo
	good_diff > "$T/good.diff"
	analysis_record "$1" "$T/good.diff" | patch -r "$T/remote.git" > "$T/patch.json" \
		2>"$T/patch.err" || { cat "$T/patch.err" >&2; return 1; }
	WD=$(jq -r .patch.workdir "$T/patch.json")
}

# testloop_log OUT: the test output testloop kept in its record.
testloop_log() { jq -r .testrun.log "$1"; }

# bare [NAME=VALUE...] CMD...: run CMD with only what the tests need in
# its environment (and the sanitizers' options), so the names a test
# sees do not depend on the caller's LC_* or TERM.
bare() {
	env -i PATH="$PATH" HOME="$HOME" MEND_SPOOL="$MEND_SPOOL" \
		${ASAN_OPTIONS:+ASAN_OPTIONS="$ASAN_OPTIONS"} \
		${UBSAN_OPTIONS:+UBSAN_OPTIONS="$UBSAN_OPTIONS"} \
		${LSAN_OPTIONS:+LSAN_OPTIONS="$LSAN_OPTIONS"} \
		GIT_CONFIG_NOSYSTEM=1 "$@"
}
