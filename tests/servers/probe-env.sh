# probe-env.sh - shell helpers for probe's tests (sourced after tests/lib.sh).
#
#   start_http NAME [--tls CERT KEY]   start tests/servers/http_server.py,
#                                      set $PORT (and stop it at exit)
#   make_cert NAME START END           self-signed certificate for 127.0.0.1
#                                      valid START..END (YYYYMMDDHHMMSSZ):
#                                      $T/NAME.crt and $T/NAME.key

start_http() {
	_name=$1; shift
	python3 "$TOP/tests/servers/http_server.py" "$T/$_name.port" "$@" &
	cleanup "kill $!"
	wait_for 10 test -s "$T/$_name.port" || { echo "Bail out! $_name server did not start"; exit 1; }
	PORT=$(cat "$T/$_name.port")
}

# openssl ca is the one openssl 3.0 command that takes explicit dates, so
# an expired certificate can be made without faking the clock.
make_cert() {
	_d=$T/ca-$1
	mkdir -p "$_d" && : > "$_d/index.txt" && echo 01 > "$_d/serial" &&
	cat > "$_d/ca.cnf" <<-CNF &&
	[ca]
	default_ca = d
	[d]
	database = $_d/index.txt
	new_certs_dir = $_d
	serial = $_d/serial
	default_md = sha256
	policy = p
	copy_extensions = copy
	[p]
	commonName = supplied
	CNF
	openssl req -new -newkey rsa:2048 -nodes -keyout "$T/$1.key" -out "$_d/r.csr" \
		-subj /CN=127.0.0.1 -addext subjectAltName=IP:127.0.0.1 2>/dev/null &&
	openssl ca -batch -config "$_d/ca.cnf" -selfsign -keyfile "$T/$1.key" \
		-in "$_d/r.csr" -out "$T/$1.crt" -startdate "$2" -enddate "$3" >/dev/null 2>&1
}
