#!/bin/sh
# Integration tests of the HTTPS clearinghouse: every route, TLS versions,
# auth, faults, reset, persistence across a restart, the concurrency rule,
# oversize and garbage input, the online client and the telephone road.
. "$(dirname "$0")/lib.sh"
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
DOCS=$(cd "$(dirname "$0")/../../docs" && pwd)
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/out"; }
# api METHOD PATH [BODY] [extra curl args]: status in $code, body in $T/out
api() {
	m=$1 p=$2 b=
	shift 2
	if [ $# -gt 0 ]; then
		b=$1
		shift
	fi
	if [ -n "$b" ]; then
		code=$(curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o "$T/out" -w '%{http_code}' -X "$m" -d "$b" "$@" "$URL$p")
	else
		code=$(curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o "$T/out" -w '%{http_code}' -X "$m" "$@" "$URL$p")
	fi
}
status_is() { want=$2; check "$1 (HTTP $2)" '[ "$code" = "$want" ]' "HTTP $code: $(out | head -c 300)"; }
admin() {
	am=$1 ap=$2 ab=
	shift 2
	if [ $# -gt 0 ]; then
		ab=$1
		shift
	fi
	api "$am" "$ap" "$ab" -H "Authorization: Bearer $TOKEN" "$@"
}

$A lab init --seed 0 >/dev/null
TOKEN=$($A lab token)
start_server
check "server prints its URL" '[ -n "$URL" ]' "$(cat "$T/srv.out" "$T/srv.err")"
check "the lab has a CA" '[ -s "$ACTSIM_LAB/tls/ca.pem" ] && [ "$(stat -c %a "$ACTSIM_LAB/tls/server-key.pem")" = 600 ]' "no CA"
check "--online can find the server" 'grep -q "$URL" "$ACTSIM_LAB/server.json"' "no server.json"

# --- TLS ---
tls() { echo | timeout 10 openssl s_client -connect "127.0.0.1:$PORT" "$@" -cipher 'DEFAULT@SECLEVEL=0' -CAfile "$ACTSIM_LAB/tls/ca.pem" 2>&1; }
check "TLS 1.1 refused" 'tls -tls1_1 | grep -q "alert protocol version"' "accepted"
check "TLS 1.2 accepted" 'tls -tls1_2 | grep -q "Protocol  : TLSv1.2"' "refused"
check "TLS 1.3 accepted" 'tls -tls1_3 | grep -q "TLSv1.3"' "refused"
check "no plain HTTP" '! curl -s --max-time 5 "http://127.0.0.1:$PORT/healthz" | grep -q ok' "plain HTTP answered"

api GET /healthz; status_is "healthz" 200
json_is "healthz says ok" 'd == {"status": "ok"}'

# --- activations ---
K=$($A key gen --sku standard --channel retail --platform x86)
for i in 1 2 3; do
	printf '{"volume_serial":"v%d","nic_mac":"n%d","hdd":"h%d","cdrom":"c%d","display":"d%d","cpu_serial":"s%d","ide":"i%d","cpu_model":"m%d","ram_mb":%d}' \
		$i $i $i $i $i $i $i $i $((i * 100)) > "$T/hw$i.json"
	$A machine create r$i --key "$K" --hw "$T/hw$i.json" >/dev/null
done
I1=$($A machine iid r1)
api POST /v1/activations "{\"installation_id\":\"$I1\"}"; status_is "activation" 200
json_is "confirmation ID and product ID" 'set(d) == {"confirmation_id","product_id","activation_id"} and len(d["confirmation_id"]) == 48'
CID1=$(jget 'd["confirmation_id"]')
expect "the CID verifies" 0 $A cid verify "$I1" "$CID1"
api POST /v1/activations "{\"installation_id\":\"$I1\"}"; status_is "the same IID again" 200
json_is "the same CID again" "d['confirmation_id'] == '$CID1'"
api POST /v1/activations "{\"installation_id\":\"$($A machine iid r2)\"}"; status_is "second machine" 200
api POST /v1/activations "{\"installation_id\":\"$($A machine iid r3)\"}"; status_is "third machine refused" 409
json_is "TOO_MANY_ACTIVATIONS" 'd["error"]["code"] == "TOO_MANY_ACTIVATIONS"'
BAD=$(python3 -c 'import sys; s=list(sys.argv[1]); s[14]=str((int(s[14])+1)%10); print("".join(s))' "$I1")
api POST /v1/activations "{\"installation_id\":\"$BAD\"}"; status_is "typo in group 3" 400
json_is "MALFORMED_INSTALLATION_ID with group 3" 'd["error"]["code"] == "MALFORMED_INSTALLATION_ID" and d["error"]["group"] == 3'
api POST /v1/activations '{"installation_id":"12"}'; status_is "short IID" 400
api POST /v1/activations '{"installation_id":12}'; status_is "IID not a string" 400
api POST /v1/activations '{}'; status_is "no IID" 400
$A --lab "$T/other" lab init --seed 9 >/dev/null
KX=$($A --lab "$T/other" key gen --sku web --channel retail --platform x86)
$A --lab "$T/other" machine create x --key "$KX" --hw "$HW/dl380.json" >/dev/null
api POST /v1/activations "{\"installation_id\":\"$($A --lab "$T/other" machine iid x)\"}"; status_is "another lab's IID" 400
json_is "INVALID_INSTALLATION_ID" 'd["error"]["code"] == "INVALID_INSTALLATION_ID"'
$A machine create vol --key "$($A key gen --sku enterprise --channel volume --platform x64)" --hw "$HW/dl380.json" >/dev/null
api POST /v1/activations "{\"installation_id\":\"$($A machine iid vol)\"}"; status_is "volume license" 422
json_is "ACTIVATION_NOT_REQUIRED" 'd["error"]["code"] == "ACTIVATION_NOT_REQUIRED"'

# --- keys/validate: the same result as `actsim key check` ---
api POST /v1/keys/validate "{\"product_key\":\"$K\",\"media\":{\"sku\":\"enterprise\",\"channel\":\"retail\",\"platform\":\"x86\",\"r2\":false}}"
status_is "validate" 200
cp "$T/out" "$T/validate.json"
$A --json key check "$K" --sku enterprise --channel retail --platform x86 > "$T/check.json"
check "same document as key check" 'python3 -c "import json,sys; sys.exit(json.load(open(sys.argv[1])) != json.load(open(sys.argv[2])))" "$T/validate.json" "$T/check.json"' "$(cat "$T/validate.json") vs $(cat "$T/check.json")"
api POST /v1/keys/validate "{\"product_key\":\"$K\"}"; status_is "validate without media" 200
json_is "valid" 'd["valid"] is True and d["code"] == "OK"'
api POST /v1/keys/validate '{"product_key":"AAAAA"}'; status_is "malformed key" 400
json_is "MALFORMED_KEY" 'd["error"]["code"] == "MALFORMED_KEY"'
api POST /v1/keys/validate "{\"product_key\":\"$K\",\"media\":{\"sku\":\"web\",\"channel\":\"retail\",\"platform\":\"x64\"}}"; status_is "media the catalog lacks" 400

# --- registrations: separate from activation, contact data encrypted ---
PID=$($A --json machine show r1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["product_id"])')
api POST /v1/registrations "{\"product_id\":\"$PID\",\"name\":\"Pat Planted\",\"email\":\"planted.canary@example.org\",\"organization\":\"Canary Ltd\"}"
status_is "registration" 201
json_is "no contact data echoed" 'set(d) == {"registration_id","product_id"}'
api POST /v1/registrations '{"product_id":"12345-123-1234568-12345","email":"a@b"}'; status_is "bad product ID check digit" 400
api POST /v1/registrations "{\"product_id\":\"$PID\",\"email\":\"not-an-address\"}"; status_is "bad email" 400
api POST /v1/registrations "{\"product_id\":\"$PID\"}"; status_is "no contact at all" 400

# --- admin auth ---
api GET /v1/admin/activations; status_is "admin without token" 401
json_is "nothing leaked" 'set(d["error"]) == {"code","message"} and d["error"]["code"] == "UNAUTHORIZED"'
api GET /v1/admin/activations "" -H "Authorization: Bearer 0000"; status_is "wrong token" 401
api GET /v1/admin/activations "" -H "Authorization: Bearer ${TOKEN}x"; status_is "token plus a character" 401
admin GET "/v1/admin/activations?product_key=$(echo "$K" | tr 'A-Z' 'a-z')"; status_is "activations by key" 200
json_is "two granted for the key" 'len(d["activations"]) == 3 and {a["kind"] for a in d["activations"]} == {"online"} and set(d["activations"][0]) == {"activation_id","product_key","product_id","installation_id","hardware_hash","confirmation_id","kind","at"}'
admin GET "/v1/admin/activations?product_id=$PID"; status_is "activations by product ID" 200
json_is "by product ID" "all(a['product_id'] == '$PID' for a in d['activations']) and len(d['activations']) == 2"

# --- blocks ---
admin POST /v1/admin/blocks "{\"product_key\":\"$K\",\"reason\":\"leaked\"}"; status_is "block" 201
api POST /v1/activations "{\"installation_id\":\"$I1\"}"; status_is "blocked key" 403
json_is "KEY_BLOCKED" 'd["error"]["code"] == "KEY_BLOCKED"'
expect "the CLI clearinghouse sees the block" 1 $A --json cid issue "$I1"
json_is "KEY_BLOCKED in process too" 'd["error"]["code"] == "KEY_BLOCKED"'
admin GET /v1/admin/blocks; status_is "the blocked keys" 200
json_is "list the block with its reason" "[(b['product_key'], b['reason']) for b in d['blocks']] == [('$K', 'leaked')]"
admin GET /v1/admin/activations/counts; status_is "activations by channel and result" 200
json_is "count every decision by channel" "{(c['channel'], c['result']): c['count'] for c in d['counts']}.get(('retail', 'KEY_BLOCKED')) == 2 and {(c['channel'], c['result']): c['count'] for c in d['counts']}.get(('retail', 'OK')) == 3"
admin DELETE "/v1/admin/blocks/$K"; status_is "unblock" 200
admin DELETE "/v1/admin/blocks/$K"; status_is "unblock again" 404
admin POST /v1/admin/blocks '{"product_key":"XYZ"}'; status_is "block a malformed key" 400

# --- clock: the same lab clock as actsim clock ---
admin PUT /v1/admin/clock '{"advance":"29d"}'; status_is "advance the clock" 200
json_is "29 days later" 'd["now"] == "2026-01-30T00:00:00Z"'
expect "the CLI sees it" 0 $A --json clock show
json_is "same clock" 'd["now"] == "2026-01-30T00:00:00Z"'
admin PUT /v1/admin/clock '{"now":"2026-01-01T00:00:00Z"}'; status_is "set the clock" 200
admin GET /v1/admin/clock; status_is "read the clock" 200
json_is "set" 'd["now"] == "2026-01-01T00:00:00Z"'
admin PUT /v1/admin/clock '{"advance":"soon"}'; status_is "bad duration" 400
admin PUT /v1/admin/clock '{"now":"x","advance":"1d"}'; status_is "both" 400

# --- faults ---
admin PUT /v1/admin/faults '{"route":"/v1/activations","probability":1,"kind":"error","status":503}'; status_is "error fault" 200
api POST /v1/activations "{\"installation_id\":\"$I1\"}"; status_is "injected error" 503
json_is "FAULT_INJECTED" 'd["error"]["code"] == "FAULT_INJECTED"'
api GET /healthz; status_is "other routes unaffected" 200
expect "online activation fails over to the phone" 1 $A --json machine activate r1 --online
json_is "phone number shown" 'd["error"]["code"] == "ONLINE_ACTIVATION_FAILED" and d["error"]["phone"] == "(888) 555-0171"'
admin PUT /v1/admin/faults '{"route":"/v1/activations","kind":"latency","delay_ms":400}'; status_is "latency fault" 200
t0=$(date +%s%N)
api POST /v1/activations "{\"installation_id\":\"$I1\"}"
t1=$(date +%s%N)
check "latency fault delays (>= 400 ms) but answers" '[ "$code" = 200 ] && [ $(( (t1 - t0) / 1000000 )) -ge 400 ]' "HTTP $code after $(( (t1 - t0) / 1000000 )) ms"
admin PUT /v1/admin/faults '{"route":"/v1/activations","kind":"reset"}'; status_is "reset fault" 200
api POST /v1/activations "{\"installation_id\":\"$I1\"}"
check "reset: no HTTP answer" '[ "$code" = 000 ]' "HTTP $code"
admin PUT /v1/admin/faults '{"route":"/v1/activations","kind":"timeout","hold_ms":3000}'; status_is "timeout fault" 200
api POST /v1/activations "{\"installation_id\":\"$I1\"}" --max-time 1
check "timeout: the client gives up" '[ "$code" = 000 ]' "HTTP $code"
admin PUT /v1/admin/faults '{"route":"/v1/activations","kind":"sometimes"}'; status_is "bad fault kind" 400
admin PUT /v1/admin/faults '{"route":"/v1/activations","kind":"error","probability":2}'; status_is "bad probability" 400
admin GET /v1/admin/faults; status_is "list faults" 200
json_is "one fault" 'len(d["faults"]) == 1 and d["faults"][0]["kind"] == "timeout"'
admin DELETE /v1/admin/faults; status_is "clear faults" 200
api POST /v1/activations "{\"installation_id\":\"$I1\"}"; status_is "normal again" 200
admin GET '/v1/admin/requests?limit=1000'; status_is "request log" 200
json_is "the request log records the fault kind" '{r["fault"] for r in d["requests"] if r["route"] == "/v1/activations" and r["fault"]} >= {"error", "latency", "reset"}'
json_is "unfaulted requests have no fault" 'd["requests"][-1]["fault"] is None'

# --- request limits and garbage ---
api GET /nope; status_is "unknown route" 404
api DELETE /v1/activations; status_is "wrong method" 405
check "Allow header" 'curl -s -i --cacert "$ACTSIM_LAB/tls/ca.pem" -X DELETE "$URL/v1/activations" | grep -qi "^Allow: POST"' "no Allow"
python3 -c 'print("{\"installation_id\":\"" + "1"*5000 + "\"}")' > "$T/big.json"
code=$(curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o "$T/out" -w '%{http_code}' -X POST --data-binary @"$T/big.json" "$URL/v1/activations"); status_is "oversize body" 413
python3 -c 'print("x"*200000)' > "$T/huge"
code=$(curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o /dev/null -w '%{http_code}' -X POST --data-binary @"$T/huge" "$URL/v1/activations"); check "a huge body is refused" '[ "$code" = 413 ] || [ "$code" = 000 ]' "HTTP $code"
api POST /v1/activations '{"installation_id":'; status_is "malformed JSON" 400
json_is "MALFORMED_JSON" 'd["error"]["code"] == "MALFORMED_JSON"'
api POST /v1/activations '[1,2]'; status_is "JSON that is not an object" 400
python3 - "$PORT" <<'PY'
import socket, ssl, sys, os
port = int(sys.argv[1])
for payload in (os.urandom(4096), b"GET / HTTP/1.1\r\n" + b"X: " + b"a" * 20000 + b"\r\n\r\n", b"\x16\x03\x01\x00\xff" + b"\x00" * 300):
    s = socket.create_connection(("127.0.0.1", port), timeout=5)
    try:
        s.sendall(payload)
        s.recv(100)
    except Exception:
        pass
    s.close()
ctx = ssl.create_default_context(); ctx.check_hostname = False; ctx.verify_mode = ssl.CERT_NONE
s = ctx.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=5))
s.sendall(b"POST /v1/activations HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\n" + os.urandom(5)); s.recv(1000); s.close()
PY
api GET /healthz; status_is "garbage did not take the server down" 200

