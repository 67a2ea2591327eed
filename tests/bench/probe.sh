#!/usr/bin/env bash
# tests/bench/probe.sh - probe against its peers on a loopback nginx.
#
#   bash tests/bench/probe.sh [--long]
#
# Each round checks N (default 10000) distinct URLs at concurrency 64 with
# every tool, and prints requests per second and ratios to wrk's ceilings
# measured in the same round:
#   wrk-ka      wrk, keep-alive (the ceiling for --reuse)
#   wrk-close   wrk with "Connection: close" (the ceiling for a fresh
#               connection per check, probe's default)
#   probe       probe -c 64 (a connection per check)
#   probe-reuse probe -c 64 --reuse
#   curl-par    curl --parallel --parallel-max 64 -K list
#   xargs-curl  xargs -P 64 curl (over XN URLs, default 2000: it is slow)
#   blackbox    the Prometheus blackbox exporter, driven by curl --parallel
# plus probe's peak RSS.  --long then checks 8000 targets every 30 s for
# 10 minutes and prints probe's RSS each minute (it should stay flat).
#
# nginx, wrk and the blackbox exporter come from Debian (installed with
# apt-get when missing).  Environment: N, ROUNDS (default 3), C (64), XN.
# Each tool talks to its own nginx port (see below); wrk runs 2 s.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
N=${N:-10000}
ROUNDS=${ROUNDS:-3}
C=${C:-64}
PROBE=${PROBE:-$top/bin/probe}
long=0
[ "${1:-}" = --long ] && long=1

need() {
	command -v "$1" >/dev/null 2>&1 && return 0
	[ -x "/usr/sbin/$1" ] && return 0
	[ -x "/usr/bin/$1" ] && return 0
	return 1
}
missing=
need nginx || missing="$missing nginx-light"
need wrk || missing="$missing wrk"
need prometheus-blackbox-exporter || missing="$missing prometheus-blackbox-exporter"
if [ -n "$missing" ]; then
	echo "installing$missing" >&2
	sudo=; [ "$(id -u)" -eq 0 ] || sudo=sudo
	# shellcheck disable=SC2086
	DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $missing >/dev/null ||
		{ echo "cannot install$missing" >&2; exit 1; }
fi
PATH=$PATH:/usr/sbin
[ -x "$PROBE" ] || { echo "build first: make" >&2; exit 1; }

