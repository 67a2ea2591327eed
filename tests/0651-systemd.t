#!/usr/bin/env bash
# examples/systemd: the units pass `systemd-analyze verify`, start the
# scripts in scripts/, and keep their hardening.
. "$(dirname "$0")/lib.sh"
command -v systemd-analyze >/dev/null || skip_all "systemd-analyze is not installed"
units=$(cd "$TOP/examples/systemd" && ls ./*.service)
plan $(( $(echo "$units" | wc -l) * 3 + 1 ))

# The units name the installed paths; point them at the source tree.
for u in $units; do
	u=${u#./}
	sed -e "s|/usr/local/libexec/mend/|$TOP/scripts/|" \
		-e "s|/etc/mend/mend.env|$TOP/examples/systemd/mend.env|" \
		"$TOP/examples/systemd/$u" >"$T/$u"
	script=$(sed -n 's|^ExecStart=/usr/local/libexec/mend/||p' "$TOP/examples/systemd/$u")
	ok "$u starts scripts/$script" test -x "$TOP/scripts/$script"
	out=$(systemd-analyze verify --man=no "$T/$u" 2>&1)
	is "$out" "" "$u passes systemd-analyze verify"
	missing=
	for k in NoNewPrivileges=yes ProtectSystem=strict StateDirectory=mend EnvironmentFile=; do
		grep -q "^$k" "$T/$u" || missing="$missing $k"
	done
	is "$missing" "" "$u is hardened and configured"
done

# verify only warns about a bad value: its output is what tells.
sed 's/^Type=simple/Type=simpel/' "$T/mend-watch.service" >"$T/broken.service"
like "$(systemd-analyze verify --man=no "$T/broken.service" 2>&1)" "*Failed to parse service type*" \
	"a unit with a mistake is reported (the check can fail)"
