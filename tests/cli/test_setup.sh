#!/bin/sh
# Setup and servicing through the actsim command: software state, the R2
# advisor's exit codes, the hotfix scan tool's switches and log file, SP2,
# updates and upgrade plans.
. "$(dirname "$0")/lib.sh"
HW=$(cd "$(dirname "$0")/../../fixtures/hardware" && pwd)
$A lab init --seed 0 >/dev/null
K=$($A key gen --sku standard --channel retail --platform x86)

# --- machines grow a software state ---
expect "create with software" 0 $A --json machine create s1 --key "$K" --hw "$HW/pe2850.json" --os 2003 --sp 1 --app exchange:2003 --app powershell --app hotfix:KB911000 --app driver:raid5
json_is "show lists it" 'd["os"] == 2003 and d["sp"] == 1 and d["apps"] == ["exchange:2003","powershell","hotfix:KB911000","driver:raid5"] and d["exchange"] == "running"'
expect "defaults: 2003 SP1" 0 $A --json machine create s2 --key "$K" --hw "$HW/dl380.json"
json_is "2003 SP1, no apps" 'd["os"] == 2003 and d["sp"] == 1 and d["apps"] == []'
expect "unknown app" 2 $A machine create s3 --key "$K" --hw "$HW/dl380.json" --app office
stderr_has "names it" "unknown application 'office'"
expect "unknown OS" 2 $A machine create s3 --key "$K" --hw "$HW/dl380.json" --os 2012
expect "R2 on Windows 2000" 2 $A machine create s3 --key "$K" --hw "$HW/dl380.json" --os 2000 --r2
expect "SP out of range" 2 $A machine create s3 --key "$K" --hw "$HW/dl380.json" --sp 9

# --- the R2 advisor ---
expect "option 1" 0 $A --json setup r2 --from standard/retail/x86/en/sp1 --to standard/retail/x86/en
json_is "fields" 'set(d) == {"allowed","option","prompt_for_key","clean_install_required","code","message","steps","warnings"} and d["option"] == 1'
expect "refusal exits 1" 1 $A setup r2 --from standard/retail/x86/en/sp0 --to standard/retail/x86/en
stdout_has "with the seed sentence" "Windows Server 2003 R2 is unavailable as a stand-alone update for existing Windows Server 2003 installations that are not running SP1."
expect "malformed --from" 2 $A setup r2 --from standard/retail/x86 --to standard/retail/x86/en
expect "unknown language" 2 $A setup r2 --from standard/retail/x86/xx/sp1 --to standard/retail/x86/xx
expect "bad SP" 2 $A setup r2 --from standard/retail/x86/en/service1 --to standard/retail/x86/en
expect "both --from and NAME" 2 $A setup r2 s1 --from standard/retail/x86/en/sp1 --to standard/retail/x86/en
expect "upgrade a machine" 0 $A setup r2 s2 --to enterprise/volume/x86/en
expect "it is R2 now" 0 $A --json machine show s2
json_is "enterprise volume R2" 'd["r2"] is True and d["sku"] == "enterprise" and d["channel"] == "volume"'
KR2=$($A key gen --sku enterprise --channel retail --platform x86 --r2)
$A machine create s4 --key "$K" --hw "$HW/dl380.json" >/dev/null
expect "upgrade with a new key" 0 $A setup r2 s4 --to enterprise/retail/x86/en --key "$KR2"
expect "the new key's product ID" 0 $A --json machine show s4
json_is "product ID follows the key" "d['partial_key'] == '${KR2##*-}' and d['product_id'].split('-')[1] == '$($A --json key decode "$KR2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["channel_id"])')'"
expect "again: already R2" 1 $A --json setup r2 s2 --to enterprise/volume/x86/en
json_is "ALREADY_R2" 'd["error"]["code"] == "ALREADY_R2"'