D=$(mktemp -d)
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null; done; [ -f "$D/nginx.pid" ] && kill "$(cat "$D/nginx.pid")" 2>/dev/null; rm -rf "$D"' EXIT
# One nginx port per tool: a tool's TIME_WAIT sockets (tens of thousands
# with fresh connections) then never collide with the next tool's ports.
tools="probe reuse curl ka close xargs bb"
# eight distinct free ports, held open together so none repeats
set -- $(python3 -c 'import socket
ss=[socket.socket() for i in range(8)]
for s in ss: s.bind(("127.0.0.1",0))
print(" ".join(str(s.getsockname()[1]) for s in ss))')
listen=
for t in $tools; do
	eval "port_$t=$1"
	shift
	eval "listen=\"\$listen listen 127.0.0.1:\$port_$t backlog=4096;\""
done
bbport=$1
mkdir -p "$D/tmp"
cat > "$D/nginx.conf" <<EOF
worker_processes 1;
worker_rlimit_nofile 65536;
pid $D/nginx.pid;
error_log $D/error.log;
events { worker_connections 8192; }
http {
	access_log off;
	client_body_temp_path $D/tmp; proxy_temp_path $D/tmp; fastcgi_temp_path $D/tmp;
	uwsgi_temp_path $D/tmp; scgi_temp_path $D/tmp;
	keepalive_requests 1000000;
	server {
		$listen
		location / { default_type text/plain; return 200 "ok\n"; }
	}
}
EOF
nginx -p "$D" -c "$D/nginx.conf" || { echo "nginx did not start" >&2; exit 1; }
for i in $(seq 1 200); do curl -sf "http://127.0.0.1:$port_probe/" >/dev/null && break; sleep 0.05; done
url() { eval "echo http://127.0.0.1:\$port_$1"; }

cat > "$D/bb.yml" <<EOF
modules:
  http_2xx:
    prober: http
    timeout: 5s
EOF
prometheus-blackbox-exporter --config.file="$D/bb.yml" \
	--web.listen-address="127.0.0.1:$bbport" >"$D/bb.log" 2>&1 &
pids="$pids $!"
bb=0
for i in $(seq 1 100); do curl -sf "http://127.0.0.1:$bbport/metrics" >/dev/null && { bb=1; break; }; sleep 0.1; done

seq 1 "$N" | sed "s|^|$(url probe)/p/|" > "$D/urls"
seq 1 "$N" | sed "s|^|$(url reuse)/p/|" > "$D/urls.reuse"
seq 1 "$N" | sed "s|^|$(url curl)/p/|;s|.*|url = \"&\"\noutput = \"/dev/null\"|" > "$D/curl.cfg"
# xargs runs a curl process per URL: slow here, so it gets fewer URLs.
XN=${XN:-2000}
seq 1 "$XN" | sed "s|^|$(url xargs)/p/|" > "$D/urls.xargs"
seq 1 "$N" | sed "s|^|$(url bb)/p/|;s|.*|url = \"http://127.0.0.1:$bbport/probe?module=http_2xx\&target=&\"\noutput = \"/dev/null\"|" \
	> "$D/bb.cfg"

# seconds a command took (wall clock)
timed() {
	local t0 t1
	t0=$(date +%s.%N)
	"$@" >/dev/null 2>&1
	t1=$(date +%s.%N)
	awk "BEGIN { print $t1 - $t0 }"
}
rate() { awk "BEGIN { printf \"%d\", $N / $1 }"; }
wrk_rate() {	# PORTNAME [wrk options]
	local u; u=$(url "$1"); shift
	wrk -t2 -c"$C" -d2s "$@" "$u/p/1" 2>/dev/null | awk '/Requests\/sec/ { printf "%d", $2 }'
}
ratio() { awk "BEGIN { printf \"%.2f\", $1 / $2 }"; }

printf '%-6s %9s %9s %9s %9s %9s %9s %9s | %6s %6s %6s %6s\n' round wrk-ka wrk-close probe \
	probe-reuse curl-par xargs-curl blackbox "p/wc" "pr/wk" "pr/cp" "p/bb"
for r in $(seq 1 "$ROUNDS"); do
	p=$(rate "$(timed "$PROBE" -c "$C" "$D/urls")")
	pr=$(rate "$(timed "$PROBE" -c "$C" --reuse "$D/urls.reuse")")
	cp=$(rate "$(timed curl -s --parallel --parallel-max "$C" -K "$D/curl.cfg")")
	ka=$(wrk_rate ka)
	cl=$(wrk_rate close -H "Connection: close")
	xc=$(awk "BEGIN { printf \"%d\", $XN / $(timed sh -c "xargs -P $C -n 1 curl -s -o /dev/null < '$D/urls.xargs'") }")
	if [ "$bb" = 1 ]; then
		bbr=$(rate "$(timed curl -s --parallel --parallel-max "$C" -K "$D/bb.cfg")")
	else
		bbr=1
	fi
	printf '%-6s %9s %9s %9s %9s %9s %9s %9s | %6s %6s %6s %6s\n' "$r" "$ka" "$cl" "$p" "$pr" \
		"$cp" "$xc" "$([ "$bb" = 1 ] && echo "$bbr" || echo n/a)" \
		"$(ratio "$p" "$cl")" "$(ratio "$pr" "$ka")" "$(ratio "$pr" "$cp")" \
		"$([ "$bb" = 1 ] && ratio "$p" "$bbr" || echo n/a)"
done
echo "p/wc: probe / wrk Connection: close (target >= 0.7); pr/wk: probe --reuse / wrk keep-alive"
echo "(target >= 0.6); pr/cp: probe --reuse / curl --parallel (target > 2); p/bb: probe / blackbox (target > 7)"
rss=$( { /usr/bin/time -f '%M' "$PROBE" -c "$C" "$D/urls" >/dev/null; } 2>&1 | tail -1)
rssr=$( { /usr/bin/time -f '%M' "$PROBE" -c "$C" --reuse "$D/urls" >/dev/null; } 2>&1 | tail -1)
echo "probe peak RSS: $((rss / 1024)) MB fresh, $((rssr / 1024)) MB --reuse, $N targets (target < 40 MB)"

if [ "$long" = 1 ]; then
	head -8000 "$D/urls" > "$D/urls8k"
	"$PROBE" -e 30 -n 20 -c "$C" "$D/urls8k" > "$D/long.out" &
	lp=$!
	pids="$pids $lp"
	echo "8000 targets every 30 s for 10 min: RSS (KB) each minute"
	for m in $(seq 1 10); do
		sleep 60
		printf 'min %2d: %s KB, %s records\n' "$m" "$(awk '/VmRSS/ { print $2 }' /proc/$lp/status 2>/dev/null)" \
			"$(wc -l < "$D/long.out")"
	done
	wait "$lp"
	echo "long run: $(wc -l < "$D/long.out") records, $(grep -c '"ok":false' "$D/long.out") failed"
fi
