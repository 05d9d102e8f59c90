#!/bin/sh
# The scenario language's rules, each through `actsim scenario run`:
# strict paths, exists/missing, length(), negative indices, stdout and
# stderr, failure messages, test/include/for, no standard input, timeouts,
# --jobs, TAP read by prove, JUnit validated against the Jenkins xUnit
# schema, --json, narration and --keep-lab.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
XSD="$ROOT/tests/junit-10.xsd"
S="$T/s"
mkdir -p "$S"
cp "$ROOT/fixtures/hardware/pe2850.json" "$S/hw.json"
: > "$T/xmlerr"
valid_junit() { xmllint --noout --schema "$XSD" "$1" 2>"$T/xmlerr"; }

# ---- expectations ----
cat > "$S/strict.scn" <<'SCN'
lab init --seed 1
key gen --sku standard --channel retail --platform x86
set KEY = keys[0].key
machine create srv1 --key ${KEY} --hw hw.json
expect licence_status != "activated"
expect license_status exists
expect licence_status missing
expect license_status missing
expect days_left == 29
SCN
expect "a misspelled path fails" 1 $A scenario run "$S/strict.scn"
stdout_has "whatever the operator, naming the member" "not ok 1 - $S/strict.scn:5: expect licence_status != \"activated\""
stdout_has "the message says which member is missing" "message: \"expected licence_status != \\\"activated\\\": no member 'licence_status' in the result\""
stdout_has "exists passes on a member that is there" "ok 2 - $S/strict.scn:6: expect license_status exists"
stdout_has "missing passes on a member that is not" "ok 3 - $S/strict.scn:7"
stdout_has "missing fails on a member that is there" "not ok 4 - $S/strict.scn:8"
stdout_has "expected ..., got ..." 'message: "expected days_left == 29, got 30"'
stdout_has "with the line" "at: \"$S/strict.scn:9\""

cat > "$S/length.scn" <<'SCN'
key gen --sku web --channel retail --platform x86 --count 3
expect length(keys) == 3
expect length(keys[0]) > 2
set LAST = keys[2].key
expect keys[-1].key == "${LAST}"
expect keys[-3].key exists
expect keys[-4].key missing
expect length(keys) == 4
SCN
expect "length() and negative indices" 1 $A scenario run "$S/length.scn"
check "length(keys) == 3 holds; an object's members count" 'grep -q "^ok 1 " "$T/out" && grep -q "^ok 2 " "$T/out"' "$(out)"
check "keys[-1] is the last, keys[-3] the first, keys[-4] nothing" 'grep -q "^ok 3 " "$T/out" && grep -q "^ok 4 " "$T/out" && grep -q "^ok 5 " "$T/out"' "$(out)"
stdout_has "a wrong length says what it got" 'message: "expected length(keys) == 4, got 3"'

cat > "$S/text.scn" <<'SCN'
key gen --sku web --channel retail --platform x86 --count 2
expect stdout ~ "^[0-9A-Z]{5}(-[0-9A-Z]{5}){4}\n[0-9A-Z]{5}(-[0-9A-Z]{5}){4}\n$"
clock show
expect stdout ~ "2026-01-01"
expect stderr == ""
machine show ghost
expect exit == 2
expect stderr == "actsim: no machine named 'ghost'\n"
expect stdout == ""
expect stderr ~ "ghost'$"
expect stdout ~ "never printed"
SCN
expect "stdout and stderr as a person reads them" 1 $A scenario run "$S/text.scn"
check "the exact message pinned; a key list as printed" 'grep -q "^ok 1 " "$T/out" && grep -q "^ok 2 " "$T/out" && grep -q "^ok 3 " "$T/out" && grep -q "^ok 5 " "$T/out" && grep -q "^ok 7 " "$T/out"' "$(out)"
stdout_has "a text that does not match fails" "not ok 8 - $S/text.scn:11: expect stdout ~ \"never printed\""
printf 'clock show\nexpect stdout > 3\n' > "$S/text2.scn"
expect "stdout only with ~ == !=" 2 $A scenario check "$S/text2.scn"

