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

# --- help where people look for it ---
# every command and subcommand of the table, with --help and -h
$A --json help >"$T/cmds.json"
cmds=$(python3 -c 'import json,sys; print(" ".join(c["name"] for c in json.load(open(sys.argv[1]))["commands"]))' "$T/cmds.json")
nforms=0 badforms=""
for c in $cmds; do
	$A --json help "$c" >"$T/h.json" || badforms="$badforms help:$c"
	subs=$(python3 -c 'import json,sys; print(" ".join(s["name"] or "-" for s in json.load(open(sys.argv[1]))["subcommands"]))' "$T/h.json")
	for s in $subs; do
		[ "$s" = - ] && s=
		for h in --help -h; do
			nforms=$((nforms + 1))
			# shellcheck disable=SC2086
			if ! $A $c $s $h >"$T/hout" 2>"$T/herr"; then
				badforms="$badforms $c/$s/$h:exit"; continue
			fi
			[ -s "$T/herr" ] && badforms="$badforms $c/$s/$h:stderr"
			grep -q "^usage: actsim $c${s:+ $s}" "$T/hout" || badforms="$badforms $c/$s/$h:usage"
			grep -q "example: actsim $c" "$T/hout" || badforms="$badforms $c/$s/$h:example"
			[ -z "$(awk 'length > 80' "$T/hout")" ] || badforms="$badforms $c/$s/$h:wide"
			python3 -c '
import json, sys
d = json.load(open(sys.argv[1])); s = sys.argv[2] or None
text = open(sys.argv[3]).read()
sub = [x for x in d["subcommands"] if x["name"] == s][0]
for o in sub["options"]:
    assert ("  --" + o["name"]) in text, o["name"]
    assert o["help"].split()[0] in text, o["help"]
' "$T/h.json" "$s" "$T/hout" 2>/dev/null || badforms="$badforms $c/$s/$h:options"
		done
	done
done
check "every --help and -h form ($nforms) prints usage, options and an example, within 80 columns" '[ -z "$badforms" ] && [ $nforms -ge 80 ]' "$badforms"
expect "hw hash --help does not open a file" 0 $A hw hash --help
stdout_has "hw hash usage" "usage: actsim hw hash PROFILE"
expect "machine activate --help" 0 $A machine activate --help
out >"$T/h1"
expect "help machine activate" 0 $A help machine activate
check "help SUB prints the same as --help" 'cmp -s "$T/out" "$T/h1"' "$(diff "$T/h1" "$T/out" | head -5)"
expect "--help before the command" 0 $A --help machine activate
check "actsim --help CMD SUB is help CMD SUB" 'cmp -s "$T/out" "$T/h1"' "$(diff "$T/h1" "$T/out" | head -5)"
expect "admin faults set --help" 0 $A admin faults set --help
out >"$T/h2"
expect "help admin faults set" 0 $A help admin faults set
check "help of a sub-subcommand prints the same as its --help" 'cmp -s "$T/out" "$T/h2"' "$(diff "$T/h2" "$T/out" | head -5)"
expect "help with a typo in the subcommand" 2 $A help machine actvate
stderr_has "suggests the subcommand" "unknown subcommand 'machine actvate'; did you mean 'activate'?"
expect "help with words that name nothing" 2 $A help nosuch a b
expect "help of a sub-subcommand with a typo" 2 $A help admin faults sett
stderr_has "suggests it" "unknown subcommand 'admin faults sett'; did you mean 'set'?"
expect "help with a word too many" 2 $A help lab init nonsense
expect "--help before a global option is the general help" 0 $A --help --lab "$T/none" machine list
stdout_has "the commands" "commands:"
cat >"$T/want" <<'T'
usage: actsim machine activate NAME --local | --cid CID | --online [--url URL]
           [--insecure] [--cacert FILE] [--timeout D]

activate the machine

