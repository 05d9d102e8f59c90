#!/bin/sh
# CLI tests of the activation core: hardware, the clock, machines, grace
# periods, logon, hardware changes, installation and confirmation IDs and
# the clearinghouse policy — through the actsim command, as a user would.
. "$(dirname "$0")/lib.sh"
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
IV="$(dirname "$0")/../independent_verify.py"
# jget PYEXPR: a value from the last JSON output
jget() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$T/out"; }
key() { $A key gen --sku "$1" --channel "$2" --platform "$3" ${4:-}; }

$A lab init --seed 0 >/dev/null

# --- hardware ---
expect "hw hash" 0 $A --json hw hash "$HW/pe2850.json"
json_is "hash has 16 hex digits and every field" \
	'len(d["hardware_hash"]) == 16 and set(d["fields"]) == {"volume_serial","nic_mac","cdrom","display","cpu_serial","hdd","scsi","ide","cpu_model","ram_range"} and d["fields"]["ram_range"] == 7 and d["dockable"] is False'
H1=$(jget 'd["hardware_hash"]')
expect "hw hash is stable" 0 $A --json hw hash "$HW/pe2850.json"
json_is "same profile, same hash" "d['hardware_hash'] == '$H1'"
expect "hw compare same" 0 $A --json hw compare "$HW/pe2850.json" "$H1"
json_is "12 votes" 'd == {"votes": 12, "needed": 7, "within_tolerance": True, "changed": []}'
expect "hw compare other machine" 1 $A --json hw compare "$HW/pe2850.json" "$HW/dl380.json"
json_is "out of tolerance" 'd["within_tolerance"] is False and "nic_mac" in d["changed"]'
expect "dockable machine needs 4" 0 $A --json hw compare "$HW/workstation-dockable.json" "$HW/workstation-dockable.json"
json_is "needed 4" 'd["needed"] == 4'
echo '{"nic":"00:11"}' > "$T/bad.json"
expect "profile with an unknown member" 2 $A hw hash "$T/bad.json"
stderr_has "names the member" "\$.nic: unknown member"
expect "missing profile" 3 $A hw hash "$T/none.json"
expect "hw usage" 2 $A hw frob

# --- clock ---
expect "clock show" 0 $A --json clock show
json_is "new lab starts 2026-01-01" 'd == {"now": "2026-01-01T00:00:00Z"}'
expect "clock advance 1d12h" 0 $A clock advance 1d12h
stdout_has "advanced" "2026-01-02T12:00:00Z"
expect "clock set" 0 $A clock set --backwards 2026-01-01T00:00:00Z
expect "clock set garbage" 2 $A clock set yesterday
stderr_has "RFC 3339 hint" "is not an RFC 3339 time"
expect "clock advance garbage" 2 $A clock advance 3x
$A clock set 9899-12-01T00:00:00Z >/dev/null
expect "clock advance past the last clock time" 2 $A clock advance 60d
stderr_has "says why" "cannot pass 9899-12-31T23:59:59Z"
# A clock any later could give deadlines past 9999-12-31 (a catalog's
# evaluation may last 36,500 days).
expect "clock set 9999-12-31 refused" 2 $A clock set 9999-12-31T00:00:00Z
stderr_has "the last clock time named" "cannot pass 9899-12-31T23:59:59Z"
expect "clock set at the last time" 0 $A clock set 9899-12-31T23:59:59Z
$A clock set 2026-01-01 --backwards >/dev/null
expect "clock unchanged by refusals" 0 $A --json clock show
json_is "still 2026-01-01" 'd["now"] == "2026-01-01T00:00:00Z"'

# --- a retail machine through its grace period ---
KR=$(key standard retail x86)
expect "machine create" 0 $A --json machine create srv1 --key "$KR" --hw "$HW/pe2850.json"
json_is "show fields" 'set(["name","sku","channel","platform","r2","language","product_id","partial_key","license_status","days_left","installation_id","hardware_hash","activated_at","services"]) <= set(d) and d["license_status"] == "grace" and d["days_left"] == 30 and d["services"] == "running" and d["activated_at"] is None and d["partial_key"] == "'"${KR##*-}"'"'
PID=$(jget 'd["product_id"]')
check "product ID digits sum to a multiple of 7" \
	"python3 -c 'import sys; p=sys.argv[1].split(\"-\"); assert len(p[0])==5 and p[1]==\"$(jget 'd["product_id"]' | cut -d- -f2)\" and sum(map(int,p[2]))%7==0 and len(p[3])==5' '$PID'" "$PID"