# --- metrics and the request log carry no personal data ---
api GET /metrics; status_is "metrics" 200
check "Prometheus counters" 'grep -q "^actsim_requests_total{route=\"/v1/activations\",status=\"200\"}" "$T/out" && grep -q "^actsim_activations_total{result=\"TOO_MANY_ACTIVATIONS\"} 1" "$T/out" && grep -q "^actsim_request_duration_seconds_bucket{le=\"+Inf\"}" "$T/out"' "$(head -20 "$T/out")"
cp "$T/out" "$T/metrics.txt"
admin GET "/v1/admin/requests?limit=1000"; status_is "request log" 200
json_is "log entries" 'len(d["requests"]) > 20 and set(d["requests"][0]) == {"at","wall_at","method","route","status","latency_ms","fault"}'
cp "$T/out" "$T/requests.json"
check "the planted email is nowhere in the lab or logs" '! grep -rqa "planted.canary" "$ACTSIM_LAB" "$T/metrics.txt" "$T/requests.json" "$T/srv.out" "$T/srv.err"' "found"
check "nor the name" '! grep -rqa "Pat Planted" "$ACTSIM_LAB"' "found"

# --- admin commands print text, and their server's JSON with --json ---
expect "admin requests as text" 0 $A admin requests --limit 5
check "a table with the lab time, rounded latencies" 'head -1 "$T/out" | grep -q "^LAB TIME  *WALL .*LATENCY" && [ "$(wc -l < "$T/out")" = 6 ] && grep -Eq " [0-9]+\.[0-9]{1,3} m?s( |$)" "$T/out" && ! grep -q "{" "$T/out" && [ "$(awk "{ if (length > 80) n++ } END { print n+0 }" "$T/out")" = 0 ]' "$(out)"
wall=$(date -u +%s)
check "the wall time of day beside the lab time, within a minute" 'tail -1 "$T/out" | grep -Eq "^20[0-9-]{8}T[0-9:]{8}Z ($(date -u -d @$((wall - 60)) +%H:%M)|$(date -u -d @$wall +%H:%M)):[0-5][0-9] "' "$(out)"
expect "admin requests --json" 0 $A --json admin requests --limit 5
check "latencies in plain decimals" '! grep -Eq "\"latency_ms\": [0-9]+\.[0-9]{11,}" "$T/out"' "$(grep latency_ms "$T/out" | head -3)"
json_is "the server's document, with the real time" 'len(d["requests"]) == 5 and set(d["requests"][0]) == {"at","wall_at","method","route","status","latency_ms","fault"} and __import__("time").time() - 60 < __import__("calendar").timegm(__import__("time").strptime(d["requests"][-1]["wall_at"], "%Y-%m-%dT%H:%M:%SZ")) <= __import__("time").time() + 1 and d["requests"][-1]["at"] != d["requests"][-1]["wall_at"]'
expect "admin faults list as text" 0 $A admin faults list
stdout_has "no faults" "No faults are set."
expect "admin faults set as text" 0 $A admin faults set --route /v1/registrations --kind latency --delay 1500ms
check "the fault table" 'head -1 "$T/out" | grep -q "^ROUTE .*KIND" && grep -q "^/v1/registrations .*latency .*delay 1.500 s" "$T/out"' "$(out)"
check "no trailing blanks" '! grep -q " $" "$T/out"' "$(out | cat -A)"
expect "a fault with a long detail" 0 $A admin faults set --route /v1/keys/validate --kind error --status 503 --code SERVICE_TEMPORARILY_UNAVAILABLE
check "the detail on a line of its own, within 80 columns" '[ -z "$(awk "length > 80" "$T/out")" ] && grep -q "^    status 503 SERVICE_TEMPORARILY_UNAVAILABLE$" "$T/out"' "$(out)"
$A admin faults clear /v1/keys/validate >/dev/null
expect "a latency fault with jitter" 0 $A admin faults set --route /v1/keys/validate --kind latency --delay 1s --jitter 200ms
stdout_has "shows the jitter" "delay 1.000 s + up to 200.0 ms"
$A admin faults clear /v1/keys/validate >/dev/null
expect "a slow fault without --rate" 2 $A admin faults set --route /v1/keys/validate --kind slow
stderr_has "the server's refusal names the option" "a slow fault needs '--rate'"
expect "an option that does not apply" 2 $A admin faults set --route /v1/keys/validate --kind latency --delay 1s --code X
stderr_has "named as typed" "'--code' does not apply to latency faults"
expect "with --json the server's own words" 2 $A --json admin faults set --route /v1/keys/validate --kind slow
json_is "members, as the API says them" '"rate" in d["error"]["message"] and "--rate" not in d["error"]["message"]'
expect "admin faults list --json" 0 $A --json admin faults list
json_is "the fault as JSON" 'd["faults"][0]["route"] == "/v1/registrations" and d["faults"][0]["delay_ms"] == 1500'
expect "admin faults clear" 0 $A admin faults clear
stdout_has "cleared" "No faults are set."
expect "admin block as text" 0 $A admin block "$K" --reason leaked
check "one line" '[ "$(cat "$T/out")" = "$K: blocked." ]' "$(out)"
expect "admin unblock as text" 0 $A admin unblock "$K"
check "one line" '[ "$(cat "$T/out")" = "$K: unblocked." ]' "$(out)"
expect "admin unblock --json" 1 $A --json admin unblock "$K"
json_is "the server's error" 'd["error"]["code"] == "NOT_BLOCKED"'
expect "admin activations as text" 0 $A admin activations --key "$K"
check "a table of the key's activations" 'head -1 "$T/out" | grep -q "^AT .*PRODUCT KEY" && grep -q "$K" "$T/out" && ! grep -q "{" "$T/out"' "$(out)"
check "within 80 columns, the lab time to the minute" '[ -z "$(awk "length > 80" "$T/out")" ] && grep -Eq "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2} +$K" "$T/out"' "$(out)"
expect "admin requests after admin activations" 0 $A admin requests --limit 3
check "a long route whole, at the end of its line" 'grep -q " /v1/admin/activations$" "$T/out"' "$(out)"
expect "admin clock as text" 0 $A admin clock
stdout_has "the lab time" "Lab time: "

