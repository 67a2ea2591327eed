#!/usr/bin/env bash
# detect run once per record (cron) decides exactly what one long run does;
# an incident is in the spool before it is printed.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-records.sh"
plan 11

# outages, a flapping spell, a slow spell, two sources, exceptions
{
	for s in 0 10 20 30 40 50 60 70 80 90 100 110; do
		case $s in 20|30|40) rec api $s false ;; *) rec api $s true ;; esac
		case $((s / 10 % 4)) in 0|1) rec flap $s false ;; *) rec flap $s true ;; esac
		case $s in 50|60|70) rec slow $s true 200 null 800 ;; *) rec slow $s true 200 null 30 ;; esac
		case $s in 10|20|30) rec q $s false 0 '"connect"' 5 p1; rec q $s false 0 '"connect"' 5 p2 ;;
			*) rec q $s true 200 null 5 p1; rec q $s true 200 null 5 p2 ;; esac
	done
	err web 35 KeyError 4 get
	rec api 700 true
	err web 800 KeyError 4 get
} > "$T/all"
opts="--latency 500 --min-samples 4 --quorum 2"
MEND_SPOOL=$T/long.spool detect $opts "$T/all" > "$T/once"
is "$?" 0 "one long run"
n=$(wc -l < "$T/all")
i=0
while IFS= read -r line; do
	printf '%s\n' "$line" | MEND_SPOOL=$T/cron.spool detect $opts >> "$T/cron" || echo "run $i failed" >> "$T/fail"
	i=$((i + 1))
done < "$T/all"
is "$i" "$n" "then one run per record"
ok "no run failed" test ! -e "$T/fail"
is "$(jq -r '.incident | .event + " " + .monitor + " " + .reason' "$T/once" | tr '\n' ',')" \
	"open flap down,open q down,open api down,resolve flap down,open flap down,resolve q down,resolve api down,open slow latency,open web exception,resolve web exception,open web exception," \
	"the long run's incidents"
jq -c '.incident | del(.id)' "$T/once" > "$T/once.s"
jq -c '.incident | del(.id)' "$T/cron" > "$T/cron.s"
test_cmp "$T/once.s" "$T/cron.s" "cron runs print the same incidents"
pairs() { jq -r '.incident | .fingerprint + " " + .event + " " + .id' "$1" | sort | awk '
	$2 == "open" { o[$1] = o[$1] " " $3 } $2 == "resolve" { r[$1] = r[$1] " " $3 }
	END { for (k in r) if (index(o[k], r[k]) == 0) print "mismatch", k }'; }
is "$(pairs "$T/cron")" "" "across runs, each resolve carries its open's id"
is "$(sqlite3 -cmd ".timeout 5000" "$T/cron.spool/mend.db" "select state, count(*) from incidents group by state" | tr '\n' ' ')" \
	"open|3 resolved|4 " "spool: the same incidents open and resolved"

# committed before printed: every printed id is already in the spool
export MEND_SPOOL=$T/live.spool
# The test reads each incident before it sends the records that change it.
coproc DET { detect; }
state_of() {
	id=$(printf '%s\n' "$1" | jq -r .incident.id)
	ev=$(printf '%s\n' "$1" | jq -r .incident.event)
	sqlite3 -cmd ".timeout 5000" "$MEND_SPOOL/mend.db" "select '$ev', state from incidents where id = '$id'"
}
{ rec live 0 false; rec live 10 false; } >&"${DET[1]}"
IFS= read -r line <&"${DET[0]}"
state_of "$line" > "$T/live"
{ rec live 20 true; rec live 30 true; } >&"${DET[1]}"
IFS= read -r line <&"${DET[0]}"
state_of "$line" >> "$T/live"
exec {DET[1]}>&-
wait "$DET_PID"
is "$(tr '\n' ' ' < "$T/live")" "open|open resolve|resolved " "each incident was committed before it was printed"
# and it is printed while the input is still open (not held to the end)
# The input stays open until the incident has come out (or 60 s pass).
mkfifo "$T/pause"
detect < "$T/pause" > "$T/t1" &
dp=$!
exec 8> "$T/pause"
{ rec stream 0 false; rec stream 10 false; } >&8
ok "an incident is printed as soon as the input pauses" wait_for 60 grep -q '"open"' "$T/t1"
exec 8>&-
wait "$dp"

# SIGTERM (a PM2 or systemd restart) saves what was read: the next run goes on
export MEND_SPOOL=$T/term.spool
mkfifo "$T/fifo"
detect < "$T/fifo" > "$T/term1" &
dp=$!
exec 7> "$T/fifo"
rec svc 0 false >&7
# SIGTERM once detect has read the record: the fifo is empty again.
fifo_empty() { python3 -c 'import array, fcntl, termios
n = array.array("i", [0]); fcntl.ioctl(7, termios.FIONREAD, n); raise SystemExit(n[0] != 0)'; }
wait_for 30 fifo_empty
kill -TERM "$dp"
wait "$dp"
is "$?" 0 "SIGTERM: detect exits 0"
exec 7>&-
rec svc 10 false | detect > "$T/term2"
is "$(jq -r .incident.event "$T/term2")" open "the failure read before SIGTERM was saved"
