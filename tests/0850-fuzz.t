#!/usr/bin/env bash
# The libFuzzer harnesses (tests/fuzz/), a short run each: from their
# seeds, a fixed number of inputs with a fixed seed, at most 10 s.  make
# check builds them (make fuzz-build, clang); `make fuzz` runs them long.
# They run once, in the sanitizer pass.  A harness with a known crash
# (a reproducer in tests/fuzz/crashes/, named after it) runs its seeds
# only, and each reproducer is reported as a skip until it is fixed.
. "$(dirname "$0")/lib.sh"
case $MEND_BIN in
*/build/asan/bin) ;;
*) skip_all "the fuzzers run once, in the sanitizer pass of make check" ;;
esac
fz=$TOP/build/fuzz/tests/fuzz
names=$(cd "$TOP/tests/fuzz" && ls fuzz_*.c | sed 's/^fuzz_//; s/\.c$//')
for n in $names; do
	[ -x "$fz/fuzz_$n" ] || skip_all "fuzz_$n is not built: make fuzz-build (needs clang)"
done
crashes=$(cd "$TOP/tests/fuzz/crashes" 2>/dev/null && ls)
plan $(( $(echo $names | wc -w) + $(echo $crashes | wc -w) ))
for n in $names; do
	if ls "$TOP/tests/fuzz/crashes/$n"-* >/dev/null 2>&1; then
		out=$("$TOP/tests/fuzz/run" -S -r 0 "$n" 2>&1)
		ok "fuzz_$n: its seeds (known crash: no mutations in make check)" test $? -eq 0
	else
		out=$("$TOP/tests/fuzz/run" -S -r "${FUZZ_RUNS:-4000}" -t 10 "$n" 2>&1)
		ok "fuzz_$n: ${out#*: }" test $? -eq 0
	fi
	case $out in *FAILED*) printf '%s\n' "$out" | sed 's/^/# /' ;; esac
done
for c in $crashes; do
	n=${c%%-*}
	if ASAN_OPTIONS=detect_leaks=0 "$fz/fuzz_$n" "$TOP/tests/fuzz/crashes/$c" >"$T/repro" 2>&1; then
		ok "known crash $c no longer crashes: move it to tests/fuzz/seeds/$n" true
	else
		echo "ok $((_n += 1)) # SKIP known crash $c: $(grep -m1 -o 'SUMMARY: .*' "$T/repro")"
	fi
done
