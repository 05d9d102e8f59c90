#!/bin/sh
# `actsim scenario run --format html`: one self-contained page per run,
# read back with Python's HTML parser: per file its tests with pass or
# fail and the failure's message, an inline SVG timeline per machine the
# file created, every value escaped, nothing outside the page.
. "$(dirname "$0")/lib.sh"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
READ="$ROOT/tests/cli/html_report.py"
S="$T/s"
mkdir -p "$S"
cp "$ROOT/fixtures/hardware/pe2850.json" "$S/hw.json"

# A shipped scenario: every test passes, one machine (srv1).
expect "a shipped scenario as HTML" 0 $A scenario run --format html \
	--out "$T/retail.html" "$ROOT/fixtures/scenarios/grace-retail.scn"
python3 "$READ" "$T/retail.html" >"$T/facts" 2>&1
facts() { cat "$T/facts"; }
check "the page parses, its tags balance" '! grep -q "^error" "$T/facts" && test -s "$T/facts"' "$(facts | head -5)"
for name in "a new retail installation has 30 days and runs its services" \
	"after 30 days logon is blocked" "activation lifts the block"; do
	check "test '$name' passes" 'grep -qF "$(printf "%s\tpass" "$name")" "$T/facts"' "$(facts | head -8)"
done
check "five tests, all passed" '[ "$(grep -c "^row .*	pass	" "$T/facts")" = 5 ]' "$(facts | head -8)"
check "one inline SVG timeline, for srv1" '[ "$(grep -c "^svg " "$T/facts")" = 1 ] && grep -q "^svg .*grace-retail.scn srv1$" "$T/facts"' "$(grep "^svg" "$T/facts")"
check "no script, no outside reference" '! grep -q "^tag \|^attr " "$T/facts"' "$(grep "^tag\|^attr" "$T/facts")"
check "the SVG is the timeline of srv1" 'grep -q "<title>grace timeline of srv1</title>" "$T/retail.html"' ""

# Two files: two machines in one (two SVGs), none in the other; hostile
# names and a failing expectation.
cat > "$S/two.scn" <<'SCN'
lab init --seed 1
key gen --sku standard --channel retail --platform x86 --count 2
set K1 = keys[0].key
set K2 = keys[1].key
test "two machines <script>alert(1)</script> & \"quotes\""
machine create srv1 --key ${K1} --hw hw.json
machine create srv2 --key ${K2} --hw hw.json
expect license_status == "grace"
test "fails on purpose"
expect license_status == "<script>x</script>"
test "still runs"
expect days_left == 30
SCN
cat > "$S/none.scn" <<'SCN'
test "no machine"
key gen --sku web --channel retail --platform x86
expect length(keys) == 1
SCN
expect "a failing expectation: exit 1" 1 $A scenario run --format html \
	--out "$T/two.html" "$S/two.scn" "$S/none.scn"
python3 "$READ" "$T/two.html" >"$T/facts" 2>&1
check "the page parses, its tags balance" '! grep -q "^error" "$T/facts" && test -s "$T/facts"' "$(facts | head -5)"
check "a hostile test name shows as text" 'grep -qF "two machines <script>alert(1)</script> & \"quotes\"	pass" "$T/facts"' "$(facts | head -5)"
check "and is escaped in the page" 'grep -qF "two machines &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;quotes&quot;" "$T/two.html"' ""
check "the failing expectation shows failed, with its message" 'grep -qF "fails on purpose	fail	expected license_status == \"<script>x</script>\", got \"grace\"" "$T/facts"' "$(grep "^row" "$T/facts")"
check "the test after it passes" 'grep -qF "still runs	pass" "$T/facts"' "$(grep "^row" "$T/facts")"
check "the other file's test passes" 'grep -qF "no machine	pass" "$T/facts"' "$(grep "^row" "$T/facts")"
check "no script element however hostile the names" '! grep -q "^tag \|^attr " "$T/facts"' "$(grep "^tag\|^attr" "$T/facts")"
check "a timeline per machine of the file: srv1 and srv2" '[ "$(grep -c "^svg .*two.scn " "$T/facts")" = 2 ] && grep -q "^svg .*two.scn srv1$" "$T/facts" && grep -q "^svg .*two.scn srv2$" "$T/facts"' "$(grep "^svg" "$T/facts")"
check "none for the file without machines" '! grep -q "^svg .*none.scn" "$T/facts"' "$(grep "^svg" "$T/facts")"
check "the totals" 'grep -qF "3 passed, 1 failed, 0 skipped" "$T/two.html"' "$(tail -3 "$T/two.html")"

# The other formats do not carry timelines.
expect "tap as before" 1 $A scenario run "$S/two.scn"
check "no timeline in TAP" '! grep -qi "svg\|timeline" "$T/out"' "$(out | head -5)"

finish
