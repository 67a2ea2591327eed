#!/usr/bin/env bash
# Issue 9, attack 3: a test that forks, calls setsid() and ignores
# SIGTERM left its process group and outlived `testloop --timeout`.  In
# the sandbox it dies with the PID namespace when the run is killed.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-sandbox.sh"
need_bwrap
plan 5
sandbox_patch inc_0000000000000801

mkdir -p "$T/bin"
# The daemon's command line carries a marker so the test finds it from outside.
cat > "$T/bin/escape" <<'PY'
#!/usr/bin/env python3
import os, signal, sys, time
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        os.execvp("python3", ["python3", "-c",
            "import signal, time\n"
            "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
            "open('daemon-started', 'w').close()\n"
            "time.sleep(600)\n", sys.argv[1]])
    os._exit(0)
while not os.path.exists("daemon-started"):
    time.sleep(0.05)
print("daemon started", flush=True)
time.sleep(600)
PY
chmod +x "$T/bin/escape"
PATH=$T/bin:$PATH
marker="sandbox-escape-$T"
cleanup "pgrep -f -- '$marker' | xargs -r kill -KILL"

start=$(date +%s)
testloop -t "escape '$marker'" --timeout 2 -n 1 "$T/patch.json" > "$T/out" 2> "$T/err"
is "$?:$(jq -r .testrun.passed "$T/out")" "1:false" "the run over its timeout fails"
like "$(testloop_log "$T/out")" "*daemon started*" "the setsid daemon was running"
ok "testloop returns within the timeout and the grace period" \
	test $(( $(date +%s) - start )) -lt 10
gone() { ! pgrep -f -- "$marker" >/dev/null; }
ok "the daemon that ignores SIGTERM is gone" wait_for 10 gone
is "$(jq -r .testrun.sandbox "$T/out")" bwrap "in the bwrap sandbox"
