#!/usr/bin/env bash
# Benchmark trigger against a peer, in one run: Python's threading HTTP
# server answering the same /healthz (the reference most small webhook
# receivers are built on).  For each server:
#  - requests/s for GET /healthz over one keep-alive connection;
#  - requests/s with 8 client threads;
#  - /healthz latency (p50, p99) while 100 idle connections and one
#    client trickling its headers are held open.
# And for trigger alone: requests/s for the fix page (GET /fix/..., a
# spool read and the HTML), the work a click costs.
# Prints ratios.  N (requests per measurement) defaults to 2000.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
PATH=$top/bin:$PATH
N=${N:-2000}
tmp=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null; rm -rf "$tmp"' EXIT
export MEND_SPOOL=$tmp/spool MEND_TRIGGER_SECRET=bench-secret-0123456789abcdef

trigger -l 127.0.0.1:0 --quiet --max-conns 256 --max-conns-per-ip 256 2>"$tmp/trig.err" &
# (its stderr is dropped: tracebacks when the benchmark's clients hang up)
python3 - "$tmp/peer.port" 2>/dev/null <<'PY' &
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
class H(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else Nagle and delayed ACKs cost 40 ms a request
    def log_message(self, *a): pass
    def do_GET(self):
        self.send_response(200)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", "3")
        self.end_headers()
        self.wfile.write(b"ok\n")
s = ThreadingHTTPServer(("127.0.0.1", 0), H)
s.daemon_threads = True
open(sys.argv[1], "w").write(str(s.server_address[1]))
s.serve_forever()
PY
for i in $(seq 50); do
	grep -q listening "$tmp/trig.err" 2>/dev/null && test -s "$tmp/peer.port" && break
	sleep 0.1
done
tport=$(sed -n 's/.*:\([0-9]*\)$/\1/p' "$tmp/trig.err")
pport=$(cat "$tmp/peer.port")

# An analysis in the spool and a link to it, for the page measurement.
id=inc_00000000000000be exp=$(( $(date +%s) + 3600 ))
echo '{"type":"analysis","incident":{"id":"'$id'","monitor":"shop"},"analysis":{"engine":"rules","root_cause":"ZeroDivisionError in total()","category":"code","confidence":0.8,"remediation":["return 0"],"frames":[],"similar":[],"diff":null}}' |
	MEND_TRIGGER_URL=http://127.0.0.1:$tport notify --link-ttl 1h -w json:http://127.0.0.1:1/ --attempts 1 \
	>"$tmp/n.out" 2>/dev/null || true
fix=$(jq -r '.notified[0].fix_url' "$tmp/n.out")
fixpath=/${fix#http://*/}

python3 - "$tport" "$pport" "$N" "$fixpath" <<'PY'
import http.client, socket, statistics, sys, threading, time
tport, pport, n, fixpath = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]

def seq(port, path, n):
    c = http.client.HTTPConnection("127.0.0.1", port)
    t = time.perf_counter()
    for _ in range(n):
        c.request("GET", path); r = c.getresponse(); r.read()
        assert r.status == 200, r.status
    return n / (time.perf_counter() - t)

def par(port, path, n, k=8):
    def run():
        c = http.client.HTTPConnection("127.0.0.1", port)
        for _ in range(n // k):
            c.request("GET", path); r = c.getresponse(); r.read()
    ts = [threading.Thread(target=run) for _ in range(k)]
    t = time.perf_counter()
    for x in ts: x.start()
    for x in ts: x.join()
    return n / (time.perf_counter() - t)

def under_siege(port, n=200):
    held = []
    for _ in range(100):
        s = socket.create_connection(("127.0.0.1", port)); held.append(s)
    slow = socket.create_connection(("127.0.0.1", port))
    slow.send(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
    lat = []
    for i in range(n):
        slow.send(b"X: y\r\n") if i % 10 == 0 else None
        t = time.perf_counter()
        c = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        c.request("GET", "/healthz"); r = c.getresponse(); r.read(); c.close()
        lat.append((time.perf_counter() - t) * 1000)
    for s in held + [slow]: s.close()
    lat.sort()
    return lat[len(lat) // 2], lat[int(len(lat) * 0.99)]

rows = []
for name, port in (("trigger", tport), ("python", pport)):
    rows.append((name, seq(port, "/healthz", n), par(port, "/healthz", n), under_siege(port)))
for name, s, p, (p50, p99) in rows:
    print(f"{name:8} /healthz: {s:8.0f} req/s sequential, {p:8.0f} req/s 8 clients, "
          f"held-open p50 {p50:.2f} ms p99 {p99:.2f} ms")
(_, ts, tp, (t50, t99)), (_, ps, pp, (p50, p99)) = rows
print(f"ratio trigger/python: sequential {ts / ps:.2f}x, 8 clients {tp / pp:.2f}x, "
      f"held-open p50 {p50 / t50:.2f}x faster, p99 {p99 / t99:.2f}x faster")
print(f"trigger GET fix page (spool read + HTML): {seq(tport, fixpath, n // 4):.0f} req/s")
PY
