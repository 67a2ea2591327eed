#!/usr/bin/env python3
"""Score analyze --traces against the real-trace corpus.

usage: traces-corpus.py ANALYZE DIR [-v]

DIR holds NAME.txt (a trace, verbatim from its source), ORIGINS.tsv and
EXPECT.tsv: name, exception, message, top frame, root exception, root frame.
A frame is path|line|function ("*" any, "-" none; the path matches as a
suffix at a / \\ or : boundary).  "-" in the root columns means the trace
has no cause.  "⏎" in a message stands for a newline.  The language is the
name's prefix (py2_ counts as py, php5_ as php).

Prints one line per language with the share of traces whose frames,
exception names and messages all hold, then a total, then (with -v) the
misses.  Exit status 0; the caller decides what is good enough.
"""
import json, os, subprocess, sys


def load(d):
    rows = []
    for line in open(os.path.join(d, "EXPECT.tsv"), encoding="utf-8"):
        if line.startswith("#") or not line.strip():
            continue
        f = line.rstrip("\n").split("\t")
        while len(f) < 6:
            f.append("-")
        rows.append(f)
    return rows


def lang_of(name):
    p = name.split("_")[0]
    return p.rstrip("0123456789")


def text_eq(want, got):
    if want == "-":
        return not got
    return (got or "").rstrip() == want.replace("⏎", "\n").rstrip()


def frame_eq(want, f):
    if want == "-":
        return not f
    if not f:
        return False
    path, line, fn = want.split("|", 2)
    gp = f.get("path") or ""
    if path == "-":
        if gp:
            return False
    elif path != "*":
        if not gp.endswith(path):
            return False
        if len(gp) > len(path) and gp[-len(path) - 1] not in "/\\: ":
            return False
    if int(line) != int(f.get("line") or 0):
        return False
    gf = f.get("function") or ""
    if fn == "-":
        return not gf
    return fn == "*" or gf == fn


def root_of(t):
    while t.get("cause"):
        t = t["cause"]
    return t


def main():
    analyze, d = sys.argv[1], sys.argv[2]
    verbose = "-v" in sys.argv[3:]
    rows = load(d)
    files = [os.path.join(d, r[0] + ".txt") for r in rows]
    out = subprocess.run([analyze, "--traces"] + files, capture_output=True,
                         text=True, check=True).stdout.splitlines()
    by_file = {}
    for line in out:
        rec = json.loads(line)
        by_file[rec["file"]] = rec["traces"]
    stats, misses = {}, []
    for r, path in zip(rows, files):
        name, exc, msg, frame, rexc, rframe = r[:6]
        ts = by_file.get(path, [])
        t = ts[0] if ts else {}
        root = root_of(t) if t else {}
        has_cause = bool(t.get("cause"))
        ok_exc = text_eq(exc, t.get("exception"))
        ok_msg = text_eq(msg, t.get("message"))
        ok_frame = frame_eq(frame, t.get("top_frame"))
        if rexc == "-":
            ok_exc = ok_exc and not has_cause
        else:
            ok_exc = ok_exc and has_cause and text_eq(rexc, root.get("exception"))
            ok_frame = ok_frame and has_cause and frame_eq(rframe, root.get("top_frame"))
        s = stats.setdefault(lang_of(name), [0, 0, 0, 0])
        s[0] += 1
        s[1] += ok_frame
        s[2] += ok_exc
        s[3] += ok_msg
        if not (ok_frame and ok_exc and ok_msg):
            misses.append((name, ok_frame, ok_exc, ok_msg, t, root))
    tot = [0, 0, 0, 0]
    for lang in sorted(stats):
        s = stats[lang]
        tot = [a + b for a, b in zip(tot, s)]
        print("%-7s %3d traces  frame %5.1f%%  exception %5.1f%%  message %5.1f%%"
              % (lang, s[0], 100.0 * s[1] / s[0], 100.0 * s[2] / s[0], 100.0 * s[3] / s[0]))
    print("%-7s %3d traces  frame %5.1f%%  exception %5.1f%%  message %5.1f%%"
          % ("total", tot[0], 100.0 * tot[1] / tot[0], 100.0 * tot[2] / tot[0],
             100.0 * tot[3] / tot[0]))
    if verbose:
        for name, f, e, m, t, root in misses:
            tf = t.get("top_frame") or {}
            print("miss %s:%s%s%s exc=%r msg=%r frame=%s|%s|%s root=%r rf=%s" % (
                name, "" if f else " frame", "" if e else " exception", "" if m else " message",
                t.get("exception"), (t.get("message") or "")[:80], tf.get("path"), tf.get("line"),
                tf.get("function"), root.get("exception") if t.get("cause") else None,
                json.dumps(root.get("top_frame")) if t.get("cause") else None))


main()
