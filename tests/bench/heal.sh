#!/usr/bin/env bash
# The heal corpus (tests/heal/): every case through probe, detect, analyze,
# patch, testloop and openpr --forge none, the fix judged by the case.
# Prints healed correctly / wrongly / refused per language and class,
# precision per confidence band and failure->PR seconds.  Beside it, from
# the same run, what a status-only replay would have done: every one of
# these pull requests replayed 5xx -> 2xx/4xx with its tests passing,
# which the old formula scored 0.99 and opened ready -- derived from the
# records, not a second run of an old build.  The held-out cases are
# counted apart from the rest.
set -eu
top=$(cd "$(dirname "$0")/../.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
"$top/tests/heal/run" --json "$out"
python3 - "$out" <<'PY'
import json, sys
rs = json.load(open(sys.argv[1]))
# The held-out cases (public bug reports, never tuned to) are counted apart.
for label, group in (("corpus", [r for r in rs if not r.get("heldout")]),
                     ("held-out", [r for r in rs if r.get("heldout")])):
    prs = [r for r in group if r["outcome"] in ("correct", "wrong")]
    ready = [r for r in prs if r.get("draft") is False]
    ok = sum(1 for r in prs if r["outcome"] == "correct")
    print()
    print("%s, status-only replay (derived): %d ready PRs, %d correct: precision %s" %
          (label, len(prs), ok, "%.2f" % (ok / len(prs)) if prs else "-"))
    rok = sum(1 for r in ready if r["outcome"] == "correct")
    print("%s, behaviour judged (measured): %d ready PRs, %d correct: precision %s" %
          (label, len(ready), rok, "%.2f" % (rok / len(ready)) if ready else "-"))
PY
