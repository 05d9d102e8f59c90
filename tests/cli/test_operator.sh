#!/bin/sh
# CLI tests of the operator's command line: the fleet view, help, slmgr
# verbs, the clock, lab token and catalog text — through the actsim
# command, as a user would type it. Outputs are compared in full.
. "$(dirname "$0")/lib.sh"
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
key() { $A key gen --sku "$1" --channel "$2" --platform "$3" --seed "$4"; }
# same NAME FILE: stdout is exactly the file's text
same() {
	if cmp -s "$T/out" "$2"; then ok "$1"; else
		not_ok "$1" "diff: $(diff "$2" "$T/out" | head -8 | tr '\n' '|')"
	fi
}
# wide NAME: no stdout line passes 80 columns
narrow() { check "$1" '[ "$(awk "length > 80" "$T/out" | wc -l)" = 0 ]' "$(out | head -3)"; }

$A lab init --seed 7 >/dev/null

# --- the fleet view ---
expect "empty fleet" 0 $A machine list
printf 'no machines\n' >"$T/want"
same "empty fleet says so" "$T/want"
expect "empty fleet json" 0 $A --json machine list
json_is "no rows" 'd == {"machines": []}'

$A machine create web1 --key "$(key web retail x86 1)" --hw "$HW/pe2850.json" >/dev/null
$A clock advance 5d >/dev/null
$A machine create eval1 --key "$(key enterprise evaluation x86 2)" --hw "$HW/dl380.json" >/dev/null
$A machine create vol1 --key "$(key standard volume x86 3)" --hw "$HW/small-office.json" >/dev/null
$A machine create oem1 --key "$(key standard oem x86 4)" --hw "$HW/oem-preinstalled.json" >/dev/null
$A machine create db1 --key "$(key datacenter retail x64 5)" --hw "$HW/dl380.json" >/dev/null
$A machine activate db1 --local >/dev/null
$A machine hw db1 --replace nic_mac >/dev/null
$A machine create a-machine-with-a-name-long-enough-to-push-the-table-past-80c \
	--key "$(key standard msdn x86 6)" --hw "$HW/pe2850.json" >/dev/null
$A machine create late1 --key "$(key standard retail x86 7)" --hw "$HW/pe2850.json" >/dev/null
$A clock advance 27d >/dev/null

expect "machine list" 0 $A machine list
cat >"$T/want" <<'T'
NAME                   SKU        CHANNEL    STATE         DAYS ACTIVATED  VOTES
a-machine-with-a-name- standard   msdn       grace           33 -              -
db1                    datacenter retail     activated        - 2026-01-06  9/12
eval1                  enterprise evaluation grace_expired    0 -              -
late1                  standard   retail     grace            3 -              -
oem1                   standard   oem        activated        - 2026-01-06 12/12
vol1                   standard   volume     exempt           - -              -
web1                   web        retail     grace_expired    0 -              -
T
same "the table in full, the long name cut to fit" "$T/want"
narrow "machine list fits 80 columns"
expect "machine list json" 0 $A --json machine list
json_is "rows by name with every field" '[m["name"] for m in d["machines"]] == sorted(m["name"] for m in d["machines"]) and len(d["machines"]) == 7 and all(set(m) == {"name","sku","channel","platform","r2","license_status","days_left","deadline","activated_at","votes_matching","votes_needed","votes_total"} for m in d["machines"])'
json_is "db1 row in full" '[m for m in d["machines"] if m["name"] == "db1"][0] == {"name": "db1", "sku": "datacenter", "channel": "retail", "platform": "x64", "r2": False, "license_status": "activated", "days_left": None, "deadline": None, "activated_at": "2026-01-06T00:00:00Z", "votes_matching": 9, "votes_needed": 7, "votes_total": 12}'
json_is "late1 deadline" '[m for m in d["machines"] if m["name"] == "late1"][0]["deadline"] == "2026-02-05T00:00:00Z"'

expect "--state grace" 0 $A --json machine list --state grace
json_is "only machines in grace" '[m["name"] for m in d["machines"]] == ["a-machine-with-a-name-long-enough-to-push-the-table-past-80c", "late1"]'
expect "--state grace_expired" 0 $A --json machine list --state grace_expired
json_is "the evaluation and web1" '[m["name"] for m in d["machines"]] == ["eval1", "web1"]'
expect "--expiring-within 4d" 0 $A --json machine list --expiring-within 4d
json_is "late1 only (3 days left)" '[m["name"] for m in d["machines"]] == ["late1"]'
expect "--sort deadline" 0 $A --json machine list --sort deadline
json_is "soonest deadline first, none last" '[m["deadline"] for m in d["machines"]] == sorted((m["deadline"] for m in d["machines"]), key=lambda x: (x is None, x or "")) and d["machines"][0]["name"] == "eval1" and d["machines"][-1]["deadline"] is None'
expect "--sort deadline text" 0 $A machine list --sort deadline
check "text follows the same order" '[ "$(cut -d" " -f1 "$T/out" | tr "\\n" " ")" = "NAME eval1 web1 late1 a-machine-with-a-name- db1 oem1 vol1 " ]' "$(out)"
expect "filters combine" 0 $A --json machine list --state grace --expiring-within 100d --sort deadline
json_is "grace machines by deadline" '[m["license_status"] for m in d["machines"]] == ["grace"] * len(d["machines"]) and [m["deadline"] for m in d["machines"]] == sorted(m["deadline"] for m in d["machines"])'
expect "--state unknown" 2 $A machine list --state sleepy
stderr_has "names the states" "unknown license state 'sleepy' (grace, grace_expired, activated,"
expect "--expiring-within garbage" 2 $A machine list --expiring-within soon
stderr_has "duration hint" "--expiring-within needs a duration such as 7d or 12h, not 'soon'"
expect "--sort unknown" 2 $A --json machine list --sort size
json_is "USAGE code" 'd["error"]["code"] == "USAGE"'
expect "list takes no names" 2 $A machine list web1

finish
