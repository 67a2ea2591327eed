#!/usr/bin/env bash
# examples/pm2/ecosystem.config.js under the real PM2: every app comes
# online, a worker killed with SIGKILL is restarted and its job in flight
# is run again to the end, and `pm2 stop` ends everything cleanly.
# Needs `npm ci --prefix tests/node` (PM2) and every program the apps run.
. "$(dirname "$0")/lib.sh"
PM2=$TOP/tests/node/node_modules/.bin/pm2
[ -x "$PM2" ] || skip_all "PM2 not installed (npm ci --prefix tests/node)"
for p in probe detect enqueue work analyze notify trigger patch testloop openpr otlp spool; do
	[ -x "$MEND_BIN/$p" ] || skip_all "$p is not built yet"
done
plan 15

# PM2 keeps its daemon, logs and pids under PM2_HOME: a private one.
export PM2_HOME=$T/pm2
cleanup "'$PM2' kill"
pm2() { "$PM2" "$@" </dev/null; }
# The status of app $1 (online, stopped, errored, ...), its pid, restarts.
status() { pm2 jlist 2>/dev/null | jq -r --arg n "$1" '.[] | select(.name == $n) | .pm2_env.status'; }
pid_of() { pm2 jlist 2>/dev/null | jq -r --arg n "$1" '.[] | select(.name == $n) | .pid'; }
restarts() { pm2 jlist 2>/dev/null | jq -r --arg n "$1" '.[] | select(.name == $n) | .pm2_env.restart_time'; }
all_online() { [ "$(pm2 jlist 2>/dev/null | jq '[.[] | select(.pm2_env.status == "online")] | length')" = 5 ]; }

# A service to watch: the example service, healthy.
SP=$(free_port) TP=$(free_port) OP=$(free_port)
cp "$TOP/examples/service/data/orders.json" "$T/orders.json"
PORT=$SP DATA_FILE=$T/orders.json LOG_FILE=$T/service.log python3 "$TOP/examples/service/app.py" &
svc=$!
cleanup "kill $svc"
echo "http://127.0.0.1:$SP/health name=orders" >"$T/urls.txt"

export MEND_URLS=$T/urls.txt MEND_PROBE_INTERVAL=1 MEND_LEASE=2
export MEND_TRIGGER_LISTEN=127.0.0.1:$TP MEND_TRIGGER_URL=http://127.0.0.1:$TP
export MEND_TRIGGER_SECRET=pm2-test-secret-0123456789 MEND_OTLP_LISTEN=127.0.0.1:$OP
# The incidents worker runs a stand-in for analyze | notify that holds its
# job until the test says go, so that a job is surely in flight when the
# worker is killed, however slow the machine.
export MEND_INCIDENTS_CMD="read -r rec; echo \"\$MEND_JOB_ID\" >>'$T/started'; while [ ! -e '$T/go' ]; do sleep 0.05; done; echo \"\$rec\""

pm2 start "$TOP/examples/pm2/ecosystem.config.js" >"$T/start.log" 2>&1
ok "pm2 start runs the ecosystem file" test $? -eq 0
ok "all five apps are online" wait_for 15 all_online
pm2 jlist | jq -r '.[] | "# \(.name) \(.pm2_env.status) pid \(.pid)"'
ok "trigger answers its health check" wait_for 10 curl -sf -o /dev/null "http://127.0.0.1:$TP/healthz"
ok "otlp answers OTLP/HTTP" wait_for 10 curl -sf -o /dev/null -H 'Content-Type: application/json' \
	-d '{}' "http://127.0.0.1:$OP/v1/traces"
# The watch loop really probes: the healthy service leaves no incident job.
sleep 1.5
is "$(spool jobs -q incidents | wc -l | tr -d ' ')" 0 "a healthy service makes no incident"
is "$(pm2 jlist | jq '[.[].pm2_env.restart_time] | add')" 0 "no app has crashed and been restarted"

# A job in flight when its worker dies by SIGKILL.
old=$(pid_of mend-incidents)
job=$(echo '{"type":"note","text":"in flight"}' | enqueue -q incidents | jq -r .job.id)
wait_for 10 test -s "$T/started"
kill -KILL "$old"
touch "$T/go"
ok "PM2 restarts the killed worker" wait_for 15 bash -c \
	"[ \"\$('$PM2' jlist | jq -r '.[] | select(.name == \"mend-incidents\") | .pid')\" != $old ] && \
	 [ \"\$('$PM2' jlist | jq -r '.[] | select(.name == \"mend-incidents\") | .pm2_env.status')\" = online ]"
is "$(restarts mend-incidents)" 1 "once"
job_done() { [ "$(spool show "$job" | jq -r .state)" = "done" ]; }
ok "the job in flight is run again to the end" wait_for 15 job_done
is "$(spool show "$job" | jq -r .attempts)" 2 "as its second attempt"
is "$(spool show "$job" | jq -r .result | jq -r .text)" "in flight" "with its payload"

pids=$(pm2 jlist | jq -r '.[].pid')
pm2 stop all >"$T/stop.log" 2>&1
is "$(pm2 jlist | jq -r '[.[].pm2_env.status] | unique | join(",")')" stopped "pm2 stop stops every app"
# PM2 logs how each app ended: the workers finish and exit 0 on SIGINT.
like "$(grep 'mend-incidents.*exited with code' "$PM2_HOME/pm2.log" | tail -1)" \
	'*exited with code \[0\]*' "the incidents worker exits 0 on pm2 stop"
gone() { for p in $pids; do kill -0 "$p" 2>/dev/null && return 1; done; return 0; }
ok "and no process of theirs is left" wait_for 5 gone
not_ok "the servers are closed" curl -s -o /dev/null "http://127.0.0.1:$TP/healthz"
