#!/bin/sh
# The lab under concurrent use: simultaneous `lab init`, realm files that
# do not belong to the database, and two writers at once.
. "$(dirname "$0")/lib.sh"

# key_works DIR: a key issued by the lab in DIR checks out against it
key_works() {
	k=$($A --lab "$1" key gen --sku standard --channel retail --platform x86 2>/dev/null) &&
		$A --lab "$1" key check "$k" >/dev/null 2>&1
}

# --- concurrent lab init: exactly one wins, the others change nothing ---
for round in 1 2 3; do
	L="$T/race$round"
	for i in 1 2 3 4 5 6; do
		($A --json --lab "$L" lab init --seed "$i" >"$T/init$i.out" 2>&1
		 echo $? >"$T/init$i.rc") &
	done
	wait
	wins=0 exists=0
	for i in 1 2 3 4 5 6; do
		case $(cat "$T/init$i.rc") in
		0) wins=$((wins + 1)) winner=$i ;;
		3) grep -q '"LAB_EXISTS"' "$T/init$i.out" && exists=$((exists + 1)) ;;
		esac
	done
	check "round $round: one init of six succeeds" '[ "$wins" = 1 ]' "wins: $wins"
	check "round $round: five fail with LAB_EXISTS" '[ "$exists" = 5 ]' "LAB_EXISTS: $exists"
	check "round $round: the lab works" 'key_works "$L"' "key gen/check failed"
	fp=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["realm_fingerprint"])' "$T/init$winner.out" 2>/dev/null)
	run $A --json --lab "$L" lab show
	check "round $round: the realm is the winner's" 'grep -q "$fp" "$T/out"' "winner $winner: $fp; $(out | head -5)"
	check "round $round: no temporary files left" \
		'[ -z "$(ls -A "$L" | grep -v -e "^realm.json$" -e "^realm-private.json$" -e "^admin-token$" -e "^lab.db")" ]' \
		"$(ls -A "$L")"
done

L="$T/force"
$A --lab "$L" lab init --seed 0 >/dev/null
for i in 1 2 3 4 5 6; do
	($A --lab "$L" lab init --force --seed "$i" >/dev/null 2>&1; echo $? >"$T/force$i.rc") &
done
wait
check "concurrent init --force: each succeeds in turn" \
	'[ "$(cat "$T"/force*.rc | sort -u)" = 0 ]' "$(cat "$T"/force*.rc | tr '\n' ' ')"
check "concurrent init --force: a whole lab remains" 'key_works "$L"' "$(ls -A "$L")"

# --- realm files that are not the database's ---
$A --lab "$T/a" lab init --seed 1 >/dev/null
$A --lab "$T/b" lab init --seed 2 >/dev/null
cp "$T/b/realm.json" "$T/b/realm-private.json" "$T/a/"
sum_before=$(cat "$T/a/lab.db" | cksum)
expect "a lab with another lab's realm is refused" 3 $A --json --lab "$T/a" key gen --sku standard --channel retail --platform x86
json_is "as LAB_DAMAGED" 'd["error"]["code"] == "LAB_DAMAGED"'
expect "also in text" 3 $A --lab "$T/a" clock show
stderr_has "naming the realm file" "$T/a/realm.json is not the realm its database was made for"
check "the database is left as it was" '[ "$(cat "$T/a/lab.db" | cksum)" = "$sum_before" ]' "changed"

# --- two writers: the second waits for the first instead of failing ---
# The first holds the write lock for 11 s (longer than writers used to
# wait) as a long `key gen` does while it writes.
L="$T/busy"
$A --lab "$L" lab init --seed 3 >/dev/null
python3 -c '
import sqlite3, sys, time
c = sqlite3.connect(sys.argv[1], isolation_level=None)
c.execute("BEGIN IMMEDIATE")
c.execute("UPDATE meta SET value = value WHERE key = \"clock\"")
print("locked", flush=True)
time.sleep(11)
c.execute("COMMIT")
' "$L/lab.db" >"$T/holder.out" &
holder=$!
for _ in $(seq 1 100); do grep -q locked "$T/holder.out" && break; sleep 0.1; done
start=$(date +%s)
expect "a writer waits for the lab's other writer" 0 $A --lab "$L" clock advance 1d
waited=$(($(date +%s) - start))
wait $holder
check "it waited for the lock (${waited} s)" '[ "$waited" -ge 9 ]' "waited ${waited} s"
expect "its write is there" 0 $A --lab "$L" clock show
stdout_has "advanced by one day" "2026-01-02T00:00:00Z"

finish
