#!/usr/bin/env python3
"""A scripted fixer for testloop's tests, standing in for `analyze --revise`.

    fixer.py DIR

Call N saves the record it got on stdin as DIR/inputN.json and answers
with an analysis record whose diff is DIR/answerN.diff (or whose edits
are DIR/answerN.json).  A test writes a wrong answer first and a right
one second to prove the loop; a missing answer makes the call fail.
"""
import json
import os
import sys

d = sys.argv[1]
n = 1
while os.path.exists(os.path.join(d, "input%d.json" % n)):
    n += 1
data = sys.stdin.read()
with open(os.path.join(d, "input%d.json" % n), "w") as f:
    f.write(data)
rec = json.loads(data)
analysis = dict(rec.get("analysis") or {})
analysis["engine"] = "scripted"
analysis["root_cause"] = "revision %d of the fix" % n
diff = os.path.join(d, "answer%d.diff" % n)
edits = os.path.join(d, "answer%d.json" % n)
if os.path.exists(diff):
    analysis["diff"] = open(diff).read()
    analysis.pop("edits", None)
elif os.path.exists(edits):
    analysis["diff"] = None
    analysis["edits"] = json.load(open(edits))
else:
    sys.exit("fixer.py: no answer %d in %s" % (n, d))
print(json.dumps({"type": "analysis", "incident": rec.get("incident"), "analysis": analysis}))
