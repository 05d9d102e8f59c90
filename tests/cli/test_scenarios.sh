#!/bin/sh
# Scenario files: the shipped ones pass; a broken expectation fails with
# its file and line; parse errors; TAP, JUnit and narration; the runner's
# options.
. "$(dirname "$0")/lib.sh"
SCN=$(cd "$(dirname "$0")/../../fixtures/scenarios" && pwd)

expect "every shipped scenario passes" 0 $A scenario run "$SCN"/*.scn
check "TAP version 13 with a plan" 'head -1 "$T/out" | grep -qx "TAP version 13" && grep -q "^1\.\.[0-9][0-9]*$" "$T/out"' "$(head -3 "$T/out")"
check "no failed point" '! grep -q "^not ok" "$T/out"' "$(grep -A6 "^not ok" "$T/out" | head -20)"
check "at least 14 scenarios ran" '[ "$(grep -c "^# .*\.scn$" "$T/out")" -ge 14 ]' "$(grep -c "^# .*\.scn$" "$T/out")"
expect "scenario check" 0 $A scenario check "$SCN"/*.scn

# a deliberately broken expectation
cat > "$T/broken.scn" <<'SCN'
lab init --seed 3
key gen --sku web --channel retail --platform x86
expect keys[0].sku == "web"

# this one is wrong on purpose
expect keys[0].channel == "oem"
key gen --sku web --channel oem --platform x86
expect keys[0].channel == "oem"
SCN
expect "a broken expectation fails" 1 $A scenario run "$T/broken.scn"
stdout_has "failure named by file and line" "not ok 2 - $T/broken.scn:6"
check "YAML block with expected and actual" 'grep -q "expected: \"keys\[0\].channel == \\\\\"oem\\\\\"\"" "$T/out" && grep -q "actual: \"retail\"" "$T/out"' "$(out)"
stdout_has "later points still run" "ok 3 - $T/broken.scn:8"

# a command that fails with no 'expect exit' after it
printf 'machine show ghost\nclock show\nexpect now == "2026-01-01T00:00:00Z"\nclock show\nexpect now exists\n' > "$T/unexpected.scn"
expect "an unexpected command failure fails the file" 1 $A scenario run "$T/unexpected.scn"
stdout_has "on the point it leads to" "not ok 1 - $T/unexpected.scn:3"
stdout_has "saying the line" "at: \"$T/unexpected.scn:1\""
stdout_has "and stops it there: the rest is skipped" "ok 2 - $T/unexpected.scn:5: expect now exists # SKIP after failure at line 1"

# parse errors: exit 2, file:line: what is wrong
printf 'key gen --sku web --channel retail --platform x86\nexpect keys[0].sku = "web"\n' > "$T/p1.scn"
expect "unknown operator" 2 $A scenario run "$T/p1.scn"
stderr_has "file and line" "$T/p1.scn:2: unknown operator '='"
printf 'machine show ${NAME}\n' > "$T/p2.scn"
expect "unknown variable" 2 $A scenario check "$T/p2.scn"
stderr_has "names it" "$T/p2.scn:1: unknown variable 'NAME'"
printf 'clock show\nlab init --seed 1\n' > "$T/p3.scn"
expect "lab init not first" 2 $A scenario check "$T/p3.scn"
stderr_has "lab init message" "$T/p3.scn:2: 'lab init' may only be the first line"
printf 'expect exit == 0\n' > "$T/p4.scn"
expect "expect before any command" 2 $A scenario check "$T/p4.scn"
printf 'frobnicate now\n' > "$T/p5.scn"
expect "unknown command" 2 $A scenario check "$T/p5.scn"
printf 'clock show\nexpect now == grace\n' > "$T/p6.scn"
expect "value that is not JSON" 2 $A scenario check "$T/p6.scn"
stderr_has "says strings need quotes" "strings need double quotes"
printf 'key gen --sku "web --channel x\n' > "$T/p7.scn"
expect "unbalanced quotes" 2 $A scenario check "$T/p7.scn"
expect "missing file" 2 $A scenario check "$T/none.scn"
expect "nothing runs when one file does not parse" 2 $A scenario run "$SCN/grace-retail.scn" "$T/p1.scn"
check "no report written" '! grep -q "^ok" "$T/out"' "$(out | head -3)"

# formats and options
expect "JUnit" 1 $A scenario run --format junit "$SCN/grace-oem.scn" "$T/broken.scn"
check "well-formed JUnit XML with one failure" 'python3 -c "import sys, xml.etree.ElementTree as E; r=E.parse(sys.argv[1]).getroot(); assert r.tag==\"testsuites\" and r.get(\"failures\")==\"1\" and len(r.findall(\"testsuite\"))==2 and len(r.findall(\".//failure\"))==1" "$T/out"' "$(head -5 "$T/out")"
expect "narration" 0 $A scenario run --format narrate "$SCN/grace-retail.scn"
stdout_has "Day 29, a reminder" "Day 29 (2026-01-30 00:00): logon allowed, reminder: 1 day left to activate (srv1)"
stdout_has "Day 30, logon denied" "Day 30 (2026-01-31 00:00): logon denied: This copy of Windows must be activated"
expect "--out" 0 $A scenario run --out "$T/report.tap" "$SCN/grace-msdn.scn"
check "the report went to the file" 'grep -q "^ok 1" "$T/report.tap" && [ ! -s "$T/out" ]' "$(cat "$T/report.tap" | head -3)"
expect "--keep-lab" 0 $A scenario run --keep-lab "$T/kept" "$SCN/grace-msdn.scn"
check "the lab is kept and usable" '$A --lab "$T/kept" machine show dev1 >/dev/null' "no lab"
expect "same file, same results" 0 $A --lab "$T/kept" --json machine show dev1
PID1=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["product_id"])' "$T/out")
$A scenario run --keep-lab "$T/kept2" "$SCN/grace-msdn.scn" >/dev/null
check "the same product ID in a second run" '[ "$($A --lab "$T/kept2" --json machine show dev1 | python3 -c "import json,sys; print(json.load(sys.stdin)[\"product_id\"])")" = "$PID1" ]' "differs"
expect "bad format" 2 $A scenario run --format xml "$SCN/grace-msdn.scn"

# a thousand lines, in process
python3 - "$T/long.scn" <<'PY'
import sys
lines = ["lab init --seed 1", "key gen --sku web --channel retail --platform x86",
         "set KEY = keys[0].key", "machine create m --key ${KEY} --hw ../hw.json"]
while len(lines) < 1000:
    lines += ["clock advance 1h", "machine logon m", "expect allowed == true"]
open(sys.argv[1], "w").write("\n".join(lines[:1000]) + "\n")
PY
mkdir -p "$T/sub"
mv "$T/long.scn" "$T/sub/long.scn"
cp "$(dirname "$0")/../../fixtures/hardware/pe2850.json" "$T/hw.json"
expect "a thousand-line scenario (relative paths from its folder)" 0 $A scenario run "$T/sub/long.scn"

finish