# --- the online client ---
$A machine create on1 --key "$($A key gen --sku web --channel retail --platform x86)" --hw "$HW/dl380.json" >/dev/null
expect "machine activate --online" 0 $A --json machine activate on1 --online
json_is "activated online" 'd["kind"] == "online" and d["license_status"] == "activated"'
expect "--insecure skips verification" 0 $A machine activate on1 --online --insecure --url "$URL"
expect "a server with another lab's certificate is refused" 3 $A --lab "$T/other" machine activate x --online --url "$URL"
stderr_has "and named" "the server at $URL is not this lab's clearinghouse"
expect "--cacert trusts another CA (the server then refuses the IID)" 1 $A --lab "$T/other" --json machine activate x --online --url "$URL" --cacert "$ACTSIM_LAB/tls/ca.pem"
json_is "the clearinghouse's own refusal" 'd["error"]["code"] == "INVALID_INSTALLATION_ID"'
expect "--cacert needs a readable file (IO_ERROR)" 3 $A machine activate on1 --online --cacert "$T/nope.pem"
expect "--timeout needs a duration" 2 $A machine activate on1 --online --timeout 10
expect "--timeout goes with --online" 2 $A machine activate on1 --local --timeout 10s
expect "--url must be https" 2 $A machine activate on1 --online --url "http://127.0.0.1:$PORT"

