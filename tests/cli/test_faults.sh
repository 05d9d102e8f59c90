#!/bin/sh
# Fault injection as a client meets it: each kind through curl (its exit
# code and message), determinism under the lab seed and the fault's seed,
# --count and --after, route validation and the admin exemption, metrics
# and the request log.
. "$(dirname "$0")/lib.sh"
PIDS=
stop_servers() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	PIDS=
}
trap 'stop_servers; rm -rf "$T"' EXIT
# start_server LAB: URL in $URL
start_server() {
	ACTSIM_LAB=$1 $A server --listen 127.0.0.1:0 --threads 2 > "$1.srv" 2>&1 &
	PIDS="$PIDS $!"
	URL=
	for _ in $(seq 1 200); do
		URL=$(sed -n 's/^listening on //p' "$1.srv")
		[ -n "$URL" ] && break
		sleep 0.05
	done
}
# hit_pattern LAB URL N: one character per GET /healthz, x for a 503
hit_pattern() {
	python3 - "$1/tls/ca.pem" "$2" "$3" <<'PY'
import ssl, sys, urllib.request, urllib.error
ctx = ssl.create_default_context(cafile=sys.argv[1])
out = ""
for _ in range(int(sys.argv[3])):
    try:
        urllib.request.urlopen(sys.argv[2] + "/healthz", context=ctx, timeout=10)
        out += "."
    except urllib.error.HTTPError as e:
        out += "x" if e.code == 503 else "?"
print(out)
PY
}
# req [curl args]: POST /v1/activations with curl; curl's exit status in
# $crc, its message in $T/err, the HTTP status in $code
req() {
	code=$(curl -sS --cacert "$ACTSIM_LAB/tls/ca.pem" -o "$T/body" -w '%{http_code}' \
		-X POST -d '{"installation_id":"1"}' "$@" "$URL/v1/activations" 2>"$T/err")
	crc=$?
}
curl_says() { want_rc=$2 needle=$3; check "$1: curl exit $2, '$3'" '[ "$crc" = "$want_rc" ] && grep -qF -- "$needle" "$T/err"' "curl exit $crc: $(cat "$T/err")"; }
set_fault() { sf_name=$1; shift; expect "$sf_name" 0 $A admin faults set "$@"; }

# --- determinism: two labs with the same seed, the same 50 requests ---
for l in a b c; do
	seed=5
	[ $l = c ] && seed=6
	ACTSIM_LAB=$T/$l $A lab init --seed $seed >/dev/null
	start_server "$T/$l"
	eval "URL_$l=\$URL"
	ACTSIM_LAB=$T/$l $A admin faults set --route /healthz --kind error --probability 0.5 >/dev/null
done
pa=$(hit_pattern "$T/a" "$URL_a" 50)
pb=$(hit_pattern "$T/b" "$URL_b" 50)
pc=$(hit_pattern "$T/c" "$URL_c" 50)
echo "# lab seed 5: $pa"
echo "# lab seed 6: $pc"
check "same lab seed, same requests: the same hits" '[ "$pa" = "$pb" ] && [ "${#pa}" = 50 ]' "$pa vs $pb"
hits=$(printf %s "$pa" | tr -cd x | wc -c)
check "probability 0.5 hits some and spares some (15-35 of 50)" '[ "$hits" -ge 15 ] && [ "$hits" -le 35 ]' "$hits hits: $pa"
check "another lab seed, another pattern" '[ "$pa" != "$pc" ]' "$pa"
ACTSIM_LAB=$T/b $A admin faults set --route /healthz --kind error --probability 0.5 --seed 1 >/dev/null
pb1=$(hit_pattern "$T/b" "$URL_b" 50)
check "another fault seed, another pattern" '[ "$pa" != "$pb1" ]' "$pb1"
ACTSIM_LAB=$T/a $A admin faults set --route /healthz --kind error --probability 0.5 >/dev/null
pa2=$(hit_pattern "$T/a" "$URL_a" 50)
check "setting the fault again starts the same sequence again" '[ "$pa" = "$pa2" ]' "$pa2"
stop_servers

# --- each kind through curl ---
$A lab init --seed 0 >/dev/null
start_server "$ACTSIM_LAB"
check "server started" '[ -n "$URL" ]' "$(cat "$ACTSIM_LAB.srv")"
req; check "no fault: an HTTP answer" '[ "$crc" = 0 ] && [ "$code" = 400 ]' "curl $crc, HTTP $code"

