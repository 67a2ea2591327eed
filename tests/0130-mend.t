#!/usr/bin/env bash
# mend: the front end finds its programs; install and uninstall.
. "$(dirname "$0")/lib.sh"
plan 8

is "$(mend --exec-path)" "$MEND_BIN" "--exec-path is the directory of the programs"
like "$(mend)" "*enqueue*commit records as jobs*" "mend alone lists the programs"
is "$(echo '{"a":1}' | mend enqueue -q m | jq -r .job.state)" "queued" "mend CMD runs the program"
mend nosuch 2>"$T/err"
is "$?" "64" "an unknown command is a usage error"
is "$(MEND_EXEC_PATH=/x/y mend --exec-path)" "/x/y" "MEND_EXEC_PATH overrides"
like "$(mend --version)" "mend *" "--version"

make -s -C "$TOP" install DESTDIR="$T/root" PREFIX=/usr >/dev/null 2>&1
ok "make install puts mend in bin and the programs in libexec/mend" \
	test -x "$T/root/usr/bin/mend" -a -x "$T/root/usr/libexec/mend/enqueue" -a ! -e "$T/root/usr/bin/enqueue"
make -s -C "$TOP" uninstall DESTDIR="$T/root" PREFIX=/usr >/dev/null 2>&1
not_ok "make uninstall removes them" test -e "$T/root/usr/bin/mend" -o -e "$T/root/usr/libexec/mend/enqueue"
