#!/usr/bin/env python3
"""metric-series.py SHAPE [MINUTES] - print metric records of one synthetic
series, 10 s apart from 2026-12-03T10:00:00Z, as `sample` writes them, for
detect's metric rules (tests/0215-detect-metrics.t).  Noise is seeded, so
a run is the same every time.  Shapes:

  leak      20 min flat at 200 MB, 40 min growing 2 MiB/min, then a restart
            back to 200 MB and 30 min flat
  flat      200 MB with noise (MINUTES long, default 120)
  sawtooth  a garbage-collected heap: 150 MB growing to 250 MB and falling
            back every 5 minutes (MINUTES long)
  cpu       process_cpu_seconds_total: 10 min idle (0.02 s/s), 10 min pinned
            (1 s/s), 10 min idle, with a restart (counter back to 0) at 25 min
"""
import datetime
import json
import random
import sys

random.seed(7)
shape = sys.argv[1]
minutes = int(sys.argv[2]) if len(sys.argv) > 2 else 120
t0 = datetime.datetime(2026, 12, 3, 10, 0, 0)
MiB = 1048576


def rec(i, v, name="process_resident_memory_bytes", kind="gauge"):
    ts = (t0 + datetime.timedelta(seconds=10 * i)).strftime("%Y-%m-%dT%H:%M:%S.000Z")
    print(json.dumps({"type": "metric", "ts": ts, "monitor": "shop", "target": "pid:4242",
                      "name": name, "value": v, "kind": kind, "labels": {}}))


if shape == "leak":
    for i in range(540):
        grow = min(max(i - 120, 0), 240) * 2 * MiB / 6 if i < 360 else 0
        rec(i, 200e6 + grow + random.gauss(0, 2e6))
elif shape == "flat":
    for i in range(minutes * 6):
        rec(i, 200e6 + random.gauss(0, 3e6))
elif shape == "sawtooth":
    for i in range(minutes * 6):
        rec(i, 150e6 + (i % 30) * 100e6 / 30 + random.gauss(0, 1e6))
elif shape == "cpu":
    c = 0.0
    for i in range(180):
        if i == 150:
            c = 0.0
        c += 10 * (1.0 if 60 <= i < 120 else 0.02)
        rec(i, round(c, 2), "process_cpu_seconds_total", "counter")
else:
    sys.exit("unknown shape " + shape)
