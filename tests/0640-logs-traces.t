#!/usr/bin/env bash
# logs: a stack trace of each of the nine languages, as a log file holds
# it, becomes one error record with the right exception and its frames;
# log noise that only looks like a trace makes none.
. "$(dirname "$0")/lib.sh"
[ -x "$MEND_BIN/logs" ] || skip_all "logs is not built yet"
command -v jq >/dev/null || skip_all "jq not installed"
FX=$TOP/tests/fixtures/traces
# fixture  exception  lang  (one trace each; the expect files say the same)
cases="py_zero:ZeroDivisionError:python
py38_keyerror:KeyError:python
py_chain:RuntimeError:python
py_during:json.decoder.JSONDecodeError:python
py_group:ZeroDivisionError:python
py_flask_journald:AttributeError:python
java_npe:java.lang.NullPointerException:java
java_cause:java.lang.IllegalStateException:java
java_spring:java.lang.ArithmeticException:java
node_undef:TypeError:node
node_pm2:TypeError:node
go_divide:panic:go
go_http:panic:go
ruby_nomethod:NoMethodError:ruby
ruby34:ZeroDivisionError:ruby
ruby_rails:ZeroDivisionError:ruby
php_uncaught:DivisionByZeroError:php
dotnet_inner:System.InvalidOperationException:dotnet
dotnet_aspnet:System.NullReferenceException:dotnet
rust_bt:panic:rust
rust_index:panic:rust
asan:heap-buffer-overflow:c"
plan $(( $(echo "$cases" | wc -l) * 3 + 7 ))

while IFS=: read -r name exc lang; do
	# Between other lines, as in a real log.
	{ echo "2026-11-24 06:00:00,001 INFO started"; cat "$FX/$name.txt";
	  echo "2026-11-24 06:00:09,001 INFO request done"; } > "$T/$name.log"
	logs -n "$T/$name.log" > "$T/$name.out"
	is "$(wc -l < "$T/$name.out" | tr -d ' ')" 1 "$name: one record"
	is "$(jq -r '[.type, .exception, .lang] | join(" ")' "$T/$name.out")" "error $exc $lang" \
		"$name: the $lang exception $exc"
	ok "$name: with its frames and the whole trace" jq -e \
		'(.frames | length) > 0 and (.stacktrace | split("\n") | length) > 2' "$T/$name.out"
done <<< "$cases"

# The frames are the parser's, innermost first.
is "$(jq -c '.frames[0] | [.path, .line, .function]' "$T/py_zero.out")" \
	"$(jq -c '[.path, .line, .function]' <<< '{"path":"/srv/app/app.py","line":6,"function":"average"}')" \
	"the innermost Python frame"
is "$(jq -r .message "$T/java_cause.out")" "bad port" "the outermost exception's message"
# UBSan then LeakSanitizer in one log: two reports, two records.
logs -n "$FX/ubsan.txt" > "$T/ubsan.out"
is "$(jq -r .exception "$T/ubsan.out" | tr '\n' ' ')" "undefined-behavior detected memory leaks " \
	"two sanitizer reports, two records"
# The logger's ERROR line above a Java trace is part of it, not an error
# line of its own.
like "$(jq -r '.stacktrace | split("\n")[0]' "$T/java_spring.out")" "ERROR 1 --- *" \
	"the logger's line above the trace belongs to it"
is "$(jq -r .ts "$T/java_spring.out")" "2026-11-24T06:50:12.345Z" "its time is the record's"
# Noise: "panic:" without goroutines, "at" in prose, a warning.
cat "$FX/noise.txt" "$FX/php_warning.txt" > "$T/noise.log"
logs -n "$T/noise.log" > "$T/noise.out"
is "$(wc -l < "$T/noise.out" | tr -d ' ')" 0 "lines that only look like traces make nothing"
# Two traces back to back stay two.
cat "$FX/java_npe.txt" "$FX/py_zero.txt" "$FX/go_divide.txt" > "$T/three.log"
is "$(logs -n "$T/three.log" | jq -r .exception | tr '\n' ',')" \
	"java.lang.NullPointerException,ZeroDivisionError,panic," "three traces in a row, three records"
