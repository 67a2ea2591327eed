#!/usr/bin/env python3
"""gen-probes.py N [MONITORS] - N probe records as probe(1) prints them:
MONITORS monitors (default 1000) checked every 30 s, each with a few
outages (runs of 503s and timeouts) and slow spells, deterministic
(seeded), so detect has real work to do."""
import json, random, sys, datetime

n = int(sys.argv[1])
mons = int(sys.argv[2]) if len(sys.argv) > 2 else 1000
rnd = random.Random(42)
t0 = datetime.datetime(2026, 11, 1, tzinfo=datetime.timezone.utc).timestamp()
down = {}
out = sys.stdout
for i in range(n):
    m = i % mons
    cycle = i // mons
    t = t0 + cycle * 30 + m * 0.01
    left = down.get(m, 0)
    if left == 0 and rnd.random() < 0.002:
        left = rnd.randint(1, 20)
    if left:
        down[m] = left - 1
        kind = "status" if m % 3 else "timeout"
        status, err, ms = (503, "status", 12.5) if kind == "status" else (0, "timeout", 10000.0)
        ok, detail = False, ("HTTP 503, expected 200-399" if status else
                             "Operation timed out after 10000 milliseconds with 0 bytes received")
    else:
        status, err, ok, ms, detail = 200, None, True, round(rnd.uniform(2, 40), 3), "HTTP 200"
    ts = datetime.datetime.fromtimestamp(t, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + "%03dZ" % int((t % 1) * 1000)
    host = "svc%d.internal" % m
    rec = {"type": "probe", "ts": ts, "monitor": "%s/health" % host,
           "url": "http://%s/health" % host, "method": "GET", "ok": ok,
           "status": status, "ms": ms, "bytes": 22 if ok else 7, "error": err,
           "detail": detail,
           "timings": {"dns": 0.01, "connect": 0.2, "tls": None, "ttfb": ms * 0.8, "total": ms},
           "source": "prober-1"}
    out.write(json.dumps(rec, separators=(",", ":")) + "\n")