options:
  --local                 ask the lab's clearinghouse in process
  --online                ask the running clearinghouse over HTTPS
  --cid CID               apply a confirmation ID obtained elsewhere (by
                          telephone)
  --url URL               the clearinghouse to ask (default: the lab's running
                          server, from DIR/server.json)
  --insecure              do not verify the server's certificate (default:
                          verify it against the lab's CA)
  --cacert FILE           verify the server against this CA (default: the
                          lab's, DIR/tls/ca.pem)
  --timeout D             give up when no answer came in D, such as 10s or
                          500ms (default 10s)

example: actsim machine activate srv1 --local
T
check "machine activate help in full" 'cmp -s "$T/h1" "$T/want"' "$(diff "$T/want" "$T/h1" | head -5)"
expect "help --json" 0 $A --json help machine list
json_is "options as members" 'd["command"] == "machine" and d["subcommand"] == "list" and [o["name"] for o in d["subcommands"][0]["options"]] == ["state", "expiring-within", "sort"] and d["subcommands"][0]["options"][0]["argument"] == "STATE"'
expect "help lines fit 80 columns" 0 $A help machine
narrow "help machine fits 80 columns"
expect "help of an unknown subcommand" 2 $A help machine lst

# options the code accepts are all in the table (one source of truth)
srcopts=$(sed -n 's/.*{ "\([a-z0-9-]*\)", *\(required\|no\|optional\)_argument.*/\1/p' \
	"$(dirname "$0")"/../../cli/*.c | sort -u)
for c in $cmds; do $A --json help "$c"; done >"$T/all.json" 2>/dev/null
missing=""
for o in $srcopts; do grep -q "\"name\": \"$o\"" "$T/all.json" || missing="$missing $o"; done
$A --json help >"$T/g.json"
for o in $missing; do grep -q "\"name\": \"$o\"" "$T/g.json" && missing=$(echo "$missing" | sed "s/ $o\b//"); done
check "every option the code parses has help" '[ -z "$(echo $missing)" ]' "undocumented:$missing"

# --- suggestions ---
expect "typo in a command" 2 $A mchine
cat >"$T/want" <<'T'
actsim: unknown command 'mchine'; did you mean 'machine'?
try 'actsim help'
T
check "did you mean 'machine'" 'cmp -s "$T/err" "$T/want"' "$(err)"
expect "typo in a subcommand" 2 $A machine lsit
stderr_has "did you mean 'list'" "unknown subcommand 'machine lsit'; did you mean 'list'?"
expect "typo in an option" 2 $A --json machine list --sortt deadline
json_is "did you mean '--sort'" 'd["error"]["code"] == "USAGE" and d["error"]["message"] == "unknown option '"'"'--sortt'"'"'; did you mean '"'"'--sort'"'"'?"'
expect "typo in a global option" 2 $A --jsno machine list
stderr_has "did you mean '--json'" "did you mean '--json'?"
expect "a global option mistyped after the command" 2 $A clock show --jsno
stderr_has "did you mean '--json' there too" "unknown option '--jsno'; did you mean '--json'?"
expect "an option without its value" 2 $A machine list --state
stderr_has "says the value is missing" "option '--state' needs a value (STATE)"
expect "machine show with a word too many" 2 $A machine show a b
stderr_has "names it" "machine show takes one NAME; unexpected 'b'"
expect "machine iid without a name" 2 $A machine iid
stderr_has "asks for it" "machine iid needs NAME"
expect "slmgr --help" 0 $A slmgr --help
stdout_has "says what each verb does" "/dli license"
expect "nothing near" 2 $A zzzzzzzz
check "no suggestion when nothing is near" '! grep -q "did you mean" "$T/err"' "$(err)"
expect "typo in help's argument" 2 $A help lba
stderr_has "help suggests too" "unknown command 'lba'; did you mean 'lab'?"

# --- clock set backwards ---
$A clock set 2026-03-01T00:00:00Z >/dev/null
expect "clock set before 1970" 2 $A clock set 1900-01-01 --backwards
stderr_has "says where the clock starts" "'1900-01-01' is before 1970-01-01T00:00:00Z, where the lab clock starts"
expect "clock set backwards refused" 2 $A clock set 2026-02-01
cat >"$T/want" <<'T'
actsim: '2026-02-01' is before the lab's time 2026-03-01T00:00:00Z; add --backwards to go back (deadlines keep their dates)
try 'actsim help clock'
T
check "says why and how" 'cmp -s "$T/err" "$T/want"' "$(err)"
expect "clock unchanged" 0 $A clock show
stdout_has "still March" "2026-03-01T00:00:00Z"
expect "clock set --backwards" 0 $A clock set --backwards 2026-02-01T12:00:00Z
cat >"$T/want" <<'T'
2026-02-01T12:00:00Z
the clock went back 27d12h from 2026-03-01T00:00:00Z: deadlines keep their dates, so running grace periods show more days left again; installations, activations and hardware changes recorded after the new time stay recorded
T
same "says what it does to deadlines" "$T/want"
expect "late1 has days again" 0 $A --json machine show late1
json_is "deadline kept, days back" 'd["deadline"] == "2026-02-05T00:00:00Z" and d["days_left"] == 4 and d["license_status"] == "grace"'
expect "forward needs no flag" 0 $A --json clock set 2026-03-01
json_is "no note going forward" 'd == {"now": "2026-03-01T00:00:00Z"}'

# --- lab token and lab show ---
expect "lab token" 0 $A lab token
check "64 hex digits" 'grep -qxE "[0-9a-f]{64}" "$T/out"' "$(out)"
tok=$(out)
check "the token file's" '[ "$tok" = "$(cat "$ACTSIM_LAB/admin-token" 2>/dev/null || echo none)" ] || [ ! -e "$ACTSIM_LAB/admin-token" ]' "$tok"
expect "lab token --json" 0 $A --json lab token
json_is "as a member" "d == {'admin_token': '$tok'}"
expect "lab show" 0 $A lab show
check "lab show prints no token" '! grep -q "$tok" "$T/out" && ! grep -q "admin token" "$T/out"' "$(out)"
expect "lab show --json" 0 $A --json lab show
check "nor in JSON" '! grep -q "$tok" "$T/out"' "$(out)"
expect "lab token takes no argument" 2 $A lab token x

# --- slmgr verbs ---
L2="$T/slab"
S="$A --lab $L2"
$S lab init --seed 11 >/dev/null
KW=$($S key gen --sku web --channel retail --platform x86 --seed 1)
KD=$($S key gen --sku datacenter --channel retail --platform x64 --seed 2)
KV=$($S key gen --sku standard --channel volume --platform x86 --seed 3)
KE=$($S key gen --sku enterprise --channel evaluation --platform x86 --seed 4)
$S machine create w1 --key "$KW" --hw "$HW/pe2850.json" >/dev/null
$S machine create d1 --key "$KD" --hw "$HW/dl380.json" >/dev/null
$S machine create v1 --key "$KV" --hw "$HW/small-office.json" >/dev/null
$S clock advance 5d6h30m >/dev/null
$S machine activate d1 --local >/dev/null
$S machine hw d1 --replace nic_mac >/dev/null
PW=$($S --json machine show w1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["product_id"])')
IW=$($S --json machine iid w1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["installation_id"])')
PD=$($S --json machine show d1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["product_id"])')
ID=$($S --json machine iid d1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["installation_id"])')

expect "slmgr /dli in grace" 0 $S slmgr w1 /dli
cat >"$T/want" <<T
Name: Windows Server 2003, Web Edition
Description: Windows Server 2003 operating system, RETAIL channel
Partial Product Key: ${KW##*-}
License Status: Initial grace period
Time remaining: 35610 minute(s) (25 day(s))
T
same "/dli in full" "$T/want"
expect "slmgr /dli --json" 0 $S --json slmgr w1 /dli
json_is "/dli members" "d == {'name': 'Windows Server 2003, Web Edition', 'description': 'Windows Server 2003 operating system, RETAIL channel', 'partial_product_key': '${KW##*-}', 'license_status': 'Initial grace period', 'status': 'grace', 'time_remaining': '35610 minute(s) (25 day(s))', 'timebased_expiration': None, 'time_remaining_minutes': 35610, 'time_remaining_days': 25}"
expect "slmgr /dlv activated" 0 $S slmgr d1 /dlv
cat >"$T/want" <<T
Software licensing service version: actsim 0.1.0
Name: Windows Server 2003, Datacenter Edition x64
Description: Windows Server 2003 operating system, RETAIL channel
Product ID: $PD
Installation ID: $ID
Partial Product Key: ${KD##*-}
License Status: Licensed
Activation kind: local
Activation date: 2026-01-06T06:30:00Z
Hardware votes matching: 9 of 12
Lab clock: 2026-01-06T06:30:00Z
T
same "/dlv in full" "$T/want"
expect "slmgr /dlv --json" 0 $S --json slmgr d1 /dlv
json_is "/dlv members" "d['hardware_votes_matching'] == 9 and d['product_id'] == '$PD' and d['installation_id'] == '$ID' and d['lab_time'] == '2026-01-06T06:30:00Z' and d['activation_date'] == '2026-01-06T06:30:00Z'"
expect "slmgr /xpr activated" 0 $S slmgr d1 /xpr
printf 'Windows Server 2003, Datacenter Edition x64:\n    The machine is permanently activated.\n' >"$T/want"
same "/xpr permanently activated" "$T/want"
expect "slmgr /xpr volume" 0 $S slmgr v1 /xpr
printf 'Windows Server 2003, Standard Edition:\n    Volume activation is not required.\n' >"$T/want"
same "/xpr volume" "$T/want"
expect "slmgr /xpr grace" 0 $S slmgr w1 /xpr
printf 'Windows Server 2003, Web Edition:\n    Initial grace period ends 2026-01-31T00:00:00Z\n' >"$T/want"
same "/xpr grace end" "$T/want"
expect "slmgr /dti" 0 $S slmgr w1 /dti
printf 'Installation ID: %s\n' "$IW" >"$T/want"
same "/dti in groups" "$T/want"
$S machine hw d1 --replace hdd,cdrom,display,scsi >/dev/null
expect "slmgr /dli out of tolerance" 0 $S slmgr d1 /dli
stdout_has "hardware change grace" "License Status: Additional grace period (hardware change)"
stdout_has "3 days" "Time remaining: 4320 minute(s) (3 day(s))"
$S clock advance 30d >/dev/null
expect "slmgr /dli after expiry" 0 $S slmgr w1 /dli
stdout_has "Notification" "License Status: Notification"
check "no time remaining after expiry" '! grep -q "Time remaining" "$T/out"' "$(out)"
expect "slmgr /xpr after expiry" 0 $S slmgr w1 /xpr
stdout_has "ended" "The grace period ended 2026-01-31T00:00:00Z: activation is required."
$S machine create e1 --key "$KE" --hw "$HW/pe2850.json" >/dev/null
$S clock advance 181d >/dev/null
expect "slmgr /dli expired evaluation" 0 $S slmgr e1 /dli
stdout_has "Unlicensed" "License Status: Unlicensed"

# /ipk: Setup's messages; a new product ID; the grace clock goes on
KW2=$($S key gen --sku web --channel retail --platform x86 --seed 9)
KS=$($S key gen --sku standard --channel retail --platform x86 --seed 10)
KO=$($S key gen --sku web --channel oem --platform x86 --seed 12)
before=$($S --json machine show w1)
expect "/ipk another edition" 1 $S slmgr w1 /ipk "$KS"
cat >"$T/want" <<'T'
actsim: Setup cannot continue because the operating system edition is different from the setup edition.
T
check "edition mismatch message" 'cmp -s "$T/err" "$T/want"' "$(err)"
expect "/ipk another channel" 1 $S --json slmgr w1 /ipk "$KO"
json_is "INVALID_KEY with Setup's words" 'd["error"]["code"] == "INVALID_KEY" and d["error"]["message"] == "The product key you entered is not valid. Please type a valid product key."'
expect "/ipk malformed" 2 $S slmgr w1 /ipk not-a-key
check "refused keys change nothing" '[ "$($S --json machine show w1)" = "$before" ]' "machine changed"
expect "/ipk a good key" 0 $S slmgr w1 /ipk "$KW2"
head -1 "$T/out" >"$T/got1"
printf 'Installed product key %s successfully.\n' "$KW2" >"$T/want"
check "/ipk says so" 'cmp -s "$T/got1" "$T/want"' "$(out)"
expect "machine after /ipk" 0 $S --json machine show w1
json_is "new key, new product ID, grace still counted from installation" "d['partial_key'] == '${KW2##*-}' and d['product_id'] != '$PW' and d['product_id'].split('-')[3] == '$PW'.split('-')[3] and d['license_status'] == 'grace_expired' and d['installed_at'] == '2026-01-01T00:00:00Z'"
$S clock set --backwards 2026-01-02 >/dev/null
$S machine activate d1 --local >/dev/null
KD2=$($S key gen --sku datacenter --channel retail --platform x64 --seed 13)
expect "/ipk on an activated machine" 0 $S slmgr d1 /ipk "$KD2"
expect "activation undone" 0 $S --json machine show d1
json_is "must activate again" 'd["license_status"] == "grace" and d["activated_at"] is None'
expect "slmgr /atp CID" 0 $S slmgr d1 /atp "$($S --json cid issue "$($S --json machine iid d1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["installation_id"])')" | python3 -c 'import json,sys; print(json.load(sys.stdin)["confirmation_id"])')"
printf 'Product activated successfully.\n' >"$T/want"
same "/atp activates" "$T/want"
expect "activated with the CID" 0 $S slmgr d1 /xpr
stdout_has "permanently" "The machine is permanently activated."
expect "/atp a wrong CID" 1 $S slmgr w1 /atp 000000-000000-000000-000000-000000-000000-000000
expect "/atp without a CID" 2 $S slmgr w1 /atp

# what slmgr knows but Windows Server 2003 did not have
expect "/rearm" 2 $S slmgr w1 /rearm
cat >"$T/want" <<'T'
actsim: slmgr /rearm: Windows Server 2003 has no rearm: its grace period runs once from installation and no command resets it
try 'actsim help slmgr'
T
check "/rearm explained in one line" 'cmp -s "$T/err" "$T/want"' "$(err)"
expect "/skms" 2 $S slmgr w1 /skms kms.example:1688
stderr_has "KMS explained" "slmgr /skms: Windows Server 2003 has no Key Management Service"
expect "a typo in a verb" 2 $S slmgr w1 /dlx
stderr_has "suggests /dli" "unknown slmgr verb '/dlx'; did you mean '/dli'?"
expect "an unknown machine" 2 $S --json slmgr nosuch /dli
json_is "NO_SUCH_MACHINE" 'd["error"]["code"] == "NO_SUCH_MACHINE"'
expect "no verb" 2 $S slmgr w1
for v in /rearm-app /rearm-sku /fta /ltc /ril; do
	expect "$v" 2 $S slmgr w1 $v
	stderr_has "$v explained" "slmgr $v: Windows Server 2003 has no"
done

# verbs as slmgr.vbs takes them: any case, '/' or '-', "all"
$S slmgr d1 /dli >"$T/dli"
for v in /DLI -dli -Dli; do
	expect "slmgr $v" 0 $S slmgr d1 $v
	check "$v is /dli" 'cmp -s "$T/out" "$T/dli"' "$(out)"
done
expect "slmgr /dli all" 0 $S slmgr d1 /dli all
check "all: the one license" 'cmp -s "$T/out" "$T/dli"' "$(out)"
expect "slmgr /dli ALL" 0 $S slmgr d1 /dli ALL
expect "another argument is refused" 2 $S slmgr d1 /dli some

# the same members whatever the state
expect "/dli licensed --json" 0 $S --json slmgr d1 /dli
json_is "no time left, as null" 'd["license_status"] == "Licensed" and d["time_remaining"] is None and d["timebased_expiration"] is None and d["time_remaining_days"] is None'
expect "/dlv not activated --json" 0 $S --json slmgr w1 /dlv
json_is "no activation, as null" 'd["activation_kind"] == "not activated" and d["activation_date"] is None and d["hardware_votes"] is None and d["hardware_votes_matching"] is None'

# /ipk of the key already installed changes nothing
before=$($S --json machine show d1)
expect "/ipk the installed key" 0 $S slmgr d1 /ipk "$KD2"
check "still activated, same product ID" '[ "$($S --json machine show d1)" = "$before" ]' "$($S --json machine show d1 | head -20)"

# an OEM key on hardware with the OEM's BIOS marker comes activated, as
# at installation
KO1=$($S key gen --sku standard --channel oem --platform x86 --seed 21)
KO2=$($S key gen --sku standard --channel oem --platform x86 --seed 22)
$S machine create o1 --key "$KO1" --hw "$HW/oem-preinstalled.json" >/dev/null
PO=$($S --json machine show o1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["product_id"])')
expect "/ipk another OEM key on OEM hardware" 0 $S slmgr o1 /ipk "$KO2"
expect "o1 after /ipk" 0 $S --json machine show o1
json_is "pre-activated again, new product ID" "d['license_status'] == 'activated' and d['activation_kind'] == 'oem_bios' and d['product_id'] != '$PO'"

# an activated evaluation runs out at the evaluation's end
KE2=$($S key gen --sku enterprise --channel evaluation --platform x86 --seed 23)
$S machine create ea1 --key "$KE2" --hw "$HW/pe2850.json" >/dev/null
$S machine activate ea1 --local >/dev/null
expect "slmgr /xpr activated evaluation" 0 $S slmgr ea1 /xpr
printf 'Windows Server 2003, Enterprise Edition:\n    Timebased activation will expire 2026-07-01T00:00:00Z\n' >"$T/want"
same "/xpr: the evaluation's end" "$T/want"
expect "/xpr --json" 0 $S --json slmgr ea1 /xpr
json_is "not permanent" 'd["permanently_activated"] is False and d["ends"] == "2026-07-01T00:00:00Z"'
expect "slmgr /dli activated evaluation" 0 $S slmgr ea1 /dli
stdout_has "Licensed" "License Status: Licensed"
stdout_has "until the end" "Timebased activation expiration: 259200 minute(s) (180 day(s))"

# --- catalog text: channels and telephone numbers ---
expect "catalog" 0 $A catalog
narrow "catalog fits 80 columns"
cat >"$T/want" <<'T'
channels (grace period, activation limit):
  retail      30 days          2 machines in 120 days
  msdn        60 days          10 machines in 120 days
  evaluation  14 days          2 machines in 120 days
                               the evaluation ends 180 days after installation
  oem         30 days          bound to the first hardware
  volume      none             no activation needed
T
sed -n '/^channels/,/^$/p' "$T/out" | sed '$d' >"$T/got"
check "channels with grace days and limits" 'cmp -s "$T/got" "$T/want"' "$(diff "$T/want" "$T/got")"
stdout_has "telephone numbers" "activation by telephone (country, number):"
stdout_has "US number" "  US  United States            (888) 555-0171"
stdout_has "DE number" "  DE  Germany                  0800 555 0174"
expect "catalog json" 0 $A --json catalog
$A catalog >"$T/cat.txt"
$A --json catalog | python3 -c 'import json,sys; t=open(sys.argv[1]).read(); sys.exit(0 if all(c["phone"] in t and c["id"] in t for c in json.load(sys.stdin)["catalog"]["countries"]) else 1)' "$T/cat.txt"
crc=$?
check "every country and number in the text" '[ $crc = 0 ]' "missing"

# --- actsim phone MACHINE ---
L3="$T/plab"
P="$A --lab $L3"
$P lab init --seed 21 >/dev/null
KR=$($P key gen --sku standard --channel retail --platform x86 --seed 1)
$P machine create p1 --key "$KR" --hw "$HW/pe2850.json" --country DE >/dev/null
$P machine create p2 --key "$KR" --hw "$HW/dl380.json" >/dev/null
$P machine create p3 --key "$KR" --hw "$HW/small-office.json" >/dev/null
IP1=$($P --json machine iid p1 | python3 -c 'import json,sys; print(json.load(sys.stdin)["installation_id"])')
expect "phone MACHINE" 0 $P phone p1 --batch
stdout_has "the machine's country's number" "Product activation by telephone (DE: 0800 555 0174)."
stdout_has "its installation ID" "Installation ID of p1: $IP1"
stdout_has "applied at the end" "p1 is activated."
expect "p1 activated by phone" 0 $P --json machine show p1
json_is "kind phone, activated" 'd["license_status"] == "activated" and d["activation_kind"] == "phone"'
expect "phone MACHINE --json" 0 $P --json phone p2 --batch
json_is "the machine in the answer" 'd["machine"] == "p2" and d["kind"] == "phone" and len(d["groups"]) == 7'
# p3 is the key's third machine: the operator asks; only yes or no will do
printf 'maybe\n\nno\n' | $P phone p3 --batch >"$T/out" 2>"$T/err"
rc=$?
check "phone p3 (exit 0)" '[ $rc = 0 ]' "exit $rc; $(err)"
check "asks again on any other answer" '[ "$(grep -c "Please answer yes or no." "$T/out")" = 2 ]' "$(out)"
stdout_has "transfer granted" "p3 is activated."
expect "p3 activated by transfer" 0 $P --json machine show p3
json_is "kind transfer" 'd["activation_kind"] == "transfer"'
# answers as people type them; no answer at all
$P machine create p4 --key "$KR" --hw "$HW/workstation-dockable.json" >/dev/null
printf ' No \n' | $P phone p4 --batch >"$T/out" 2>"$T/err"
rc=$?
check "' No ' is no (exit 0)" '[ $rc = 0 ] && ! grep -q "Please answer" "$T/out" && grep -q "p4 is activated." "$T/out"' "exit $rc; $(out | tail -3)"
KR2=$($P key gen --sku standard --channel retail --platform x86 --seed 2)
$P machine create q1 --key "$KR2" --hw "$HW/dl380.json" >/dev/null
$P machine create q2 --key "$KR2" --hw "$HW/small-office.json" >/dev/null
$P machine create q3 --key "$KR2" --hw "$HW/pe2850.json" >/dev/null
$P machine activate q1 --local >/dev/null
$P machine activate q2 --local >/dev/null
IQ3=$($P --json machine iid q3 | python3 -c 'import json,sys; print(json.load(sys.stdin)["installation_id"])')
expect "--single-computer in another case (NO: not released)" 1 $P phone --iid "$IQ3" --single-computer NO
printf 'Y\n' | $P phone q3 --batch >"$T/out" 2>"$T/err"
rc=$?
check "'Y' is yes: not released (exit 1)" '[ $rc = 1 ] && ! grep -q "Please answer" "$T/out"' "exit $rc; $(out | tail -3)"
printf '' | $P phone q3 --batch >"$T/out" 2>"$T/err"
rc=$?
check "no answer at all says so (exit 1)" '[ $rc = 1 ] && grep -q "I did not hear an answer." "$T/out"' "exit $rc; $(out | tail -3)"
expect "phone MACHINE with --iid" 2 $P phone p1 --iid "$IP1"
$P machine create p5 --key "$($P key gen --sku web --channel retail --platform x86 --seed 31)" --hw "$HW/dl380.json" >/dev/null
$P phone p5 --batch --country de >"$T/out" 2>"$T/err"
check "phone --country in another case is the catalog's code" 'grep -q "(DE: 0800 555 0174)" "$T/out"' "$(out | head -3)"
expect "phone --country unknown" 2 $P phone p1 --batch --country XX
stderr_has "points to the catalog" "unknown country 'XX' (see 'actsim catalog')"
expect "machine create --country in lower case" 0 $P --json machine create cc1 --key "$KR2" --hw "$HW/dl380.json" --country gb
json_is "stored as the catalog writes it" 'd["country"] == "GB"'
expect "--cacert that cannot be read" 3 $P --json machine activate p2 --online --cacert "$T/nonexistent.pem"
json_is "IO_ERROR" 'd["error"]["code"] == "IO_ERROR"'
expect "--cacert naming a directory" 3 $P --json machine activate p2 --online --cacert "$T"
json_is "IO_ERROR too" 'd["error"]["code"] == "IO_ERROR"'
expect "--url ending in a slash" 1 $P machine activate p2 --online --url https://127.0.0.1:1/ --timeout 2s
stderr_has "no doubled slash" "https://127.0.0.1:1/v1/activations"
expect "admin activations with --key and --product-id" 2 $P admin activations --key "$KR" --product-id 00000-000-0000000-00000
stderr_has "one or the other" "admin activations takes --key or --product-id, not both"
expect "phone an unknown machine" 2 $P --json phone nosuch --batch
json_is "NO_SUCH_MACHINE" 'd["error"]["code"] == "NO_SUCH_MACHINE"'
# an installation ID pasted whole at the first group
$P machine create p4 --key "$($P key gen --sku web --channel retail --platform x86 --seed 2)" --hw "$HW/pe2850.json" >/dev/null
IP4=$($P --json machine iid p4 | python3 -c 'import json,sys; print(json.load(sys.stdin)["installation_id"])')
printf '%s\n' "$IP4" | $P --json phone --batch >"$T/out" 2>"$T/err"
rc=$?
check "whole ID at group 1 (exit 0)" '[ $rc = 0 ]' "exit $rc; $(err | tail -3)"
check "asked for group 1 only" '[ "$(grep -o "Group [0-9]" "$T/err" | sort -u | tr "\n" " ")" = "Group 1 " ]' "$(err)"
json_is "a confirmation ID" 'len(d["confirmation_id"]) == 48'
printf '%s\n' "$(echo "$IP4" | tr -d -)" | $P phone --batch >"$T/out" 2>&1
check "whole ID without dashes too" 'grep -q "Please write down your confirmation ID." "$T/out"' "$(tail -3 "$T/out")"

finish
