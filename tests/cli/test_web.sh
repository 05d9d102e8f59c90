#!/bin/sh
# The web dashboard in a real browser (tests/web/dashboard.test.js:
# Debian's chromium driven by playwright-core), against a server on a
# temporary lab; screenshots go to $BUILD/test-output/web. Plus the
# dashboard's routes and `machine timeline --svg` seen with curl and
# xmllint.
. "$(dirname "$0")/lib.sh"
WEB=$(cd "$(dirname "$0")/../web" && pwd)
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
OUT=$(cd "$(dirname "$A")" && pwd)/test-output/web
$A lab init --seed 0 >/dev/null
TOKEN=$($A lab token)
start_server
check "server started" '[ -n "$URL" ]' "$(cat "$T/srv.err")"
CURL="curl -s --cacert $ACTSIM_LAB/tls/ca.pem"

# --- the page's files and the new routes, by hand ---
code=$($CURL -o "$T/index" -D "$T/h" -w '%{http_code}' "$URL/")
check "GET / is the page (HTTP 200, HTML)" '[ "$code" = 200 ] && grep -qi "^content-type: text/html" "$T/h" && grep -q "actsim lab" "$T/index"' "HTTP $code"
check "the page refers to nothing outside" '! grep -Eq "(src|href)=\"(https?:)?//" "$T/index"' "$(grep -Eo '(src|href)="[^"]*"' "$T/index")"
check "a Content Security Policy comes with it" "grep -qi \"^content-security-policy: default-src 'none'; script-src 'self'\" \"\$T/h\"" "$(cat "$T/h")"
for f in app.js app.css; do
	code=$($CURL -o "$T/f" -w '%{http_code}' "$URL/$f")
	check "GET /$f is the file in web/" '[ "$code" = 200 ] && cmp -s "$T/f" "$WEB/../../web/$f"' "HTTP $code"
done
code=$($CURL -o "$T/out" -w '%{http_code}' "$URL/v1/admin/machines")
check "machines need the token (HTTP 401)" '[ "$code" = 401 ]' "HTTP $code"
K=$($A key gen --sku standard --channel retail --platform x86)
$A machine create m1 --key "$K" --hw "$HW/pe2850.json" >/dev/null
code=$($CURL -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/admin/machines")
check "GET /v1/admin/machines (HTTP 200)" '[ "$code" = 200 ]' "HTTP $code"
json_is "its rows" 'd["machines"][0]["name"] == "m1" and d["machines"][0]["days_left"] == 30 and d["clock_run"] is None'
code=$($CURL -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/admin/machines/m1")
check "GET /v1/admin/machines/m1 (HTTP 200)" '[ "$code" = 200 ]' "HTTP $code"
json_is "its IDs and timeline" 'len(d["machine"]["installation_id"]) == 62 and d["timeline"]["events"][0]["kind"] == "installed" and d["activations"] == []'
for p in /v1/admin/machines/nope /v1/admin/timelines/nope '/v1/admin/machines/%3Cb%3E'; do
	code=$($CURL -o "$T/out" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL$p")
	check "GET $p: no such machine (HTTP 404)" '[ "$code" = 404 ] && grep -q NO_SUCH_MACHINE "$T/out"' "HTTP $code $(out)"
done
code=$($CURL -o "$T/svg" -D "$T/h" -w '%{http_code}' -H "Authorization: Bearer $TOKEN" "$URL/v1/admin/timelines/m1")
check "GET /v1/admin/timelines/m1 is SVG" '[ "$code" = 200 ] && grep -qi "^content-type: image/svg+xml" "$T/h" && xmllint --noout "$T/svg"' "HTTP $code"
for b in '{"step":"nonsense"}' '{"step":"1d","every":"0s"}' '{"step":"1d","every":"2h"}' '{}'; do
	code=$($CURL -o "$T/out" -w '%{http_code}' -X PUT -d "$b" -H "Authorization: Bearer $TOKEN" "$URL/v1/admin/clock/run")
	check "clock run refuses $b (HTTP 400)" '[ "$code" = 400 ]' "HTTP $code"
done

# --- the demo clock from the CLI ---
expect "admin clock run" 0 $A --json admin clock run --step 1d --every 1s
json_is "it runs" 'd["clock_run"]["step_seconds"] == 86400 and d["clock_run"]["every_ms"] == 1000'
expect "admin clock in text" 0 $A admin clock
stdout_has "the run as the options write it" "The clock runs: +1d every 1s."
expect "admin clock run without --step" 2 $A admin clock run
before=$($A clock show)
ticked=no
for _ in $(seq 1 50); do
	if [ "$($A clock show)" != "$before" ]; then ticked=yes; break; fi
	sleep 0.1
done
check "the lab clock advances by itself" '[ "$ticked" = yes ]' "$before"
expect "admin clock run --every 90s in text" 0 $A admin clock run --step 1h30m --every 90s
stdout_has "step and interval rounded" "The clock runs: +1h30m every 1m30s."
expect "admin clock stop" 0 $A --json admin clock stop
json_is "it stops" 'd["clock_run"] is None'
sleep 0.3
t1=$($A clock show)
sleep 1.3
check "and the clock stays put" '[ "$($A clock show)" = "$t1" ]' "$t1"

# --- machine timeline --svg ---
$A clock advance 2d >/dev/null
$A machine activate m1 --local >/dev/null
$A machine hw m1 --replace nic_mac,hdd,scsi,display >/dev/null
expect "machine timeline --svg" 0 $A machine timeline m1 --svg "$T/m1.svg"
check "the SVG is valid XML" 'xmllint --noout "$T/m1.svg"' "$(xmllint --noout "$T/m1.svg" 2>&1 | head -3)"
check "standalone: no script, nothing outside" '! grep -Eq "<script|href=|xlink" "$T/m1.svg"' "found"
check "it has the events" 'grep -q "event-activated" "$T/m1.svg" && grep -q "event-hardware" "$T/m1.svg" && grep -q "window-reactivation" "$T/m1.svg"' "missing"
expect "machine timeline --json" 0 $A --json machine timeline m1
json_is "events in time order" '[e["at"] for e in d["timeline"]["events"]] == sorted(e["at"] for e in d["timeline"]["events"])'
expect "machine timeline of no machine" 2 $A machine timeline nope
expect "machine timeline --svg into no directory" 3 $A machine timeline m1 --svg /nonexistent/x.svg
$A machine delete m1 >/dev/null
$A clock set 2026-01-01T00:00:00Z >/dev/null

# --- the browser ---
if [ ! -x "${CHROMIUM:-/usr/bin/chromium}" ] || [ ! -d "$WEB/node_modules/playwright-core" ]; then
	not_ok "browser tests" "no chromium or playwright-core: run scripts/install-deps"
else
	NODE_EXTRA_CA_CERTS=$ACTSIM_LAB/tls/ca.pem ACTSIM=$A URL=$URL TOKEN=$TOKEN OUT=$OUT node "$WEB/dashboard.test.js" > "$T/web.tap" 2>&1
	rc=$?
	grep -E '^(ok|not ok|#)' "$T/web.tap" | sed 's/^/# browser: /'
	check "browser tests pass ($(tail -1 "$T/web.tap"))" '[ "$rc" = 0 ]' "$(grep -A3 '^not ok' "$T/web.tap" | head -20)"
fi
finish
