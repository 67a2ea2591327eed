#!/usr/bin/env bash
# Issue 9, attack 2: a test walks /proc/$PPID/environ up the process
# chain and reads the secrets of the programs above it (same uid,
# dumpable parents).  In the sandbox the chain ends at the PID
# namespace's init, whose environment is the allow-list.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 5
sandbox_patch inc_0000000000000800

# Every environment up the chain, and the names of the processes seen.
mkdir -p "$T/bin"
cat > "$T/bin/walk" <<'PY'
#!/usr/bin/env python3
import os
pid, seen = os.getppid(), []
while pid > 0:
    try:
        with open("/proc/%d/stat" % pid) as f:
            stat = f.read()
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2:].split()[1])
    except OSError:
        break
    try:
        with open("/proc/%d/environ" % pid, "rb") as f:
            env = f.read().decode(errors="replace")
    except OSError as e:
        env = ""
    seen.append(name)
    for secret in ("ghp_walk_gh", "walk_git", "walk_llm", "walk_trigger"):
        if secret in env:
            print("FOUND", secret, "in", name)
    pid = ppid
print("CHAIN", " ".join(seen))
PY
chmod +x "$T/bin/walk"
PATH=$T/bin:$PATH
# The secrets sit in testloop's environment and in the shell above it,
# as under `work ... -- sh -c 'patch | testloop | openpr'`.
env GITHUB_TOKEN=ghp_walk_gh MEND_GIT_TOKEN=walk_git MEND_LLM_KEY=walk_llm \
	MEND_TRIGGER_SECRET=walk_trigger sh -c 'testloop -t walk -n 1 "$1"; :' sh \
	"$T/patch.json" > "$T/out" 2> "$T/err"
is "$(jq -r .testrun.passed "$T/out")" true "the walking test ran"
log=$(testloop_log "$T/out")
like "$log" "*CHAIN *" "it walked the chain"
not_ok "no secret found in any parent" grep -q FOUND <<<"$log"
not_ok "the chain does not reach testloop" grep -q 'CHAIN.*testloop' <<<"$log"
is "$(jq -r .testrun.sandbox "$T/out")" bwrap "the record says the sandbox was bwrap"