set_fault "error fault" --route /v1/activations --kind error --status 502 --code UPSTREAM_BROKEN
req; check "error: the chosen status and code" '[ "$code" = 502 ] && grep -q UPSTREAM_BROKEN "$T/body"' "HTTP $code $(cat "$T/body")"
echo "# error: curl exit $crc, HTTP $code $(cat "$T/body")"

set_fault "latency fault" --route /v1/activations --kind latency --delay 300ms --jitter 100ms
t0=$(date +%s%N); req; t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "latency: answered after 300-400 ms (+ slack)" '[ "$code" = 400 ] && [ "$ms" -ge 300 ] && [ "$ms" -lt 3000 ]' "HTTP $code after $ms ms"
echo "# latency: curl exit $crc, HTTP $code after $ms ms"

set_fault "reset fault" --route /v1/activations --kind reset
req; curl_says "reset" 56 "Connection reset by peer"
echo "# reset: curl exit $crc: $(cat "$T/err")"

set_fault "timeout fault" --route /v1/activations --kind timeout --hold 10s
t0=$(date +%s%N); req --max-time 1; t1=$(date +%s%N)
curl_says "timeout: the client gives up" 28 "Operation timed out"
echo "# timeout: curl exit $crc: $(cat "$T/err")"
set_fault "short hold" --route /v1/activations --kind timeout --hold 500ms
t0=$(date +%s%N); req --max-time 20; t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "timeout: the server lets go after --hold, no answer" '[ "$code" = 000 ] && [ "$ms" -ge 500 ] && [ "$ms" -lt 10000 ]' "curl $crc HTTP $code after $ms ms"

set_fault "truncate fault" --route /v1/activations --kind truncate --bytes 5
req; curl_says "truncate" 18 "transfer closed with"
check "truncate: the first 5 bytes of the body arrived" '[ "$(wc -c < "$T/body")" = 5 ]' "$(wc -c < "$T/body") bytes"
echo "# truncate: curl exit $crc: $(cat "$T/err")"

set_fault "slow fault" --route /v1/activations --kind slow --rate 200
t0=$(date +%s%N); req; t1=$(date +%s%N)
ms=$(( (t1 - t0) / 1000000 ))
check "slow: the whole answer, at 200 bytes/s (>= 500 ms)" '[ "$crc" = 0 ] && [ "$code" = 400 ] && [ "$ms" -ge 500 ]' "curl $crc HTTP $code after $ms ms"
echo "# slow: curl exit $crc, HTTP $code after $ms ms"
code=$(curl -sS --cacert "$ACTSIM_LAB/tls/ca.pem" -D "$T/h" -o "$T/body" -w '%{http_code}' "$URL/v1/activations" 2>"$T/err")
check "slow: a 405 keeps its Allow and the security headers" '[ "$code" = 405 ] && grep -qi "^allow: POST" "$T/h" && grep -qi "^x-content-type-options: nosniff" "$T/h" && grep -qi "^content-security-policy: " "$T/h"' "HTTP $code: $(cat "$T/h")"
set_fault "slow fault on /healthz" --route /healthz --kind slow --rate 100000
python3 - "$URL" "$ACTSIM_LAB/tls/ca.pem" >"$T/head" <<'PY'
import socket, ssl, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
s = ssl.create_default_context(cafile=sys.argv[2]).wrap_socket(
    socket.create_connection((u.hostname, u.port), timeout=10),
    server_hostname=u.hostname)