# --- the telephone road through a pseudo-terminal, as a person would ---
$A machine create ph1 --key "$K" --hw "$HW/pe2850.json" >/dev/null
IPH=$($A machine iid ph1)
python3 - "$A" "$IPH" "$ACTSIM_LAB" > "$T/pty.log" 2>&1 <<'PY'
import os, pty, sys, time, select
actsim, iid, lab = sys.argv[1], sys.argv[2], sys.argv[3]
pid, fd = pty.fork()
if pid == 0:
    os.environ["ACTSIM_LAB"] = lab
    os.execv(actsim, [actsim, "phone"])
buf = b""
def until(text, timeout=10):
    global buf
    end = time.time() + timeout
    while text.encode() not in buf:
        r, _, _ = select.select([fd], [], [], max(0, end - time.time()))
        if not r:
            raise SystemExit("timed out waiting for %r; got %r" % (text, buf[-300:]))
        try:
            chunk = os.read(fd, 4096)
        except OSError:
            raise SystemExit("closed waiting for %r; got %r" % (text, buf[-300:]))
        buf += chunk
    i = buf.index(text.encode()) + len(text)
    seen, buf = buf[:i], buf[i:]
    return seen.decode()
groups = iid.split("-")
typo = groups[3][:5] + str((int(groups[3][5]) + 1) % 7)
for n, g in enumerate(groups, 1):
    until("Group %d: " % n)
    if n == 4:
        os.write(fd, (typo + "\r").encode())
        until("group 4 does not look right")
        until("Group 4: ")
    os.write(fd, (g + "\r").encode())
