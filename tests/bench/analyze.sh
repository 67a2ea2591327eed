#!/usr/bin/env bash
# analyze benchmarks:
#  1. ms per incident, analyze --engine rules on a recorded incident (a
#     real Python traceback, a repository, a diff proposed), with and
#     without the spool; peer: the same records through `cat` (process and
#     JSON I/O floor) and through `jq .` (a JSON filter of the same shape).
#  2. stack-trace parser throughput (traces/s) on the corpus in
#     tests/fixtures/traces, against a peer: the usual Python regex parser
#     for Python tracebacks, on the Python part of the corpus.
#  3. parser accuracy: the share of expectations in the corpus's .expect
#     files that hold.
#  4. the real-trace corpus (tests/fixtures/traces/real: 300 traces in nine
#     languages from bug reports and other projects): per language, the
#     share of traces whose frames (top-level and root cause), exceptions
#     and messages are right; traces/s on it.
#     The held-out corpus (tests/fixtures/traces/heldout: 94 traces from
#     bug reports the tuned corpus does not use) the same way.  With
#     BEFORE=path/to/an/older/analyze, both corpora are also scored with
#     it, side by side (the before/after figures in README.md).
#  5. huge inputs (tests/traces-huge.py): MB/s on each shape, and the time
#     for 8x the input (linear: about 8x).
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
bin=${MEND_BIN:-$top/bin}
export PATH=$bin:$PATH
w=$(mktemp -d)
trap 'rm -rf "$w"' EXIT
export MEND_SPOOL=$w/spool
unset MEND_ENGINE MEND_LLM_URL MEND_AGENT
N=${N:-300}
now() { date +%s.%N; }
ms() { awk "BEGIN { printf \"%.3f\", ($2 - $1) * 1000 / $3 }"; }

# 1. ms per incident
fix=$top/tests/fixtures/analyze
mkdir -p "$w/repo" "$w/srv"
cp -r "$fix/app" "$w/repo/" && cp -r "$fix/app" "$w/srv/"
(cd "$w/srv" && python3 app/shop.py zero 2> "$w/tb.txt" >/dev/null) || true
for i in $(seq 1 "$N"); do
	python3 "$fix/incident.py" "$(printf 'inc_%016x' "$i")" "$w/tb.txt"
done > "$w/incidents.jsonl" 2>/dev/null || true
# (one python per record is slow to generate, not to analyze)
t0=$(now); cat "$w/incidents.jsonl" > /dev/null; t1=$(now)
cat_ms=$(ms "$t0" "$t1" "$N")
t0=$(now); jq -c . "$w/incidents.jsonl" > /dev/null; t1=$(now)
jq_ms=$(ms "$t0" "$t1" "$N")
t0=$(now); analyze --no-spool -e rules -r "$w/repo" "$w/incidents.jsonl" > "$w/out1"; t1=$(now)
nospool_ms=$(ms "$t0" "$t1" "$N")
t0=$(now); analyze --no-spool -e rules "$w/incidents.jsonl" > /dev/null; t1=$(now)
norepo_ms=$(ms "$t0" "$t1" "$N")
sys_ms=n/a
if [ -x /usr/bin/python3 ]; then	# the python3 first in PATH may be a slow shim (pyenv)
	t0=$(now); PATH=/usr/bin:$PATH analyze --no-spool -e rules -r "$w/repo" "$w/incidents.jsonl" > /dev/null; t1=$(now)
	sys_ms=$(ms "$t0" "$t1" "$N")
fi
t0=$(now); analyze -e rules -r "$w/repo" "$w/incidents.jsonl" > "$w/out2"; t1=$(now)
spool_ms=$(ms "$t0" "$t1" "$N")
diffs=$(jq -r 'select(.analysis.diff != null) | 1' "$w/out1" | wc -l)
echo "analyze --engine rules, $N incidents (Python traceback + repo, $diffs/$N with a diff):"
printf '  %-34s %8s ms/incident\n' "cat (I/O floor)" "$cat_ms" "jq -c ." "$jq_ms" \
	"analyze --no-spool, no repo" "$norepo_ms" \
	"analyze --no-spool" "$nospool_ms" "analyze --no-spool, /usr/bin/python3" "$sys_ms" \
	"analyze (timeline + kb + similar)" "$spool_ms"
awk "BEGIN { printf \"  ratio analyze/jq: %.1fx without repo, %.1fx with; with spool/without: %.2fx\n\", $norepo_ms / $jq_ms, $nospool_ms / $jq_ms, $spool_ms / $nospool_ms }"
echo "  (with a repo most of the time is the python3 syntax check of the patched file: python3 is $(command -v python3))"

