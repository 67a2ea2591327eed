#!/usr/bin/env bash
# trigger under a slow client and a flood: idle connections and a client
# trickling its headers one byte at a time do not stop /healthz from
# answering; the per-address cap leaves room for other clients; idle
# connections beyond the total cap are dropped after --timeout, and then
# the server answers again.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/trigger.sh"
plan 5
export MEND_TRIGGER_SECRET=s3cr3t-0123456789-never-shown
start_trigger --max-conns 20 --max-conns-per-ip 8 --timeout 2s --quiet
port=${TRIG##*:}

# hold SOURCE COUNT SECONDS: open COUNT connections from SOURCE (127.x.y.z,
# all loopback) and keep them idle; the first trickles a request one byte
# every 0.2 s.  Prints how many connected, then holds.
hold() {
	python3 - "$port" "$@" <<'PY' &
import socket, sys, time
port, src, n, secs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
socks = []
for i in range(n):
    s = socket.socket()
    s.settimeout(0.5)
    s.bind((src, 0))
    try:
        s.connect(("127.0.0.1", port))
        socks.append(s)
    except OSError:
        pass
print(len(socks), flush=True)
req = b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"X-Slow: " + b"a" * 200
end, i = time.time() + secs, 0
while time.time() < end:
    if socks and i < len(req):
        try:
            socks[0].send(req[i:i + 1])
        except OSError:
            pass
        i += 1
    time.sleep(0.2)
PY
	cleanup "kill $! 2>/dev/null"
}
healthz() {  # healthz SOURCE MAXTIME: the status code
	curl -s -o /dev/null -w '%{http_code}' --interface "$1" --max-time "$2" "$TRIG/healthz"
}

hold 127.0.0.1 8 30 >"$T/held1"
wait_for 5 test -s "$T/held1"
is "$(healthz 127.0.0.2 2)" 200 "a slow client and 7 idle ones: /healthz still answers at once"
is "$(healthz 127.0.0.1 1)" 000 "a 9th connection from the same address is refused (per-address cap)"
is "$(healthz 127.0.0.2 2)" 200 "another address is not affected"

# Fill every remaining slot from other addresses and keep them idle.
hold 127.0.0.3 8 30 >"$T/held2"
hold 127.0.0.4 8 30 >"$T/held3"
wait_for 5 test -s "$T/held2" -a -s "$T/held3"
t0=$(date +%s.%N)
code=$(healthz 127.0.0.5 8)
t1=$(date +%s.%N)
is "$code" 200 "all 20 slots taken: /healthz answers once idle connections time out"
took=$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", b - a }')
echo "# answered after $took s (the idle timeout is 2 s; curl gave it 8)"
kill -TERM "$TRIG_PID"
wait "$TRIG_PID"
is "$?" 0 "SIGTERM with connections open: clean exit 0"