# ---- structure ----
cat > "$S/setup.inc" <<'SCN'
# shared set-up
key gen --sku standard --channel retail --platform x86
set KEY = keys[0].key
SCN
mkdir -p "$S/sub"
cat > "$S/sub/tests.scn" <<'SCN'
lab init --seed 1
include ../setup.inc
test "a retail machine starts with thirty days"
machine create srv1 --key ${KEY} --hw ../hw.json
expect license_status == "grace"
expect days_left == 30
test "every channel gives a key"
for CH in retail oem msdn
for N in 1 2
key gen --sku web --channel ${CH} --platform x86 --count ${N}
expect keys[0].channel == "${CH}"
expect length(keys) == ${N}
end
end
test "a broken expectation fails its test"
machine show srv1
expect days_left == 29
expect license_status == "activated"
test "a command that fails with no expect exit"
machine show ghost
expect license_status exists
test "not reached"
clock show
expect now exists
SCN
expect "named tests" 1 $A scenario run "$S/sub/tests.scn"
stdout_has "plan: one point per test" "1..5"
stdout_has "test 1 passes with its name" "ok 1 - $S/sub/tests.scn:3: a retail machine starts with thirty days"
stdout_has "for over channels and counts (nested)" "ok 2 - $S/sub/tests.scn:7: every channel gives a key"
stdout_has "a failed test names the first failure" 'message: "expected days_left == 29, got 30"'
stdout_has "and lists the others" "also:"
stdout_has "a failed command fails its test" "not ok 4 - $S/sub/tests.scn:19: a command that fails with no expect exit"
stdout_has "the rest is skipped with the line" "ok 5 - $S/sub/tests.scn:22: not reached # SKIP after failure at line 20"
prove -e cat "$T/out" >"$T/prove" 2>&1
check "prove reads it: 5 tests, 2 failed" 'grep -q "Failed tests:  3-4" "$T/prove" && grep -q "Tests: 5 Failed: 2" "$T/prove"' "$(cat "$T/prove")"

printf 'include b.inc\nclock show\n' > "$S/a.scn"
printf 'include c.inc\n' > "$S/b.inc"
printf 'clock show\ninclude b.inc\n' > "$S/c.inc"
expect "an include cycle is a parse error" 2 $A scenario check "$S/a.scn"
stderr_has "naming the chain" "$S/c.inc:2: include cycle: $S/b.inc -> $S/c.inc -> $S/b.inc"
printf 'clock show\ninclude nowhere.inc\n' > "$S/a2.scn"
expect "a missing include" 2 $A scenario check "$S/a2.scn"
stderr_has "at its line" "$S/a2.scn:2: cannot include '$S/nowhere.inc'"
printf 'clock show\nfor X in a b\nclock show\n\nfor Y in c\nclock show\nend\n' > "$S/for1.scn"
expect "an unclosed for" 2 $A scenario check "$S/for1.scn"
stderr_has "is a parse error at its line" "$S/for1.scn:2: 'for' without 'end'"
printf 'clock show\nend\n' > "$S/for2.scn"
expect "end without for" 2 $A scenario check "$S/for2.scn"
printf 'for X\nend\n' > "$S/for3.scn"
expect "for without words" 2 $A scenario check "$S/for3.scn"

# never standard input: parse errors, and no hang even with a terminal-less
# stdin that never ends
printf 'lab init\nkey gen --sku standard --channel retail --platform x86\nset K = keys[0].key\nmachine create m --key ${K} --hw hw.json\nmachine iid m\nphone\n' > "$S/stdin1.scn"
expect "phone without its flag form" 2 timeout 20 $A scenario run "$S/stdin1.scn"
stderr_has "is a parse error at its line" "$S/stdin1.scn:6: a scenario never reads standard input"
printf 'machine create m --key X --hw -\n' > "$S/stdin2.scn"
expect "'-' as a file" 2 timeout 20 $A scenario check "$S/stdin2.scn"
stderr_has "at its line" "$S/stdin2.scn:1: a scenario never reads standard input"
printf 'phone --batch\n' > "$S/stdin3.scn"
expect "phone --batch" 2 $A scenario check "$S/stdin3.scn"
expect "the runner never reads its stdin for a file" 2 $A scenario run -
mkfifo "$T/fifo"
( sleep 30 > "$T/fifo" & echo $! > "$T/sleeper" )
expect "a file runs with an open, silent stdin" 0 timeout 20 $A scenario run "$ROOT/fixtures/scenarios/grace-msdn.scn" < "$T/fifo"
kill "$(cat "$T/sleeper")" 2>/dev/null

