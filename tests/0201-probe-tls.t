#!/usr/bin/env bash
# probe over HTTPS: cert_days, trusted, self-signed and expired certificates.
. "$(dirname "$0")/lib.sh"
. "$TOP/tests/servers/probe-env.sh"
plan 12

start=$(date -u -d '-1 day' +%Y%m%d%H%M%SZ)
end=$(date -u -d '+30 days' +%Y%m%d%H%M%SZ)
make_cert good "$start" "$end" || { echo "Bail out! openssl failed"; exit 1; }
make_cert old 20200101000000Z 20200201000000Z || { echo "Bail out! openssl failed"; exit 1; }
start_http good --tls "$T/good.crt" "$T/good.key"
GOOD=$PORT
start_http old --tls "$T/old.crt" "$T/old.key"
OLD=$PORT

cat > "$T/urls" <<EOF2
https://127.0.0.1:$GOOD/ok cacert=$T/good.crt name=trusted
https://127.0.0.1:$GOOD/ok name=selfsigned
https://127.0.0.1:$OLD/ok cacert=$T/old.crt name=expired
EOF2
probe "$T/urls" > "$T/out"
is "$?" 0 "probe exits 0"
r() { jq -c "select(.monitor == \"$1\") | $2" "$T/out"; }
is "$(r trusted '[.ok,.status,.error]')" '[true,200,null]' "trusted certificate: ok"
is "$(r trusted '.cert_days > 29 and .cert_days <= 30')" true "cert_days counts down to notAfter"
is "$(r trusted '.timings.tls > 0')" true "TLS handshake timed"
is "$(r selfsigned '[.ok,.status,.error]')" '[false,0,"tls"]' "untrusted certificate: tls error"
like "$(r selfsigned .detail)" '*certificate*' "detail says why"
is "$(r selfsigned '.cert_days > 29 and .cert_days <= 30')" true "cert_days even when verification fails"
is "$(r expired '[.ok,.error]')" '[false,"tls"]' "expired certificate: tls error"
like "$(r expired .detail)" '*expired*' "detail says expired"
exp=$(( ( $(date -u -d 2020-02-01 +%s) - $(date +%s) ) / 86400 ))
is "$(r expired "(.cert_days | floor) - ($exp) | fabs <= 1")" true "cert_days negative: days since expiry"

# --reuse: a check on a reused connection has no handshake; it reports
# the certificate its origin showed last
printf '%s\n' "https://127.0.0.1:$GOOD/ok cacert=$T/good.crt name=r1" \
	"https://127.0.0.1:$GOOD/count cacert=$T/good.crt name=r2" > "$T/reuse"
probe --reuse -c 1 -n 2 "$T/reuse" > "$T/out2"
is "$(jq -r '[.timings.tls != null] | @csv' "$T/out2" | sort | uniq -c | awk '{ print $1 ":" $2 }' | tr '\n' ' ')" \
	"3:false 1:true " "one handshake for four checks"
is "$(jq -r '.cert_days > 29 and .cert_days <= 30' "$T/out2" | sort -u)" true "cert_days on every check"