# 2. parser throughput
R=${R:-200}
for i in $(seq 1 "$R"); do cat "$top"/tests/fixtures/traces/*.txt; done > "$w/corpus.txt"
for i in $(seq 1 "$R"); do cat "$top"/tests/fixtures/traces/py*.txt; done > "$w/py.txt"
t0=$(now); analyze --traces "$w/corpus.txt" > "$w/tr.json"; t1=$(now)
n=$(jq '.traces | length' "$w/tr.json")
ours=$(awk "BEGIN { printf \"%.0f\", $n / ($t1 - $t0) }")
t0=$(now); analyze --traces "$w/py.txt" > "$w/py.json"; t1=$(now)
npy=$(jq '.traces | length' "$w/py.json")
ours_py=$(awk "BEGIN { printf \"%.0f\", $npy / ($t1 - $t0) }")
cat > "$w/peer.py" <<'PY'
import re, sys, time, json
text = open(sys.argv[1]).read()
t0 = time.time()
frame = re.compile(r'^\s*File "([^"]+)", line (\d+), in (.+)$')
exc = re.compile(r'^([A-Za-z_][\w.]*)(?:: (.*))?$')
traces = []
cur = None
for line in text.splitlines():
    if "Traceback (most recent call last):" in line:
        cur = {"frames": []}
        continue
    if cur is None:
        continue
    m = frame.match(line)
    if m:
        cur["frames"].append((m.group(1), int(m.group(2)), m.group(3)))
        continue
    if line.startswith(" "):
        continue
    m = exc.match(line)
    if m:
        cur["exception"], cur["message"] = m.group(1), m.group(2)
        cur["frames"].reverse()
        traces.append(cur)
    cur = None
t1 = time.time()
print(len(traces), t1 - t0)
PY
t0=$(now); read -r npeer _ < <(python3 "$w/peer.py" "$w/py.txt"); t1=$(now)
peer=$(awk "BEGIN { printf \"%.0f\", $npeer / ($t1 - $t0) }")
echo "stack-trace parser, corpus x$R:"
printf '  %-34s %10s traces/s (%s traces, all languages)\n' "analyze --traces" "$ours" "$n"
printf '  %-34s %10s traces/s (%s traces)\n' "analyze --traces, Python part" "$ours_py" "$npy" \
	"peer: Python regex parser" "$peer" "$npeer"
awk "BEGIN { printf \"  ratio ours/peer on Python: %.2fx (both whole processes; ours also prints JSON; the peer counts a chain as two traces and has no log prefixes, carets or in-app)\n\", $ours_py / $peer }"

# 3. accuracy against the .expect files
python3 - "$top/tests/fixtures/traces" "$bin/analyze" <<'PY'
import json, os, subprocess, sys
d, analyze = sys.argv[1], sys.argv[2]
ok = total = files_ok = files = 0
misses = []
for name in sorted(os.listdir(d)):
    if not name.endswith(".expect"):
        continue
    files += 1
    txt = os.path.join(d, name[:-7] + ".txt")
    out = json.loads(subprocess.run([analyze, "--traces", txt], capture_output=True, text=True).stdout)
    ts = out["traces"]
    t = ts[0] if ts else {}
    r = t
    while r and r.get("cause"):
        r = r["cause"]
    good = True
    for line in open(os.path.join(d, name)).read().splitlines():
        k, _, v = line.partition(" ")
        total += 1
        if k == "count":
            hit = len(ts) == int(v)
        elif k in ("lang", "exception", "message"):
            hit = (t.get(k) or "") == v
        elif k in ("frame", "rootframe"):
            i, path, ln, fn, app = v.split(" ")
            fr = (t if k == "frame" else r).get("frames", [])
            f = fr[int(i)] if int(i) < len(fr) else {}
            hit = ((path == "-" or f.get("path") == path) and (f.get("line") or 0) == int(ln)
                   and (f.get("function") or "-").replace(" ", "_") == fn
                   and f.get("in_app") == (app == "app"))
        elif k == "root":
            hit = (r.get("exception") or "") == v
        else:
            hit = False
        ok += hit
        good &= hit
        if not hit:
            misses.append(name + ": " + line)
    files_ok += good
print("parser accuracy: %d/%d expectations (%.1f%%), %d/%d traces fully right"
      % (ok, total, 100.0 * ok / total, files_ok, files))
for m in misses:
    print("  miss:", m)
PY

# 4. the real-trace corpus
real=$top/tests/fixtures/traces/real
echo "real-trace corpus ($(ls "$real"/*.txt | wc -l) traces), share right:"
python3 "$top/tests/traces-corpus.py" "$bin/analyze" "$real" | sed 's/^/  /'
held=$top/tests/fixtures/traces/heldout
echo "held-out corpus ($(ls "$held"/*.txt | wc -l) traces, not used to tune the parser rules it was scored with first), share right:"
python3 "$top/tests/traces-corpus.py" "$bin/analyze" "$held" | sed 's/^/  /'
if [ -n "${BEFORE:-}" ]; then
	for c in real heldout; do
		echo "$c corpus with BEFORE=$BEFORE:"
		python3 "$top/tests/traces-corpus.py" "$BEFORE" "$top/tests/fixtures/traces/$c" | sed 's/^/  /'
	done
fi
for i in $(seq 1 "$R"); do cat "$real"/*.txt; echo; done > "$w/real.txt"
t0=$(now); analyze --traces "$w/real.txt" > "$w/real.json"; t1=$(now)
n=$(jq '.traces | length' "$w/real.json")
awk "BEGIN { printf \"  analyze --traces on the corpus x$R: %.0f traces/s (%d traces, %.1f MB)\n\", $n / ($t1 - $t0), $n, $(wc -c < "$w/real.txt") / 1e6 }"

# 5. huge inputs
H=${H:-20000}
echo "huge inputs ($H and $((H * 8)) lines of one shape):"
for k in java atonly caused arrows py pyframes digits goroutine panicked longline php ruby san msgcont blank pyindent pygutter markup bugsnag honeybadger appcenter notifier django goindent rubywrap chrome; do
	python3 "$top/tests/traces-huge.py" "$k" "$H" > "$w/s.txt"
	python3 "$top/tests/traces-huge.py" "$k" $((H * 8)) > "$w/l.txt"
	t0=$(now); analyze --traces "$w/s.txt" > /dev/null; t1=$(now)
	t2=$(now); analyze --traces "$w/l.txt" > /dev/null; t3=$(now)
	awk "BEGIN { printf \"  %-10s %6.1f MB/s   8x input: %5.2f s -> %5.2f s (%.1fx)\n\", \"$k\", $(wc -c < "$w/l.txt") / 1e6 / ($t3 - $t2), $t1 - $t0, $t3 - $t2, ($t3 - $t2) / ($t1 - $t0) }"
done