until("more than one computer? (yes/no): ")
os.write(fd, b"no\r")
out = until("Thank you for calling.")
labels = [l.strip()[:2] for l in out.splitlines() if l.strip()[:2] in ("A:", "B:", "C:", "D:", "E:", "F:", "G:")]
_, status = os.waitpid(pid, 0)
print("labels", "".join(l[0] for l in labels))
print("exit", os.WEXITSTATUS(status))
PY
check "phone dialogue: typo asked again, over limit, transfer, groups A-G" 'grep -q "^labels ABCDEFG$" "$T/pty.log" && grep -q "^exit 0$" "$T/pty.log"' "$(tail -5 "$T/pty.log")"
admin GET "/v1/admin/activations?product_key=$K"
json_is "recorded as a transfer" '"transfer" in [a["kind"] for a in d["activations"]]'
IPH2=$($A machine iid r3)
printf '%s\n' $(echo "$IPH2" | tr - ' ') yes > "$T/answers"
expect "phone --batch, more than one computer: refused" 1 sh -c "'$A' phone --batch < '$T/answers'"
expect "phone flag form" 0 $A --json phone --iid "$IPH2" --single-computer yes
json_is "transfer by flags" 'd["kind"] == "transfer" and sorted(d["groups"]) == list("ABCDEFG")'
expect "phone with a malformed IID" 2 $A phone --iid 123

