#!/usr/bin/env bash
# Every program: --help prints the usage on stdout and exits 0; an unknown
# option or a missing option argument prints it on stderr and exits 64;
# --version prints "NAME (mend) VERSION" on stdout and exits 0.  All of
# it is lib/cli.c's, so a program that goes around it shows up here.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
cmds=$(ls cmd/*.c | sed 's|cmd/||; s|\.c$||')
version=$(sed -n 's/^VERSION = //p' Makefile)
# shellcheck disable=SC2086
plan $(( 4 * $(echo $cmds | wc -w) + 1 ))
for n in $cmds; do
	"$n" --help > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	if [ "$n" = mend ]; then want="*enqueue*"; else want="usage: $n *"; fi
	like "$rc:$(cat "$T/err")|$(head -c 300 "$T/out")" "0:|$want" "$n --help: usage on stdout, exit 0"
	"$n" --no-such-option > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	like "$rc|$(cat "$T/out")|$(cat "$T/err")" "64||*usage: $n *" "$n --no-such-option: usage on stderr, exit 64"
	"$n" --version > "$T/out" 2> "$T/err" < /dev/null
	is "$?:$(cat "$T/out")|$(cat "$T/err")" "0:$n (mend) $version|" "$n --version: '$n (mend) $version', exit 0"
	# A long option that wants an argument, given none: --spool where the
	# program has it (spool's subcommands have their own), else the
	# first (mend has none).
	o=$(sed -n 's/.*{ *"\([a-z][a-z0-9-]*\)", *required_argument.*/\1/p' "cmd/$n.c" |
		sort -k1,1 | awk '$0 == "spool" { s = 1 } NR == 1 { f = $0 } END { print s ? "spool" : f }')
	if [ -z "$o" ]; then
		ok "$n has no option with an argument" true
		continue
	fi
	"$n" "--$o" > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	like "$rc|$(cat "$T/out")|$(cat "$T/err")" "64||*requires an argument*usage: $n *" \
		"$n --$o (no argument): usage on stderr, exit 64"
done
# mend(1) documents what --version prints.
ok "mend(1) shows the --version line" grep -q 'mend (mend)' man/mend.1