expect "duplicate name" 2 $A --json machine create srv1 --key "$KR" --hw "$HW/pe2850.json"
json_is "MACHINE_EXISTS" 'd["error"]["code"] == "MACHINE_EXISTS"'
FORGED=$(python3 -c 'import sys; k=sys.argv[1]; print(k[:-1] + ("C" if k[-1] == "B" else "B"))' "$KR")
expect "invalid key" 1 $A --json machine create bad --key "$FORGED" --hw "$HW/pe2850.json"
json_is "INVALID_KEY" 'd["error"]["code"] == "INVALID_KEY"'
expect "bad name" 2 $A machine create "a b" --key "$KR" --hw "$HW/pe2850.json"
expect "unknown language" 2 $A machine create x1 --key "$KR" --hw "$HW/pe2850.json" --lang xx
expect "unknown country" 2 $A machine create x1 --key "$KR" --hw "$HW/pe2850.json" --country ZZ
expect "unknown machine" 2 $A --json machine show nosuch
json_is "NO_SUCH_MACHINE" 'd["error"]["code"] == "NO_SUCH_MACHINE"'

$A clock advance 29d >/dev/null
expect "day 29 logon" 0 $A --json machine logon srv1
json_is "reminder 1 day left" 'd["allowed"] is True and d["reminder"] == "1 day left to activate" and d["days_left"] == 1'
expect "day 29 show" 0 $A --json machine show srv1
json_is "hourly reminders on the last day" 'd["next_reminder"] == "2026-01-30T01:00:00Z"'
$A clock advance 1d >/dev/null
expect "day 30 logon denied" 1 $A --json machine logon srv1
json_is "activation required and offered" 'd["allowed"] is False and d["offer_activation"] is True and "must be activated" in d["message"] and d["services"] == "running"'
expect "remote administration still allowed" 0 $A --json machine logon srv1 --remote
json_is "remote allowed" 'd["allowed"] is True and d["license_status"] == "grace_expired"'
expect "services keep running" 0 $A --json machine show srv1
json_is "grace_expired, services running" 'd["license_status"] == "grace_expired" and d["services"] == "running" and d["days_left"] == 0'

# --- installation ID, confirmation ID ---
expect "machine iid" 0 $A --json machine iid srv1
IID=$(jget 'd["installation_id"]')
check "IID check digits (computed here)" \
	"python3 -c 'import sys; g=sys.argv[1].split(\"-\"); assert len(g)==9 and all(len(x)==6 and (int(x[0])+2*int(x[1])+int(x[2])+2*int(x[3])+int(x[4]))%7==int(x[5]) for x in g)' '$IID'" "$IID"
