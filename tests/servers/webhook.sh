# tests/servers/webhook.sh - start tests/servers/webhook.py for a test:
#   . "$TOP/tests/servers/webhook.sh"; start_webhook
# sets WH (http://127.0.0.1:PORT) and WHLOG (every request, one JSON line).
start_webhook() {
	WHLOG=$T/webhook.log
	python3 "$TOP/tests/servers/webhook.py" --port-file "$T/webhook.port" --log "$WHLOG" &
	_wh_pid=$!
	cleanup "kill $_wh_pid"
	wait_for 10 test -s "$T/webhook.port" || { echo "Bail out! webhook.py did not start"; exit 1; }
	WH=http://127.0.0.1:$(cat "$T/webhook.port")
}
