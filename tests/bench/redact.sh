#!/usr/bin/env bash
# tests/bench/redact.sh - redact(1) against a sed redactor.
#
#   bash tests/bench/redact.sh
#
# The peer is what people write by hand: `sed -E` with one expression per
# common secret (key=value, Authorization, Bearer, URL passwords, PEM,
# and the best-known provider prefixes), the kind of list gitleaks-style
# tools start from.  In one run, on the same input:
#   1. the corpus (tests/fixtures/secrets, check.py): secrets that get
#      through and lines without a secret that are changed (false
#      positives), for redact and for the peer;
#   2. throughput on MB (default 32) of log text: the corpus's texts and
#      its clean lines repeated, with a real secret every ~12 lines.
# Prints MB/s of CPU time for both and the ratio.  Environment: MB, REDACT (bin/redact).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
MB=${MB:-32}
REDACT=${REDACT:-$top/bin/redact}
[ -x "$REDACT" ] || { echo "build first: make" >&2; exit 1; }
D=$(mktemp -d)
trap 'rm -rf "$D"' EXIT

cat > "$D/peer.sed" <<'SED'
s/((password|passwd|pwd|secret|token|api_?key|access_?key|client_secret)["']?[[:space:]]*[:=][[:space:]]*["']?)[^"'[:space:],&;]+/\1[REDACTED]/Ig
s/((Authorization|Cookie|Set-Cookie):[[:space:]]*).*/\1[REDACTED]/Ig
s/(Bearer[[:space:]]+)[A-Za-z0-9._~+\/=-]+/\1[REDACTED]/g
s/(:\/\/[^:\/@[:space:]]+:)[^@\/[:space:]]+@/\1[REDACTED]@/g
s/-----BEGIN [A-Z ]*PRIVATE KEY-----.*/-----BEGIN PRIVATE KEY-----[REDACTED]/
s/(gh[pousr]_)[A-Za-z0-9]{36}/\1[REDACTED]/g
s/(github_pat_)[A-Za-z0-9_]{80,}/\1[REDACTED]/g
s/(glpat-)[A-Za-z0-9_-]{20}/\1[REDACTED]/g
s/(xox[abprs]-)[A-Za-z0-9-]+/\1[REDACTED]/g
s/(AKIA|ASIA)[A-Z0-9]{16}/\1[REDACTED]/g
s/(AIza)[A-Za-z0-9_-]{35}/\1[REDACTED]/g
s/(sk_live_|rk_live_)[A-Za-z0-9]+/\1[REDACTED]/g
s/(sk-(ant-|proj-)?)[A-Za-z0-9_-]{20,}/\1[REDACTED]/g
s/(npm_)[A-Za-z0-9]{36}/\1[REDACTED]/g
s/eyJ[A-Za-z0-9_-]+\.eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+/[REDACTED]/g
SED
echo "== the corpus: secrets through and false positives"
for who in redact peer; do
	if [ $who = redact ]; then cmd=("$REDACT"); else cmd=(sed -E -f "$D/peer.sed"); fi
	python3 "$top/tests/fixtures/secrets/check.py" "${cmd[@]}" > "$D/$who.check" 2>&1
	printf '%-7s %s, %s\n' $who "$(sed -n 's/^secrets through: //p' "$D/$who.check")" \
		"$(sed -n 's/^false positives: \(.*\)/\1 false positives/p' "$D/$who.check")"
done

echo "== throughput on $MB MB of log text"
python3 - "$top/tests/fixtures/secrets" "$MB" > "$D/in.txt" <<'PY'
import os, sys
here, mb = sys.argv[1], int(sys.argv[2])
sys.path.insert(0, here)
from corpus import ROWS
texts = [t.replace("\0", "") for _, _, _, t in ROWS]
keep = [l.rstrip("\n").replace("\\t", "\t") for l in open(os.path.join(here, "keep.txt")) if not l.startswith("#")]
out, n, i = [], 0, 0
while n < mb << 20:
    block = "\n".join(keep[(i * 11 + k) % len(keep)] for k in range(11)) + "\n" + texts[i % len(texts)] + "\n"
    out.append(block)
    n += len(block)
    i += 1
sys.stdout.write("".join(out))
PY
cat "$D/in.txt" > /dev/null
size=$(stat -c %s "$D/in.txt")
# CPU seconds (user + system), not wall time: the machine is shared.
run() {	# COMMAND... -> seconds
	/usr/bin/time -f '%U %S' -o "$D/time" "$@" < "$D/in.txt" > "$D/out" 2> "$D/err" ||
		{ echo "$1 failed:" >&2; cat "$D/err" >&2; exit 1; }
	awk '{ print $1 + $2 }' "$D/time"
}
best() {	# the best of 3
	local b=999999 t
	for _ in 1 2 3; do t=$(run "$@"); b=$(awk "BEGIN { print ($t < $b) ? $t : $b }"); done
	echo "$b"
}
r_s=$(best "$REDACT")
p_s=$(best sed -E -f "$D/peer.sed")
c_s=$(best cat)
awk -v size="$size" -v r="$r_s" -v p="$p_s" -v c="$c_s" 'BEGIN {
	mb = size / 1048576
	printf "redact  %6.1f MB/s (%.2f s CPU)\n", mb / r, r
	printf "sed -E  %6.1f MB/s (%.2f s CPU), 15 expressions\n", mb / p, p
	printf "cat     %6.1f MB/s (%.2f s CPU, the floor)\n", mb / (c > 0 ? c : 0.01), c
	printf "ratio   redact / sed = %.2fx\n", p / r
}'