# --timeout: the file fails at the running line, the next file runs
cat > "$S/slow.scn" <<'SCN'
clock show
expect now exists
key gen --sku web --channel retail --platform x86 --count 1000000
expect length(keys) == 1000000
clock show
expect now exists
SCN
expect "a file that runs too long" 1 timeout 60 $A scenario run --timeout 2s "$S/slow.scn" "$ROOT/fixtures/scenarios/grace-msdn.scn"
stdout_has "fails at the line that was running" 'message: "timed out after 2s at '"$S"'/slow.scn:3"'
stdout_has "the rest of it is skipped" "ok 3 - $S/slow.scn:6: expect now exists # SKIP after failure at line 3"
check "the next file still runs" 'grep -q "^# .*grace-msdn.scn" "$T/out" && ! grep -q "^not ok [4-9]" "$T/out"' "$(out)"
expect "a bad --timeout" 2 $A scenario run --timeout 5x "$S/slow.scn"

# TAP is written as points complete, into a pipe and into --out
python3 - "$A" "$S/slow.scn" "$T/streamed.tap" >"$T/stream" 2>&1 <<'PY'
import subprocess, sys, time
a, scn, outf = sys.argv[1:4]
t0 = time.monotonic()
p = subprocess.Popen([a, "scenario", "run", "--timeout", "3s", scn], stdout=subprocess.PIPE)
first = None
for line in p.stdout:
    if line.startswith(b"ok 1 ") and first is None:
        first = time.monotonic() - t0
p.wait()
total = time.monotonic() - t0
q = subprocess.Popen([a, "scenario", "run", "--timeout", "3s", "--out", outf, scn])
seen = None
while q.poll() is None:
    try:
        if "ok 1 " in open(outf).read() and seen is None:
            seen = time.monotonic() - t0
    except FileNotFoundError:
        pass
    time.sleep(0.05)
print("pipe first", first, "total", total, "file", seen is not None)
sys.exit(0 if first is not None and first < total - 1.5 and seen is not None else 1)
PY
check "the first point arrives before the slow one ends (pipe and --out)" '[ $? -eq 0 ]' "$(cat "$T/stream")"

# --jobs: file order, the same report as --jobs 1
FILES="$ROOT/fixtures/scenarios/grace-retail.scn $S/strict.scn $ROOT/fixtures/scenarios/over-limit.scn $S/sub/tests.scn $ROOT/fixtures/scenarios/online-activation.scn"
$A scenario run --jobs 1 $FILES > "$T/j1.tap"
$A scenario run --jobs 3 $FILES > "$T/j3.tap"
check "--jobs 3 gives the --jobs 1 TAP" 'cmp -s "$T/j1.tap" "$T/j3.tap"' "$(diff "$T/j1.tap" "$T/j3.tap" | head -5)"
$A scenario run --jobs 1 --format junit $FILES | sed 's/ time="[^"]*"//g; s/ timestamp="[^"]*"//g' > "$T/j1.xml"
$A scenario run --jobs 3 --format junit $FILES | sed 's/ time="[^"]*"//g; s/ timestamp="[^"]*"//g' > "$T/j3.xml"
check "and the same JUnit apart from times" 'cmp -s "$T/j1.xml" "$T/j3.xml"' "$(diff "$T/j1.xml" "$T/j3.xml" | head -5)"
expect "a bad --jobs" 2 $A scenario run --jobs 0 "$S/strict.scn"

