# tests/servers/trigger.sh - run our trigger for a test (it is ours, so it
# runs for real; this only starts it on a free port and waits for it):
#   . "$TOP/tests/servers/trigger.sh"; start_trigger [ARGS...]
# sets TRIG (http://127.0.0.1:PORT), TRIG_PID and TRIG_ERR (its stderr).
start_trigger() {
	TRIG_ERR=$T/trigger.err
	trigger -l 127.0.0.1:0 "$@" 2>"$TRIG_ERR" &
	TRIG_PID=$!
	cleanup "kill $TRIG_PID"
	wait_for 10 grep -q 'listening on' "$TRIG_ERR" ||
		{ echo "Bail out! trigger did not start"; cat "$TRIG_ERR"; exit 1; }
	TRIG=http://127.0.0.1:$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$TRIG_ERR")
}
# Jobs on a queue of the spool, counted straight from mend.db (read-only).
count_jobs() {
	python3 -c 'import sqlite3,sys
db = sqlite3.connect("file:" + sys.argv[1] + "/mend.db?mode=ro", uri=True)
print(db.execute("select count(*) from jobs where queue = ?", (sys.argv[2],)).fetchone()[0])' "$MEND_SPOOL" "$1"
}
# The payloads of a queue's jobs, one JSON line each, oldest first.
job_payloads() {
	python3 -c 'import sqlite3,sys
db = sqlite3.connect("file:" + sys.argv[1] + "/mend.db?mode=ro", uri=True)
for (p,) in db.execute("select payload from jobs where queue = ? order by id", (sys.argv[2],)):
    print(p)' "$MEND_SPOOL" "$1"
}
# sign INCIDENT EXP: the signature as the link format defines it, made with
# openssl(1), not with our code.
sign() {
	printf 'mend-fix-v1\n%s\n%s' "$1" "$2" | openssl dgst -sha256 -hmac "$MEND_TRIGGER_SECRET" |
		sed 's/.* //'
}
