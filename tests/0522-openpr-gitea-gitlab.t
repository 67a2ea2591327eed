#!/usr/bin/env bash
# openpr --forge gitea and gitlab against local stand-ins of their APIs:
# their auth headers, their create calls, their 409 "already exists".
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lib-fix.sh"
plan 10
make_repo
# openpr pushes to the configured repository only (see 0820).
export MEND_REPO=$T/remote.git
good_diff > "$T/good.diff"
analysis_record inc_0000000000000g01 "$T/good.diff" | patch -r "$T/remote.git" 2>/dev/null |
	testloop -t 'python3 -m unittest' > "$T/run.json" 2>/dev/null

forge() {
	name=$1; shift
	python3 "$TOP/tests/servers/forge.py" --port-file "$T/$name.port" --slug acme/calc \
		--git "$T/remote.git" --token tok-9 --log "$T/$name.log" "$@" &
	cleanup "kill $!"
	wait_for 5 test -s "$T/$name.port"
	host=http://127.0.0.1:$(cat "$T/$name.port")
}

forge gitea --kind gitea
GITEA_TOKEN=tok-9 openpr --forge gitea --api-url "$host/api/v1" --slug acme/calc --draft \
	"$T/run.json" > "$T/pr.json" 2> "$T/err"
is "$?:$(jq -c '[.pr.forge, .pr.number, .pr.created]' "$T/pr.json")" '0:["gitea",1,true]' \
	"gitea: opened"
is "$(jq -r 'select(.method == "POST") | [.auth, (.body | keys | join(","))] | join(" ")' "$T/gitea.log")" \
	"true base,body,head,title" "gitea: token header and Gitea's fields"
is "$(jq -r 'select(.method == "POST") | .body.title' "$T/gitea.log")" \
	"WIP: mend: calc.div divides by zero" "gitea: a draft is a WIP: title"
# The listing lags twice: the second run's create meets 409 and openpr looks again.
forge gitea2 --kind gitea --stale-list 2
GITEA_TOKEN=tok-9 openpr --forge gitea --api-url "$host/api/v1" --slug acme/calc "$T/run.json" > /dev/null 2>&1
GITEA_TOKEN=tok-9 openpr --forge gitea --api-url "$host/api/v1" --slug acme/calc "$T/run.json" \
	> "$T/pr2.json" 2>/dev/null
is "$?:$(jq -c '[.pr.number, .pr.created]' "$T/pr2.json"):$(grep -c '"POST"' "$T/gitea2.log")" \
	"0:[1,false]:2" "gitea: 409 already exists, found, created false"

forge gitlab --kind gitlab
GITLAB_TOKEN=tok-9 openpr --forge gitlab --api-url "$host/api/v4" --slug acme/calc \
	"$T/run.json" > "$T/pr3.json" 2>/dev/null
is "$?:$(jq -c '[.pr.forge, .pr.number, .pr.created]' "$T/pr3.json")" '0:["gitlab",1,true]' \
	"gitlab: merge request opened"
is "$(jq -r .pr.url "$T/pr3.json")" "$host/acme/calc/-/merge_requests/1" "gitlab: its web_url"
is "$(jq -r 'select(.method == "POST") | .path' "$T/gitlab.log")" \
	"/api/v4/projects/acme%2Fcalc/merge_requests" "gitlab: the project path is encoded"
is "$(jq -r 'select(.method == "POST") | [.auth, (.body | keys | join(","))] | join(" ")' "$T/gitlab.log")" \
	"true description,remove_source_branch,source_branch,target_branch,title" \
	"gitlab: PRIVATE-TOKEN and GitLab's fields"
forge gitlab2 --kind gitlab --stale-list 2
GITLAB_TOKEN=tok-9 openpr --forge gitlab --api-url "$host/api/v4" --slug acme/calc "$T/run.json" > /dev/null 2>&1
GITLAB_TOKEN=tok-9 openpr --forge gitlab --api-url "$host/api/v4" --slug acme/calc "$T/run.json" \
	> "$T/pr4.json" 2>/dev/null
is "$?:$(jq -c '[.pr.number, .pr.created]' "$T/pr4.json"):$(grep -c '"POST"' "$T/gitlab2.log")" "0:[1,false]:2" \
	"gitlab: 409 already exists, found, created false"
GITLAB_TOKEN=nope openpr --forge gitlab --api-url "$host/api/v4" --slug acme/calc "$T/run.json" \
	> /dev/null 2> "$T/err5"
is "$?" 69 "gitlab: a refused token exits 69"
