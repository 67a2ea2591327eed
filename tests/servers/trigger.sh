# tests/servers/trigger.sh - run our trigger for a test (it is ours, so it
# runs for real; this only starts it on a free port and waits for it):
#   . "$TOP/tests/servers/trigger.sh"; start_trigger [ARGS...]
# sets TRIG (http://127.0.0.1:PORT), TRIG_PID and TRIG_ERR (its stderr).
start_trigger() {
	TRIG_ERR=$T/trigger.err
	rm -f "$TRIG_ERR"	# a restart must not read the last one's address
	trigger -l 127.0.0.1:0 "$@" 2>"$TRIG_ERR" &
	TRIG_PID=$!
	cleanup "kill $TRIG_PID"
	wait_for 10 grep -q 'listening on' "$TRIG_ERR" ||
		{ echo "Bail out! trigger did not start"; cat "$TRIG_ERR"; exit 1; }
	TRIG=http://127.0.0.1:$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TRIG_ERR")
}
# Jobs on a queue of the spool, and their payloads (one JSON line each,
# oldest first), as spool(1) shows them.
count_jobs() {
	spool jobs -q "$1" | wc -l | tr -d ' '
}
job_payloads() {
	spool jobs -q "$1" | jq -r .id | sort -n | while read -r id; do
		spool show "$id" | jq -c .payload
	done
}
# sign INCIDENT EXP: the signature as the link format defines it, made
# with Python's hmac module, not with our code.
sign() {
	python3 -c 'import hashlib, hmac, os, sys
msg = ("mend-fix-v1\n%s\n%s" % (sys.argv[1], sys.argv[2])).encode()
print(hmac.new(os.environ["MEND_TRIGGER_SECRET"].encode(), msg, hashlib.sha256).hexdigest())' "$1" "$2"
}