# --- reset keeps machines, drops activations ---
admin POST /v1/admin/reset; status_is "reset" 200
admin GET /v1/admin/activations; status_is "after reset" 200
json_is "no activations" 'd["activations"] == []'
expect "machines kept" 0 $A machine show r1

# --- 32 simultaneous activations of one retail key: exactly 2 granted ---
K32=$($A key gen --sku standard --channel retail --platform x64)
for i in $(seq 1 32); do
	printf '{"volume_serial":"cv%d","nic_mac":"cn%d","hdd":"ch%d","cdrom":"cc%d","display":"cd%d","cpu_serial":"cs%d","ide":"ci%d","cpu_model":"cm%d"}' \
		$i $i $i $i $i $i $i $i > "$T/c$i.json"
	$A machine create c$i --key "$K32" --hw "$T/c$i.json" >/dev/null
	$A machine iid c$i
done > "$T/iids"
xargs -P 32 -I{} curl -s --cacert "$ACTSIM_LAB/tls/ca.pem" -o /dev/null -w '%{http_code}\n' -X POST -d '{"installation_id":"{}"}' "$URL/v1/activations" < "$T/iids" | sort | uniq -c > "$T/codes"
check "32 at once: exactly 2 granted, 30 refused" 'grep -q "^ *2 200$" "$T/codes" && grep -q "^ *30 409$" "$T/codes"' "$(cat "$T/codes")"