expect "iid decode" 0 $A --json iid decode "$IID"
json_is "decode gives product ID and hardware" "d['product_id'] == '$PID' and d['hardware_hash'] == '$H1' and d['version'] == 1 and d['sku'] == 'standard'"
BADIID=$(python3 -c 'import sys; s=list(sys.argv[1]); i=7*3; s[i]=str((int(s[i])+1)%10); print("".join(s))' "$IID")
expect "typo in group 4" 2 $A --json iid decode "$BADIID"
json_is "MALFORMED_INSTALLATION_ID group 4" 'd["error"]["code"] == "MALFORMED_INSTALLATION_ID" and d["error"]["group"] == 4'
expect "short IID" 2 $A --json iid decode 123456-123456
json_is "no group for a length error" '"group" not in d["error"] and d["error"]["length"] == 12'
expect "letter in IID" 2 $A iid decode "$(printf %s "$IID" | sed 's/^./A/')"
stderr_has "says which character" "character 'A' at position 1"
expect "IID without dashes" 0 $A iid decode "$(printf %s "$IID" | tr -d -)"
expect "IID with spaces" 0 $A iid decode "$(printf %s "$IID" | tr - ' ')"
expect "cid issue" 0 $A --json cid issue "$IID"
CID=$(jget 'd["confirmation_id"]')
json_is "issue gives product ID" "d['product_id'] == '$PID' and d['activation_id'] >= 1"
expect "cid verify" 0 $A cid verify "$IID" "$CID"
$A lab export --public "$T/realm.json" >/dev/null
check "independent verifier accepts the CID" '[ "$(python3 "$IV" "$T/realm.json" cid "$IID" "$CID")" = valid ]' "$(python3 "$IV" "$T/realm.json" cid "$IID" "$CID")"
expect "machine activate --cid" 0 $A --json machine activate srv1 --cid "$CID"
json_is "activated" 'd["activated"] is True and d["license_status"] == "activated"'
expect "logon after activation" 0 $A --json machine logon srv1
json_is "no reminder" 'd["allowed"] is True and d["reminder"] is None'

# --- a second machine: the CID of another installation does not unlock it ---
expect "second machine, same key" 0 $A --json machine create srv2 --key "$KR" --hw "$HW/dl380.json"
expect "another machine's CID" 1 $A --json machine activate srv2 --cid "$CID"
json_is "INVALID_CONFIRMATION_ID" 'd["error"]["code"] == "INVALID_CONFIRMATION_ID"'
expect "malformed CID" 2 $A --json machine activate srv2 --cid 12345
json_is "MALFORMED_CONFIRMATION_ID" 'd["error"]["code"] == "MALFORMED_CONFIRMATION_ID"'
IID2=$($A machine iid srv2)
expect "cid verify wrong pair" 1 $A cid verify "$IID2" "$CID"
check "independent verifier rejects it" '[ "$(python3 "$IV" "$T/realm.json" cid "$IID2" "$CID")" != valid ]' "accepted"

# --- retail policy: 2 distinct machines in 120 days ---
expect "activate second machine" 0 $A machine activate srv2 --local
expect "third machine" 0 $A machine create srv3 --key "$KR" --hw "$HW/small-office.json"
expect "third activation refused" 1 $A --json machine activate srv3 --local
json_is "TOO_MANY_ACTIVATIONS" 'd["error"]["code"] == "TOO_MANY_ACTIVATIONS"'
expect "the refusal left srv3 unactivated" 0 $A --json machine show srv3
json_is "srv3 in grace" 'd["license_status"] == "grace"'
expect "the same installation again is granted" 0 $A cid issue "$IID"
$A clock advance 121d >/dev/null
expect "after 120 days the window has room" 0 $A machine activate srv3 --local

# --- hardware overhaul: 3 days to reactivate ---
expect "replace the NIC" 0 $A --json machine hw srv1 --replace nic_mac
json_is "9 votes, still activated" 'd["votes"] == 9 and d["license_status"] == "activated"'
expect "replace disk and SCSI" 0 $A --json machine hw srv1 --replace hdd,scsi
json_is "changes accumulate: 7 votes" 'd["votes"] == 7 and d["within_tolerance"] is True'
expect "replace the display" 0 $A --json machine hw srv1 --replace display
json_is "out of tolerance: 3 days" 'd["votes"] == 6 and d["license_status"] == "reactivation_grace" and d["days_left"] == 3'
$A clock advance 2d >/dev/null
expect "day 2 of 3" 0 $A --json machine logon srv1
json_is "reactivation reminder" 'd["reminder"] == "1 day left to reactivate"'
$A clock advance 1d >/dev/null
expect "day 3: logon denied" 1 $A --json machine logon srv1
json_is "reactivation_expired" 'd["license_status"] == "reactivation_expired" and d["services"] == "running"'
expect "remote still allowed" 0 $A machine logon srv1 --remote
expect "reactivate online road (local)" 0 $A --json machine activate srv1 --local
json_is "activated again" 'd["license_status"] == "activated"'
expect "new baseline: one more change is fine" 0 $A --json machine hw srv1 --replace cdrom
json_is "11 votes against the new baseline" 'd["votes"] == 11'
expect "back to the original hardware profile" 0 $A --json machine hw srv1 --profile "$HW/pe2850.json"

