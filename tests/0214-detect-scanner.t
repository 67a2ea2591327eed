#!/usr/bin/env bash
# detect reads probe records with its own scanner and falls back to libjq
# for anything unusual; --when 'false' sends every record through libjq.
# Both must decide the same incidents.
. "$(dirname "$0")/lib.sh"
plan 4

python3 - > "$T/in" <<'PY'
import json, random
r = random.Random(7)
names = ["api", "caf\u00e9", "quo\"te", "back\\slash", "tab\there", "\u65e5\u672c"]
def ws():
    return r.choice(["", " ", "  ", "\t"])
lines = []
for i in range(3000):
    m = r.choice(names)
    ok = r.random() > 0.3
    rec = {"type": "probe", "ts": "2026-11-24T%02d:%02d:%02d.%03dZ" % (i // 3600, i // 60 % 60, i % 60, r.randint(0, 999)),
           "monitor": m, "url": "http://x/" + str(r.randint(0, 3)), "method": "GET", "ok": ok,
           "status": 200 if ok else r.choice([500, 503, 0]), "ms": r.choice([12, 1.5e2, 3.25, 9000]),
           "bytes": 7, "error": None if ok else r.choice(["status", "timeout", "connect"]),
           "detail": r.choice(["HTTP 200", "esc \\ \" \n done", "\u00fcml"]),
           "timings": {"dns": 0.1, "connect": [1, {"a": None}], "tls": None},
           "source": r.choice(["p1", "p2"])}
    items = list(rec.items())
    r.shuffle(items)
    body = ("," + ws()).join(ws() + json.dumps(k) + ws() + ":" + ws() + json.dumps(v, ensure_ascii=r.random() < 0.5) for k, v in items)
    lines.append("{" + body + ws() + "}")
    if i % 500 == 0:
        lines.append('{"type":"job","id":%d}' % i)
print("\n".join(lines))
PY
opts="--error-rate 40 --latency 1000 --quorum 2"
MEND_SPOOL=$T/fast.spool detect $opts "$T/in" > "$T/fast"
is "$?" 0 "scanner run"
MEND_SPOOL=$T/slow.spool detect $opts --when false "$T/in" > "$T/slow"
is "$?" 0 "libjq run"
ok "there are incidents to compare" test "$(wc -l < "$T/fast")" -gt 8
jq -c '.incident | del(.id)' "$T/fast" > "$T/fast.s"
jq -c '.incident | del(.id)' "$T/slow" > "$T/slow.s"
test_cmp "$T/slow.s" "$T/fast.s" "the same incidents, field for field"
