#!/usr/bin/env bash
# 0190-man: the man pages.  Every man/*.[1-8] is mdoc that `mandoc -T lint
# -W warning` passes without a word; every program in cmd/ has its page,
# and every section 1 page has the sections STYLE.md asks for; the example
# lines of mend-records(5) are JSON with the fields the page lists.
. "$(dirname "$0")/lib.sh"
command -v mandoc >/dev/null || skip_all "mandoc not installed"
command -v jq >/dev/null || skip_all "jq not installed"
cd "$TOP" || exit 1

pages=$(ls man/*.[1-8] 2>/dev/null)
cmds=$(ls cmd/*.c 2>/dev/null)
sect1=$(ls man/*.1 2>/dev/null)
# shellcheck disable=SC2086
plan $(( $(echo $pages | wc -w) + 2 * $(echo $cmds | wc -w) + $(echo $sect1 | wc -w) + 3 ))

# lint_clean PAGE: mandoc says nothing and exits 0; its words as TAP comments.
lint_clean() {
	_out=$(mandoc -T lint -W warning "$1" 2>&1)
	_rc=$?
	[ "$_rc" -eq 0 ] && [ -z "$_out" ] && return 0
	printf '%s\n' "$_out" | sed 's/^/# /'
	return 1
}
for p in $pages; do
	ok "$p: mandoc -T lint -W warning is clean" lint_clean "$p"
done

for c in $cmds; do
	n=${c##*/}; n=${n%.c}
	ok "cmd/$n.c has man/$n.1" test -f "man/$n.1"
done

# Every long option in a program's getopt tables is in its page (mdoc
# writes "\-" or "Fl Fl" for "--"), so a new option cannot go undocumented.  --help
# and --version are every program's and said once in mend(7).
for c in $cmds; do
	n=${c##*/}; n=${n%.c}
	missing=
	if [ -f "man/$n.1" ]; then
		sed -e 's/\\-/-/g' -e 's/Fl Fl /Fl -/g' "man/$n.1" > "$T/page"
		# shellcheck disable=SC2013
		for o in $(sed -n 's/.*{ *"\([a-z][a-z0-9-]*\)", *\(no\|required\|optional\)_argument.*/\1/p' "$c"); do
			case $o in help|version) continue ;; esac	# every program's, in mend(7)
			grep -q -e "-$o\b" "$T/page" || missing="$missing --$o"
		done
	else
		missing=" (no page)"
	fi
	is "$missing" "" "man/$n.1 documents every long option of cmd/$n.c"
done

# The sections a program's page needs (ENVIRONMENT and FILES may be
# absent when a program reads neither).
for p in $sect1; do
	missing=
	have=$(sed -n 's/^\.Sh //p' "$p" | tr -d '"')
	for s in NAME SYNOPSIS DESCRIPTION OPTIONS "EXIT STATUS" EXAMPLES "SEE ALSO"; do
		printf '%s\n' "$have" | grep -qx "$s" || missing="$missing [$s]"
	done
	is "$missing" "" "$p has NAME SYNOPSIS DESCRIPTION OPTIONS EXIT STATUS EXAMPLES SEE ALSO"
done

# Every environment variable the code reads is in mend(7)'s list.
missing=
for v in $(cat cmd/*.c lib/*.c | grep -ohE '"(MEND_[A-Z_]*[A-Z]|[A-Z]+_TOKEN|[A-Z]+_API_KEY)"' |
    tr -d '"' | sort -u); do
	grep -q -e "Ev $v\b" man/mend.7 || missing="$missing $v"
done
is "$missing" "" "mend(7) lists every environment variable the programs read"

# mend-records(5): each example line parses and carries the fields its
# section lists, so the page and the contract cannot drift apart silently.
mandoc -T ascii man/mend-records.5 | col -bx | sed 's/^ *//' |
	grep '^{"type":"[a-z]*",' | grep -v '\.\.\.' > "$T/examples"
bad=
n=0
while IFS= read -r line; do
	n=$((n + 1))
	type=$(printf '%s\n' "$line" | jq -r .type 2>/dev/null) || { bad="$bad [line $n: not JSON]"; continue; }
	case $type in
	probe) f='ts monitor url method ok status ms bytes error detail' k= ;;
	error) f='ts monitor message exception stacktrace trace_id attributes' k= ;;
	metric) f='ts monitor target name value kind labels' k= ;;
	incident) f='id event fingerprint monitor url reason summary first_seen last_seen evidence'
		k=incident
		# The job example (an incident with a job added) shows the job's fields.
		if printf '%s\n' "$line" | jq -e 'has("job")' >/dev/null; then
			f='id queue state key attempts' k=job
		fi ;;
	analysis) f='engine root_cause category confidence remediation frames similar diff' k=analysis ;;
	patch) f='repo workdir branch base commit files' k=patch ;;
	testrun) f='passed iterations tests_passed tests_failed replayed confidence log' k=testrun ;;
	pr) f='forge url number branch created' k=pr ;;
	job) f='id queue state key attempts' k= ;;
	deploy) f='ts commit' k= ;;
	verdict) f='worse summary window_s baseline_s monitors' k=verdict ;;
	refused) f='stage reason ts' k=refused ;;
	*) bad="$bad [unknown type $type]"; continue ;;
	esac
	miss=$(printf '%s\n' "$line" | jq -r --arg k "$k" --arg f "$f" '
		(if $k == "" then . else .[$k] // {} end) as $o |
		[$f | splits(" ") | select(. as $x | $o | has($x) | not)] | join(" ")')
	[ -z "$miss" ] || bad="$bad [$type: no ${k:+$k.}{$miss}]"
done < "$T/examples"
is "$bad" "" "mend-records(5) examples are JSON with every listed field"
is "$(cut -d'"' -f4 "$T/examples" | sort -u | tr '\n' ' ')" \
	"analysis deploy error incident job metric patch pr probe refused testrun verdict " \
	"mend-records(5) has an example of every record type"