# --- OEM: pre-activated by BIOS marker, bound to its hardware ---
KO=$(key standard oem x86)
expect "OEM machine with the BIOS marker" 0 $A --json machine create oem1 --key "$KO" --hw "$HW/oem-preinstalled.json"
json_is "pre-activated" 'd["license_status"] == "activated" and d["activation_kind"] == "oem_bios" and d["product_id"].split("-")[1] == "OEM"'
expect "OEM machine without it" 0 $A --json machine create oem2 --key "$(key standard oem x86)" --hw "$HW/dl380.json"
json_is "must activate" 'd["license_status"] == "grace" and d["days_left"] == 30'
expect "OEM activation" 0 $A machine activate oem2 --local
KO2=$($A key gen --sku standard --channel oem --platform x86 --seed 78)
$A machine create oemA --key "$KO2" --hw "$HW/dl380.json" >/dev/null
$A machine activate oemA --local >/dev/null
$A machine create oemB --key "$KO2" --hw "$HW/small-office.json" >/dev/null
expect "OEM key bound to its first hardware" 1 $A --json machine activate oemB --local
json_is "oem_bound" 'd["error"]["code"] == "TOO_MANY_ACTIVATIONS" and d["error"]["reason"] == "oem_bound"'

# --- volume license: exempt ---
expect "volume machine" 0 $A --json machine create vol1 --key "$(key enterprise volume x64)" --hw "$HW/dl380.json"
json_is "exempt, no deadline" 'd["license_status"] == "exempt" and d["days_left"] is None'
$A clock advance 400d >/dev/null
expect "volume logon years later" 0 $A machine logon vol1
expect "volume activation not required" 1 $A --json machine activate vol1 --local
json_is "ACTIVATION_NOT_REQUIRED" 'd["error"]["code"] == "ACTIVATION_NOT_REQUIRED"'

# --- evaluation: 14 days, and the end at 180 ---
$A clock set 2027-01-01T00:00:00Z >/dev/null
expect "evaluation machine" 0 $A --json machine create ev1 --key "$(key enterprise evaluation x86)" --hw "$HW/dl380.json"
json_is "14 days" 'd["days_left"] == 14'
expect "evaluation activation" 0 $A machine activate ev1 --local
$A clock advance 179d >/dev/null
expect "day 179" 0 $A --json machine show ev1
json_is "activated, 1 day to the end" 'd["license_status"] == "activated" and d["days_left"] == 1'
$A clock advance 1d >/dev/null
expect "day 180: the evaluation ends" 1 $A --json machine logon ev1
json_is "evaluation_expired" 'd["license_status"] == "evaluation_expired" and d["services"] == "stopped"'

# --- MSDN: 60 days ---
expect "MSDN machine" 0 $A --json machine create msdn1 --key "$(key datacenter msdn x64 --r2)" --hw "$HW/pe2850.json"
json_is "60 days, R2" 'd["days_left"] == 60 and d["r2"] is True'

# --- another lab's installation ID ---
$A --lab "$T/other" lab init --seed 5 >/dev/null
KX=$($A --lab "$T/other" key gen --sku web --channel retail --platform x86)
$A --lab "$T/other" machine create w --key "$KX" --hw "$HW/dl380.json" >/dev/null
IIDX=$($A --lab "$T/other" machine iid w)
expect "foreign IID refused" 1 $A --json cid issue "$IIDX"
json_is "INVALID_INSTALLATION_ID" 'd["error"]["code"] == "INVALID_INSTALLATION_ID"'

# --- list and delete ---
expect "machine list" 0 $A --json machine list
json_is "every machine listed by name" '[m["name"] for m in d["machines"]] == sorted(m["name"] for m in d["machines"]) and len(d["machines"]) >= 9'
expect "machine delete" 0 $A machine delete srv3
expect "deleted machine is gone" 2 $A machine show srv3
expect "delete twice" 2 $A machine delete srv3

finish