# --- the hotfix scan tool: switches and log ---
mkdir -p "$T/cwd"
cd "$T/cwd" || exit 1
expect "scan before SP2" 0 $A hotfix-scan s1
stdout_has "lists what may regress" "KB911000"
check "log in the current folder" 'grep -q "Computer: s1" "$T/cwd/s1_log.txt" && grep -q "blocked" "$T/cwd/s1_log.txt"' "$(cat "$T/cwd/s1_log.txt" 2>&1)"
check "not verbose by default" '! grep -q "Time:" "$T/cwd/s1_log.txt"' "verbose"
expect "/v logs more" 0 $A hotfix-scan s1 /v
check "detail in the log" 'grep -q "^Time: 2026-01-01T00:00:00Z" "$T/cwd/s1_log.txt" && grep -q "KB911000-v2" "$T/cwd/s1_log.txt"' "$(cat "$T/cwd/s1_log.txt")"
expect "/q prints nothing" 0 $A hotfix-scan s1 /q
check "quiet: no output" '[ ! -s "$T/out" ]' "$(out)"
check "quiet: still logs" 'grep -q "Computer: s1" "$T/cwd/s1_log.txt"' "no log"
for sw in /help /? /h; do
	expect "$sw shows the syntax" 0 $A hotfix-scan "$sw"
	stdout_has "$sw lists /d" "/d     Unblock the installation of Windows Server 2003 SP2."
done
if [ -w /dev/full ]; then
	# The log lands on a full disk: the error shows at fclose.
	mkdir -p "$T/full" && ln -sf /dev/full "$T/full/s1_log.txt"
	before=$($A --json machine show s1)
	(cd "$T/full" && run $A --json hotfix-scan s1 /v && echo "$rc" > "$T/rc")
	rc=$(cat "$T/rc")
	check "a full disk is an I/O error (exit 3)" '[ "$rc" = 3 ]' "exit $rc"
	json_is "IO_ERROR" 'd["error"]["code"] == "IO_ERROR"'
	check "the machine is unchanged" '[ "$($A --json machine show s1)" = "$before" ]' "changed"
fi
expect "unknown switch" 2 $A hotfix-scan s1 /x
expect "no name" 2 $A hotfix-scan /v
expect "SP2 is blocked" 1 $A --json machine servicing s1 --sp 2
json_is "SP2_BLOCKED" 'd["error"]["code"] == "SP2_BLOCKED"'
expect "/d unblocks" 0 $A --json hotfix-scan s1 /d
json_is "not blocked" 'd["sp2_blocked"] is False and d["log"] == "s1_log.txt"'
expect "SP2" 0 $A --json machine servicing s1 --sp 2
json_is "regressed" 'd["regressed"] == ["KB911000"] and d["sp"] == 2'
expect "after SP2" 0 $A --json hotfix-scan s1
json_is "post-SP2 lists the regressed hotfix" 'd["phase"] == "post-sp2" and d["hotfixes"][0]["kb"] == "KB911000"'
expect "SP2 twice" 1 $A machine servicing s1 --sp 2
expect "--sp 3" 2 $A machine servicing s1 --sp 3
cd - >/dev/null || exit 1

# --- updates ---
expect "updates before SP2" 0 $A --json machine updates s2
json_is "SP2 offered, superseded hidden" 'd["updates"][0]["id"] == "SP2" and not any(u.get("superseded_by_sp2") for u in d["updates"])'
expect "updates with SP2 hidden" 0 $A --json machine updates s2 --hide sp2
json_is "superseded shown" 'any(u.get("superseded_by_sp2") for u in d["updates"]) and all(u["id"] != "SP2" for u in d["updates"])'
expect "bad --hide" 2 $A machine updates s2 --hide ie

# --- plans ---
$A machine create ex --key "$K" --hw "$HW/dl380.json" --sp 2 --app exchange:2007 --app powershell >/dev/null
expect "blocked plan" 1 $A --json plan ex --to 2008
json_is "blockers with reasons and sources" 'all(set(b) == {"code","reason","source"} for b in d["blockers"]) and d["blockers"][-1]["code"] == "POWERSHELL" and d["blockers"][-1]["source"] == "004"'
expect "--apply does not carry out a blocked plan" 1 $A plan ex --to 2008 --apply
expect "still 2003" 0 $A --json machine show ex
json_is "unchanged" 'd["os"] == 2003 and d["exchange"] == "running"'
expect "--force does" 0 $A --json plan ex --to 2008 --force
json_is "broken" 'd["exchange"] == "broken"'
expect "plan without --to" 2 $A plan ex
expect "plan with a bad Exchange" 2 $A plan ex --to 2008 --exchange 5.5

finish
