#!/usr/bin/env bash
# redact(1) against the corpus of tests/fixtures/secrets: 172 made-up
# secrets of real providers' formats, each in the text it leaks in (log
# lines, configs, traces, curl commands, JSON, URLs), and 69 lines with
# no secret that must come through unchanged.  check.py counts the
# secrets that got through (whole, or 12 characters of one in a row).
. "$(dirname "$0")/lib.sh"
command -v python3 >/dev/null || skip_all "python3 is not installed"
plan 4
dir=$TOP/tests/fixtures/secrets
python3 "$dir/check.py" -v redact >"$T/out" 2>&1
rc=$?
is "$(grep '^secrets through' "$T/out")" "secrets through: 0 of 172" "no secret of the corpus gets through"
is "$(grep '^false positives' "$T/out")" "false positives: 0 of 69" "no line without a secret is changed"
is "$rc" 0 "check.py agrees"
# The check can fail: cat redacts nothing.
python3 "$dir/check.py" cat >"$T/cat" 2>&1
is "$(grep '^secrets through' "$T/cat")" "secrets through: 172 of 172" "through cat, every secret gets through"
grep -v '^ok' "$T/out" | sed 's/^/# /' | head -20
