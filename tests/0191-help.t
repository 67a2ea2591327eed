#!/usr/bin/env bash
# Every program: --help prints the usage on stdout and exits 0; an unknown
# option prints it on stderr and exits 64; --version prints the version.
. "$(dirname "$0")/lib.sh"
cd "$TOP" || exit 1
cmds=$(ls cmd/*.c | sed 's|cmd/||; s|\.c$||')
# shellcheck disable=SC2086
plan $(( 3 * $(echo $cmds | wc -w) ))
for n in $cmds; do
	"$n" --help > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	if [ "$n" = mend ]; then want="*enqueue*"; else want="usage: $n *"; fi
	like "$rc:$(cat "$T/err")|$(head -c 300 "$T/out")" "0:|$want" "$n --help: usage on stdout, exit 0"
	"$n" --no-such-option > "$T/out" 2> "$T/err" < /dev/null
	rc=$?
	like "$rc|$(cat "$T/out")|$(cat "$T/err")" "64||*usage: $n *" "$n --no-such-option: usage on stderr, exit 64"
	"$n" --version > "$T/out" 2> "$T/err" < /dev/null
	like "$?:$(cat "$T/out")" "0:$n *" "$n --version"
done