# ---- TAP read by prove ----
$A scenario run "$ROOT"/fixtures/scenarios/*.scn > "$T/all.tap"
prove -e cat "$T/all.tap" > "$T/prove" 2>&1
check "prove passes the shipped suite" 'grep -q "^Result: PASS" "$T/prove"' "$(tail -5 "$T/prove")"
printf 'clock show\nexpect now == 1\nexpect now exists\n' > "$S/p1.scn"
printf 'clock show\nexpect now = 1\n' > "$S/p2.scn"
expect "a file that does not parse" 2 $A scenario run "$S/p1.scn" "$S/p2.scn"
stdout_has "prints Bail out! file:line: what is wrong" "Bail out! $S/p2.scn:2: unknown operator '='"
check "and runs nothing" '! grep -q "^ok\|^not ok" "$T/out"' "$(out)"
prove -e cat "$T/out" > "$T/prove" 2>&1
check "prove sees the bail out" 'grep -qi "bailout called" "$T/prove" && ! grep -q "^Result: PASS" "$T/prove"' "$(cat "$T/prove")"

# ---- JUnit against junit-10.xsd ----
expect "JUnit, passing" 0 $A scenario run --format junit --out "$T/pass.xml" "$ROOT"/fixtures/scenarios/grace-*.scn
check "validates" 'valid_junit "$T/pass.xml"' "$(cat "$T/xmlerr")"
expect "JUnit, failures and skips" 1 $A scenario run --format junit --out "$T/fail.xml" "$S/sub/tests.scn" "$S/strict.scn"
check "validates" 'valid_junit "$T/fail.xml"' "$(cat "$T/xmlerr")"
python3 - "$T/fail.xml" "$S" > "$T/py" 2>&1 <<'PY'
import sys, re, xml.etree.ElementTree as E
r = E.parse(sys.argv[1]).getroot()
S = sys.argv[2]
assert r.tag == "testsuites"
for a in ("tests", "failures", "errors", "time"):
    assert a in r.attrib, a
assert r.get("tests") == "10" and r.get("failures") == "5", r.attrib
s = r.findall("testsuite")
assert len(s) == 2
for a in ("name", "tests", "failures", "errors", "skipped", "time", "timestamp", "hostname", "file"):
    assert a in s[0].attrib, a
assert s[0].get("file") == S + "/sub/tests.scn" and s[0].get("skipped") == "1"
assert re.fullmatch(r"\d+\.\d{1,3}", s[0].get("time")), s[0].get("time")
c = s[0].findall("testcase")
assert c[0].get("classname") == (S + "/sub/tests").lstrip("/").replace("/", "."), c[0].get("classname")
assert c[0].get("name") == "a retail machine starts with thirty days (line 3)", c[0].get("name")
f = c[2].find("failure")
assert f.get("type") == "expectation" and f.get("message") == "expected days_left == 29, got 30", f.attrib
assert f.text.startswith(S + "/sub/tests.scn:17\n") and "expected: " in f.text, f.text
assert c[4].find("skipped") is not None
c2 = s[1].findall("testcase")
assert c2[0].get("name") == 'expect licence_status != "activated" (line 5)', c2[0].get("name")
PY
check "carries what dashboards show" '[ $? -eq 0 ]' "$(cat "$T/py")"
expect "JUnit on a parse error" 2 $A scenario run --format junit --out "$T/perr.xml" "$S/p1.scn" "$S/p2.scn"
check "is still written and validates" 'valid_junit "$T/perr.xml"' "$(cat "$T/xmlerr")"
check "with an <error> testcase" 'grep -q "<error message=\"$S/p2.scn:2: unknown operator" "$T/perr.xml"' "$(cat "$T/perr.xml")"
printf 'clock show\n# caf\351 \377\376\nexpect now == "caf\351 \377"\nexpect now == "\303\251"\n' > "$S/bytes.scn"
expect "bytes that are not UTF-8" 1 $A scenario run --format junit --out "$T/bytes.xml" "$S/bytes.scn"
check "give well-formed, valid UTF-8 XML" 'valid_junit "$T/bytes.xml" && python3 -c "import sys; open(sys.argv[1], encoding=\"utf-8\").read()" "$T/bytes.xml"' "$(cat "$T/xmlerr")"
check "invalid bytes replaced by U+FFFD, valid ones kept" 'python3 -c "import sys; t = open(sys.argv[1], encoding=\"utf-8\").read(); sys.exit(0 if \"caf\\ufffd \\ufffd\" in t and \"\\u00e9\" in t else 1)" "$T/bytes.xml"' "$(head -8 "$T/bytes.xml")"

# ---- --json ----
expect "--json" 1 $A --json scenario run "$S/strict.scn" "$ROOT/fixtures/scenarios/grace-msdn.scn"
json_is "one document: per file its points and totals" 'len(d["files"]) == 2 and d["totals"]["tests"] == 5 + len(d["files"][1]["points"]) and d["totals"]["failed"] == 3 and d["files"][0]["totals"]["failed"] == 3'
json_is "a point: name, line, status, expected, actual, duration" 'd["files"][0]["points"][4] | {} == {} or all(k in d["files"][0]["points"][4] for k in ("name","line","status","expected","actual","duration")) and d["files"][0]["points"][4]["actual"] == 30 and d["files"][0]["points"][4]["expected"] == "days_left == 29"'
expect "--json on a parse error" 2 $A --json scenario run "$S/p2.scn"
json_is "still one document, with the error" 'd["files"][0]["error"].startswith("'"$S"'/p2.scn:2:")'

# ---- narration ----
cat > "$S/story.scn" <<'SCN'
lab init --seed 1
# The customer installs a retail copy
# on a Monday.
key gen --sku standard --channel retail --platform x86
set KEY = keys[0].key
machine create srv1 --key ${KEY} --hw hw.json
clock advance 1d
clock advance 36h
server start
admin faults set --route /v1/activations --kind error --status 503
SCN
expect "narration" 0 $A scenario run --format narrate "$S/story.scn"
stdout_has "comments are the narrator's asides" "  -- The customer installs a retail copy on a Monday."
stdout_has "clock advance 1d says the clock moved a day" "Day 1 (2026-01-02 00:00): The clock moves forward a day, to 2026-01-02T00:00:00Z."
stdout_has "and 36h" "The clock moves forward 36 hours"
stdout_has "admin faults set says which fault" "The clearinghouse is told to fail /v1/activations: fault 'error'."

# ---- --keep-lab ----
expect "--keep-lab (relative to where the runner starts)" 0 sh -c "cd '$T' && '$A' scenario run --keep-lab kept '$ROOT/fixtures/scenarios/grace-msdn.scn'"
check "the lab is there" '$A --lab "$T/kept" machine show dev1 >/dev/null' "no lab"
expect "a DIR that holds a lab is refused" 2 $A --json scenario run --keep-lab "$T/kept" "$S/strict.scn"
json_is "LAB_EXISTS" 'd["error"]["code"] == "LAB_EXISTS"'
check "and nothing is touched" '$A --lab "$T/kept" machine show dev1 >/dev/null' "the lab changed"
expect "--force replaces it" 1 $A scenario run --force --keep-lab "$T/kept" "$S/strict.scn"
check "with the new file's lab" '$A --lab "$T/kept" machine show srv1 >/dev/null && ! $A --lab "$T/kept" machine show dev1 >/dev/null 2>&1' "old lab"

# ---- same file, same report ----
for i in 1 2; do
	$A scenario run "$ROOT"/fixtures/scenarios/*.scn "$S/sub/tests.scn" > "$T/same$i.tap"
	$A scenario run --format junit "$ROOT"/fixtures/scenarios/*.scn "$S/sub/tests.scn" | sed 's/ time="[^"]*"//g; s/ timestamp="[^"]*"//g' > "$T/same$i.xml"
done
check "two runs: identical TAP" 'cmp -s "$T/same1.tap" "$T/same2.tap"' "$(diff "$T/same1.tap" "$T/same2.tap" | head -5)"
check "two runs: identical JUnit apart from times" 'cmp -s "$T/same1.xml" "$T/same2.xml"' "$(diff "$T/same1.xml" "$T/same2.xml" | head -5)"
# a fault with a probability: which requests fail depends on the seeds
cat > "$S/prob.scn" <<'SCN'
lab init --seed 7
server start
admin faults set --route /v1/activations --kind error --status 503 --probability 0.5
for M in a b c d e f g h
key gen --sku standard --channel retail --platform x86
set K = keys[0].key
machine create ${M} --key ${K} --hw hw.json
machine activate ${M} --online
expect exit == 0
end
SCN
for i in 1 2; do
	$A scenario run "$S/prob.scn" > "$T/prob$i.tap"
	$A scenario run --format junit "$S/prob.scn" | sed 's/ time="[^"]*"//g; s/ timestamp="[^"]*"//g' > "$T/prob$i.xml"
done
check "a probabilistic fault hits some activations and spares others" 'grep -q "^not ok" "$T/prob1.tap" && grep -q "^ok" "$T/prob1.tap"' "$(cat "$T/prob1.tap")"
check "two runs with it: identical TAP" 'cmp -s "$T/prob1.tap" "$T/prob2.tap"' "$(diff "$T/prob1.tap" "$T/prob2.tap" | head -5)"
check "two runs with it: identical JUnit apart from times" 'cmp -s "$T/prob1.xml" "$T/prob2.xml"' "$(diff "$T/prob1.xml" "$T/prob2.xml" | head -5)"
# a failure that quotes what changes from run to run: the temporary lab's
# folder and the server's free port
cat > "$S/url.scn" <<'SCN'
server start
key gen --sku standard --channel retail --platform x86
set K = keys[0].key
machine create m --key ${K} --hw hw.json
server stop
machine activate m --online
expect exit == 3
expect error.message == "no"
SCN
$A scenario run "$S/url.scn" > "$T/url1.tap"
$A scenario run "$S/url.scn" > "$T/url2.tap"
check "the temporary lab is written as LAB: identical TAP" 'cmp -s "$T/url1.tap" "$T/url2.tap" && grep -q "running for lab '"'LAB'"'" "$T/url1.tap"' "$(diff "$T/url1.tap" "$T/url2.tap" | head -5)"

finish