# --- persistence across a restart ---
stop_server
check "server.json removed on stop" '[ ! -e "$ACTSIM_LAB/server.json" ]' "still there"
check "clean stop message" 'grep -q "server stopped" "$T/srv.err"' "$(cat "$T/srv.err")"
expect "online with the server stopped" 3 $A machine activate on1 --online
stderr_has "says no server runs for the lab" "actsim: no clearinghouse is running for lab '$ACTSIM_LAB' (start one with 'actsim server')"
expect "admin with the server stopped" 3 $A admin faults list
stderr_has "the same words" "no clearinghouse is running for lab"
start_server
admin GET "/v1/admin/activations?product_key=$K32"; status_is "after a restart" 200
json_is "the 2 activations survived" 'len(d["activations"]) == 2'

# --- the OpenAPI document lists every route ---
$A --json server --routes > "$T/routes.json"
check "every route is in docs/openapi.yaml" 'python3 - "$T/routes.json" "$DOCS/openapi.yaml" <<PY
import json, re, sys
routes = json.load(open(sys.argv[1]))["routes"]
doc = open(sys.argv[2]).read().splitlines()
missing = []
for r in routes:
    path = r["path"]
    pat = re.compile("  " + re.escape(path).replace(r"\*", r"\{[a-z_]+\}") + ":$")
    i = next((n for n, line in enumerate(doc) if pat.match(line)), None)
    if i is None:
        missing.append(path); continue
    block = []
    for line in doc[i + 1:]:
        if line.startswith("  /") or not line.startswith(" "):
            break
        block.append(line)
    if "    " + r["method"].lower() + ":" not in block:
        missing.append(r["method"] + " " + path)
sys.exit(1 if missing else 0)
PY' "routes missing from openapi.yaml"

finish