s.sendall(b"HEAD /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
out = s.makefile("rb").read()  # up to the server's close
head, _, body = out.partition(b"\r\n\r\n")
lines = head.split(b"\r\n")
print(lines[0].decode(), len(body),
      any(l.lower().startswith(b"content-length: ") and l[16:] != b"0"
          for l in lines) and
      any(l.lower().startswith(b"date: ") for l in lines))
PY
check "slow: HEAD gets GET's headers (Date too) and no body" '[ "$(cat "$T/head")" = "HTTP/1.1 200 OK 0 True" ]' "$(cat "$T/head")"
$A admin faults clear /healthz >/dev/null

set_fault "garbage fault" --route /v1/activations --kind garbage
req; check "garbage: not HTTP" '[ "$crc" != 0 ] && [ "$code" = 000 ]' "curl $crc HTTP $code"
curl_says "garbage" 1 "HTTP/0.9"
echo "# garbage: curl exit $crc: $(cat "$T/err")"

expect "a tls fault without --count is refused" 2 $A admin faults set --route /v1/activations --kind tls
set_fault "tls fault" --route /v1/activations --kind tls --count 1
req; curl_says "tls" 35 "alert handshake failure"
echo "# tls: curl exit $crc: $(cat "$T/err")"
req; check "tls --count 1: the next handshake works" '[ "$crc" = 0 ]' "curl $crc: $(cat "$T/err")"

set_fault "down fault" --route /v1/activations --kind down --retry-after 2m
code=$(curl -sS -i --cacert "$ACTSIM_LAB/tls/ca.pem" -o "$T/body" -w '%{http_code}' -X POST -d '{}' "$URL/v1/activations" 2>"$T/err")
check "down: 503 CLEARINGHOUSE_DOWN with Retry-After: 120" '[ "$code" = 503 ] && grep -q CLEARINGHOUSE_DOWN "$T/body" && grep -qi "^Retry-After: 120" "$T/body"' "HTTP $code $(cat "$T/body")"
echo "# down: curl exit 0, HTTP $code, $(grep -i retry-after "$T/body" | tr -d '\r')"

# --- the online client meets each kind in words ---
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
K=$($A key gen --sku standard --channel retail --platform x86)
$A machine create on1 --key "$K" --hw "$HW/dl380.json" --country DE >/dev/null
# online NAME REASON WORDS [fault args]: the fault, then activate --online
online() {
	o_name=$1 o_reason=$2 o_words=$3
	shift 3
	$A admin faults set --route /v1/activations "$@" >/dev/null
	run $A --json machine activate on1 --online --timeout 2s
	check "online, $o_name: exit 1, reason $o_reason, the words, the number to call" \
		'[ "$rc" = 1 ] && python3 -c "import json,sys; e=json.load(open(sys.argv[1]))[\"error\"]; sys.exit(0 if e[\"code\"] == \"ONLINE_ACTIVATION_FAILED\" and e[\"reason\"] == sys.argv[2] and sys.argv[3] in e[\"message\"] and e[\"phone\"] == \"0800 555 0174\" and e[\"message\"].endswith(\"call 0800 555 0174 (DE)\") else 1)" "$T/out" "$o_reason" "$o_words"' \
		"exit $rc: $(out)"
	echo "# online, $o_name: $(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["error"]["message"])' "$T/out" 2>/dev/null)"
}
online reset reset "the clearinghouse reset the connection" --kind reset
online timeout timeout "no answer from the clearinghouse in 2 s" --kind timeout --hold 5s
online truncate truncated "the clearinghouse's answer was cut short" --kind truncate --bytes 20
online garbage garbage "the clearinghouse's answer was not HTTP" --kind garbage
online tls tls "the secure connection to the clearinghouse failed" --kind tls --count 1
online error http_error "the clearinghouse answered 502 UPSTREAM_BROKEN: fault injected" --kind error --status 502 --code UPSTREAM_BROKEN
online down down "the clearinghouse is down; it asks to try again in 90 s" --kind down --retry-after 90s
json_is "down: retry_after in the error" 'd["error"]["retry_after"] == 90'
$A admin faults set --route /v1/activations --kind slow --rate 2000 >/dev/null
expect "online, slow: activated all the same" 0 $A --json machine activate on1 --online
json_is "activated" 'd["license_status"] == "activated"'
$A admin faults clear >/dev/null
run $A --json machine activate on1 --online --url "https://127.0.0.1:1"
json_is "online, nothing listening at --url: the road failed (exit 1), the number to call" 'd["error"]["reason"] == "unreachable" and d["error"]["phone"] == "0800 555 0174"'
check "exit 1" '[ "$rc" = 1 ]' "exit $rc"
mv "$ACTSIM_LAB/server.json" "$T/server.json.keep"
printf '{"url": "https://127.0.0.1:1", "pid": 1}\n' > "$ACTSIM_LAB/server.json"
expect "a stale server.json: no clearinghouse for the lab" 3 $A machine activate on1 --online
stderr_has "in words" "actsim: no clearinghouse is running for lab '$ACTSIM_LAB' (start one with 'actsim server')"
mv "$T/server.json.keep" "$ACTSIM_LAB/server.json"
KA=$(ACTSIM_LAB=$T/a $A key gen --sku web --channel retail --platform x86)
ACTSIM_LAB=$T/a $A machine create w1 --key "$KA" --hw "$HW/dl380.json" >/dev/null
cp "$ACTSIM_LAB/server.json" "$T/a/server.json"
run env ACTSIM_LAB="$T/a" $A machine activate w1 --online
check "another lab's server: exit 3, not this lab's clearinghouse" '[ "$rc" = 3 ] && grep -qF "actsim: the server at $URL is not this lab'"'"'s clearinghouse (its certificate is not signed by $T/a/tls/ca.pem)" "$T/err"' "exit $rc: $(err)"
run env ACTSIM_LAB="$T/a" $A admin faults list
check "admin says the same" '[ "$rc" = 3 ] && grep -qF "is not this lab'"'"'s clearinghouse" "$T/err"' "exit $rc: $(err)"

# --- the same through Python's client ---
python3 - "$A" "$ACTSIM_LAB/tls/ca.pem" "$URL" > "$T/py" 2>&1 <<'PY'
import http.client, socket, ssl, subprocess, sys, urllib.request, urllib.error
actsim, ca, url = sys.argv[1:4]
ctx = ssl.create_default_context(cafile=ca)
def fault(*args):
    subprocess.run([actsim, "admin", "faults", "set", "--route", "/healthz"] + list(args), check=True, stdout=subprocess.DEVNULL)
def call():
    try:
        r = urllib.request.urlopen(url + "/healthz", context=ctx, timeout=1)
        return "answered %d %r" % (r.status, r.read())
    except urllib.error.HTTPError as e:
        return "HTTPError %d Retry-After %s" % (e.code, e.headers.get("Retry-After"))
    except urllib.error.URLError as e:
        return "URLError %s: %s" % (type(e.reason).__name__, e.reason)
    except Exception as e:
        return "%s: %s" % (type(e).__name__, e)
for kind, args in (("reset", []), ("timeout", ["--hold", "3s"]), ("truncate", []),
                   ("garbage", []), ("tls", ["--count", "1"]), ("down", ["--retry-after", "30s"])):
    fault("--kind", kind, *args)
    print(kind, "|", ascii(call())[1:-1][:100])
PY
echo "# python: $(tr '\n' ';' < "$T/py")"
# Python's ssl (OpenSSL 3) reports the reset as the end of the stream.
check "python: reset is RemoteDisconnected or ConnectionResetError" 'grep -Eq "^reset \| (ConnectionResetError|RemoteDisconnected)" "$T/py"' "$(cat "$T/py")"
check "python: timeout is a timeout" 'grep -qi "^timeout | .*timed out" "$T/py"' "$(cat "$T/py")"
check "python: truncate is IncompleteRead" 'grep -q "^truncate | IncompleteRead" "$T/py"' "$(cat "$T/py")"
check "python: garbage is BadStatusLine" 'grep -q "^garbage | BadStatusLine" "$T/py"' "$(cat "$T/py")"
check "python: tls is an SSL error" 'grep -q "^tls | URLError SSLError" "$T/py"' "$(cat "$T/py")"
check "python: down is 503 with Retry-After" 'grep -q "^down | HTTPError 503 Retry-After 30" "$T/py"' "$(cat "$T/py")"
$A admin faults clear >/dev/null

# --- --count, --after, method ---
$A admin faults clear >/dev/null
set_fault "count and after" --route /v1/activations --kind error --after 2 --count 3
seq_codes=
for _ in 1 2 3 4 5 6 7; do req; seq_codes="$seq_codes$code "; done
check "--after 2 --count 3: two through, three hit, then gone" '[ "$seq_codes" = "400 400 503 503 503 400 400 " ]' "$seq_codes"
run $A --json admin faults list
json_is "the fault removed itself after its count" 'd["faults"] == []'
set_fault "method GET only" --route /v1/activations --method GET --kind error
req; check "a POST is not hit by a GET fault" '[ "$code" = 400 ]' "HTTP $code"
run $A --json admin faults list
json_is "list shows seen and fired" 'd["faults"][0]["method"] == "GET" and d["faults"][0]["fired"] == 0 and d["faults"][0]["seen"] == 0'
set_fault "prefix /v1/*" --route '/v1/*' --kind error --status 500
api_code=$(curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o /dev/null -w '%{http_code}' -X POST -d '{}' "$URL/v1/keys/validate")
check "a prefix covers the routes under it" '[ "$api_code" = 500 ]' "HTTP $api_code"
expect "admin routes still answer under /v1/*" 0 $A admin faults list
run $A --json admin faults list
json_is "fired counts" 'any(f["route"] == "/v1/*" and f["fired"] == 1 for f in d["faults"])'
expect "clear one route" 0 $A admin faults clear '/v1/*'
expect "clear a route without a fault" 1 $A admin faults clear /v1/registrations
stderr_has "says so" "no fault on '/v1/registrations'"

# --- route validation and the admin exemption ---
expect "a misspelled route is refused" 2 $A admin faults set --route /v1/activation --kind reset
stderr_has "with the list of routes" "no route '/v1/activation' (routes: /v1/activations, /v1/keys/validate"
expect "an admin route is refused" 2 $A admin faults set --route /v1/admin/faults --kind reset
stderr_has "why" "admin routes cannot be faulted"
expect "an admin prefix is refused" 2 $A admin faults set --route '/v1/admin/*' --kind error
expect "a parameter of another kind is refused" 2 $A admin faults set --route /v1/activations --kind reset --delay 1s
expect "a bad duration is refused" 2 $A admin faults set --route /v1/activations --kind latency --delay 5
expect "an unknown kind is refused" 2 $A admin faults set --route /v1/activations --kind flaky
run $A --json admin faults set --route /nope --kind reset
json_is "--json: UNKNOWN_ROUTE" 'd["error"]["code"] == "UNKNOWN_ROUTE"'

# --- metrics and the request log ---
code=$(curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o "$T/metrics" -w '%{http_code}' "$URL/metrics")
check "metrics: faults by route and kind" 'grep -q "^actsim_faults_injected_total{route=\"/v1/activations\",kind=\"reset\"} 2$" "$T/metrics" && grep -q "^actsim_faults_injected_total{route=\"/healthz\",kind=\"reset\"} 1$" "$T/metrics" && grep -q "^actsim_faults_injected_total{route=\"(handshake)\",kind=\"tls\"} 3$" "$T/metrics" && grep -q "^actsim_faults_injected_total{route=\"/v1/keys/validate\",kind=\"error\"} 1$" "$T/metrics"' "$(grep fault "$T/metrics")"
check "metrics: no status=\"0\" rows" '! grep -q "status=\"0\"" "$T/metrics"' "$(grep 'status="0"' "$T/metrics")"
run $A --json admin requests --limit 1000
json_is "the request log records each kind" '{r["fault"] for r in d["requests"] if r["fault"]} == {"error","latency","reset","timeout","truncate","slow","garbage","tls","down"}'
json_is "unfaulted requests: fault null" 'any(r["fault"] is None and r["route"] == "/v1/activations" for r in d["requests"])'

# --- a stop in the middle of faults frees them (ASan: no leak) ---
$A admin faults set --route /v1/activations --kind slow --rate 10 >/dev/null
$A admin faults set --route /healthz --kind timeout --hold 30s >/dev/null
$A admin faults set --route /v1/keys/validate --kind latency --delay 30s >/dev/null
curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -X POST -d '{}' --max-time 30 -o /dev/null "$URL/v1/activations" &
C1=$!
curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" --max-time 30 -o /dev/null "$URL/healthz" &
C2=$!
curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -X POST -d '{}' --max-time 30 -o /dev/null "$URL/v1/keys/validate" &
C3=$!
sleep 1
SRV=${PIDS##* }
kill -TERM "$SRV"
wait "$SRV"
src=$?
PIDS=
kill "$C1" "$C2" "$C3" 2>/dev/null
check "a stop with faults in progress is clean" '[ "$src" = 0 ] && ! grep -q Sanitizer "$ACTSIM_LAB.srv"' "exit $src: $(tail -5 "$ACTSIM_LAB.srv")"
finish
