#!/bin/sh
# CLI tests: what a user sees — exit codes, stdout, stderr, JSON documents.
# Prints TAP lines and a closing "N passed, N failed".
. "$(dirname "$0")/lib.sh"

# --- no lab yet ---
expect "key check without a lab" 3 $A key check BBBBB-BBBBB-BBBBB-BBBBB-BBBBB
stderr_has "no-lab message names the lab" "$T/lab"
expect "json error without a lab" 3 $A --json lab show
json_is "error code NO_LAB" 'd["error"]["code"] == "NO_LAB"'
check "json errors leave stderr empty" '[ ! -s "$T/err" ]' "$(err)"

# --- lab init ---
expect "lab init --seed 0" 0 $A lab init --seed 0
stdout_has "init reports the lab" "created lab '$T/lab'"
check "private realm file is 0600" \
	'[ "$(stat -c %a "$T/lab/realm-private.json")" = 600 ]' \
	"$(stat -c %a "$T/lab/realm-private.json")"
expect "lab init again is refused" 3 $A lab init --seed 0
stderr_has "refusal says --force" "already exists (use --force to replace it)"
expect "lab init --force" 0 $A lab init --seed 0 --force
expect "lab init elsewhere, same seed" 0 $A --lab "$T/lab2" lab init --seed 0
check "same seed, same realm bytes" \
	'cmp -s "$T/lab/realm.json" "$T/lab2/realm.json" && cmp -s "$T/lab/realm-private.json" "$T/lab2/realm-private.json"' \
	"realm files differ"
expect "lab init another seed" 0 $A --lab "$T/lab3" lab init --seed 1
check "another seed, another realm" \
	'! cmp -s "$T/lab/realm.json" "$T/lab3/realm.json"' "realms equal"
expect "lab init --seed not a number" 2 $A --lab "$T/x" lab init --seed 12ab
stderr_has "usage hint" "try 'actsim help lab'"
check "a refused init creates nothing" '[ ! -e "$T/x" ]' "created $T/x"

# --- lab show / export never print private keys ---
priv=$(python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); print(d["product_key_private"], d["activation_private"], d["iid_cipher_key"])' "$T/lab/realm-private.json")
expect "lab show" 0 $A lab show
stdout_has "show has the fingerprint" "$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["fingerprint"])' "$T/lab/realm.json")"
leak=0
for s in $priv; do grep -q "$s" "$T/out" && leak=1; done
check "show prints no private key" '[ $leak = 0 ]' "private key printed"
expect "lab show --json" 0 $A --json lab show
json_is "show counts keys" 'd["counts"]["keys"] == 0 and d["schema_version"] == 4'
expect "lab export --public" 0 $A lab export --public "$T/export.json"
check "export is the public realm" 'cmp -s "$T/export.json" "$T/lab/realm.json"' "differs"
leak=0
for s in $priv; do grep -q "$s" "$T/export.json" && leak=1; done
check "export has no private key" '[ $leak = 0 ]' "private key exported"
expect "lab export without --public" 2 $A lab export
expect "lab export to an unwritable path" 3 $A lab export --public /nonexistent/dir/x.json

# --- key gen ---
expect "key gen" 0 $A key gen --sku standard --channel retail --platform x86 --count 3 --seed 5
check "three keys, one per line" \
	'[ "$(grep -cE "^([BCDFGHJKMPQRTVWXY2346789]{5}-){4}[BCDFGHJKMPQRTVWXY2346789]{5}$" "$T/out")" = 3 ]' "$(out)"
cp "$T/out" "$T/keys1"
run $A key gen --sku standard --channel retail --platform x86 --count 3 --seed 5
check "same seed, same keys" 'cmp -s "$T/out" "$T/keys1"' "differs"
run $A key gen --sku standard --channel retail --platform x86 --count 3 --seed 6
check "another seed, other keys" '! cmp -s "$T/out" "$T/keys1"' "same"
run $A --lab "$T/lab2" key gen --sku standard --channel retail --platform x86 --count 3 --seed 5
check "same seed in a lab of the same realm seed, same keys" 'cmp -s "$T/out" "$T/keys1"' "differs"
expect "key gen --json" 0 $A --json key gen --sku datacenter --channel oem --platform ia64 --upgrade --seed 1
json_is "json key fields" 'd["keys"][0]["sku"] == "datacenter" and d["keys"][0]["channel"] == "oem" and d["keys"][0]["platform"] == "ia64" and d["keys"][0]["r2"] is False and d["keys"][0]["upgrade"] is True and isinstance(d["keys"][0]["channel_id"], int)'
expect "key gen --format json" 0 $A key gen --sku web --channel msdn --platform x86 --format json
json_is "format json is a document" 'len(d["keys"]) == 1'
expect "key gen --format csv" 0 $A key gen --sku enterprise --channel volume --platform x64 --r2 --count 2 --format csv
check "csv header and rows" \
	'[ "$(head -1 "$T/out")" = "key,sku,channel,platform,r2,upgrade,channel_id" ] && [ "$(grep -c ",enterprise,volume,x64,true,false," "$T/out")" = 2 ]' "$(out)"
expect "key gen web/x64 is not sold" 2 $A key gen --sku web --channel retail --platform x64
stderr_has "unknown product message" "the catalog has no web edition for x64"
expect "no R2 for Itanium" 2 $A --json key gen --sku enterprise --channel retail --platform ia64 --r2
json_is "UNKNOWN_PRODUCT code" 'd["error"]["code"] == "UNKNOWN_PRODUCT"'
expect "key gen without --sku" 2 $A key gen --channel retail --platform x86
stderr_has "usage ends with a hint" "try 'actsim help key'"
expect "key gen unknown sku" 2 $A key gen --sku home --channel retail --platform x86
stderr_has "names the unknown sku" "unknown SKU 'home'"
expect "key gen --count 0" 2 $A key gen --sku web --channel retail --platform x86 --count 0
expect "key gen --count too large" 2 $A key gen --sku web --channel retail --platform x86 --count 1000001
expect "key gen --format xml" 2 $A key gen --sku web --channel retail --platform x86 --format xml
expect "key gen unknown option" 2 $A key gen --sku web --channel retail --platform x86 --colour
expect "key gen many, two threads" 0 $A key gen --sku standard --channel oem --platform x64 --count 6000 --threads 2 --seed 9
check "6000 keys" '[ "$(wc -l < "$T/out")" = 6000 ]' "$(wc -l < "$T/out")"
check "no progress bar when stderr is not a terminal" '[ ! -s "$T/err" ]' "$(err | head -c 200)"
if command -v script >/dev/null 2>&1; then
	# stderr on a terminal (a pseudo-terminal from script(1)): bars shown
	script -qec "'$A' key gen --sku web --channel oem --platform x86 --count 6000 >/dev/null" /dev/null > "$T/tty" 2>&1
	check "progress bars on a terminal" \
		'tr "\r" "\n" < "$T/tty" | grep -q "generating keys .*100% 6000/6000" && tr "\r" "\n" < "$T/tty" | grep -q "recording keys .*100% 6000/6000"' \
		"$(tr '\r' '\n' < "$T/tty" | tail -3)"
fi
run $A key gen --sku standard --channel oem --platform x64 --count 6000 --threads 1 --seed 9
check "thread count does not change keys" '[ "$(sort "$T/out" | uniq | wc -l)" = 6000 ]' "duplicates"
expect "key gen 20000 as JSON" 0 $A --json key gen --sku web --channel volume --platform x86 --count 20000 --seed 3
json_is "20000 keys in one document" 'len(d["keys"]) == 20000 and len(set(k["key"] for k in d["keys"])) == 20000'
expect "lab show counts issued keys" 0 $A --json lab show
json_is "issued keys counted" 'd["counts"]["keys"] > 6000'

# --- key check ---
K=$(head -1 "$T/keys1")
expect "key check valid" 0 $A key check "$K"
stdout_has "valid message" "The product key is valid."
expect "key check on its media" 0 $A key check "$K" --sku standard --channel retail --platform x86
expect "other edition" 1 $A key check "$K" --sku enterprise --channel retail --platform x86
stdout_has "edition message, exactly" "Setup cannot continue because the operating system edition is different from the setup edition."
expect "other channel" 1 $A key check "$K" --sku standard --channel volume --platform x86
stdout_has "invalid message, exactly" "The product key you entered is not valid. Please type a valid product key."
expect "other platform" 1 $A --json key check "$K" --sku standard --channel retail --platform x64
json_is "wrong platform is INVALID_KEY" 'd["code"] == "INVALID_KEY" and d["reason"] == "wrong_platform" and d["valid"] is False'
expect "R2 media" 1 $A --json key check "$K" --sku standard --channel retail --platform x86 --r2
json_is "R2 mismatch is INVALID_KEY" 'd["code"] == "INVALID_KEY" and d["reason"] == "r2_mismatch"'
expect "edition json" 1 $A --json key check "$K" --sku datacenter --channel retail --platform x86
json_is "EDITION_MISMATCH code" 'd["code"] == "EDITION_MISMATCH" and d["sku"] == "standard"'
expect "key check lower case with spaces" 0 $A key check "$(echo "$K" | tr 'A-Z-' 'a-z ')"
expect "key check without dashes" 0 $A key check "$(echo "$K" | tr -d -)"
expect "key check in five arguments" 0 $A key check $(echo "$K" | tr - ' ')
expect "partial media" 2 $A key check "$K" --sku standard
expect "--r2 alone" 2 $A key check "$K" --r2
expect "short key" 2 $A key check BCDFG-HJKMP-QRTVW-XY234-6789
stderr_has "length message" "24 key characters, expected 25"
expect "bad character" 2 $A --json key check BCDFG-HJKAP-QRTVW-XY234-67899
json_is "MALFORMED_KEY with position" 'd["error"]["code"] == "MALFORMED_KEY" and d["error"]["position"] == 10 and d["error"]["character"] == "A"'
expect "bad character, text" 2 $A key check BCDFG-HJKAP-QRTVW-XY234-67899
stderr_has "position message" "character 'A' at position 10"
expect "control character" 2 $A key check "$(printf 'BCDFG\001')"
stderr_has "shown as hex" "0x01"
expect "no key" 2 $A key check
last=$(printf %s "$K" | tail -c 1)
[ "$last" = B ] && sub=C || sub=B
forged="$(printf %s "$K" | head -c 28)$sub"
expect "forged key" 1 $A --json key check "$forged"
json_is "forged is INVALID_KEY" 'd["code"] == "INVALID_KEY" and d["reason"] in ("bad_signature", "out_of_range")'
expect "key of another realm" 1 $A --lab "$T/lab3" key check "$K"
expect "value beyond 114 bits" 1 $A key check 99999-99999-99999-99999-99999

# --- key decode ---
expect "key decode" 0 $A --json key decode "$K"
json_is "decode fields" 'set(d) == {"key","upgrade","channel_id","auth_info","hash","signature","signature_valid","sku","channel","platform","r2"} and d["signature_valid"] is True and d["sku"] == "standard"'
expect "decode forged" 0 $A --json key decode "$forged"
json_is "forged decodes, signature invalid" 'd["signature_valid"] is False'
expect "decode text" 0 $A key decode "$K"
stdout_has "decode text has fields" "signature_valid  true"
expect "decode malformed" 2 $A key decode XYZ

# --- an independent verifier agrees, from the export alone ---
$A key gen --sku enterprise --channel evaluation --platform x86 --count 20 > "$T/ind"
echo "$forged" >> "$T/ind"
$A --lab "$T/lab3" key gen --sku web --channel retail --platform x86 >> "$T/ind"
python3 "$(dirname "$0")/../independent_verify.py" "$T/export.json" < "$T/ind" > "$T/ind.out"
check "independent verifier: 20 valid, 2 invalid" \
	'[ "$(grep -c ^valid "$T/ind.out")" = 20 ] && [ "$(grep -c ^invalid "$T/ind.out")" = 2 ]' "$(cat "$T/ind.out")"

# --- catalog, help, global options ---
expect "catalog" 0 $A catalog
stdout_has "catalog text lists channels" "channels (grace period, activation limit):"
expect "catalog --json" 0 $A catalog --json
json_is "75 key configurations" 'len(d["catalog"]["key_configurations"]) == 75'
echo '{"catalog_version": 1, "platforms": 3}' > "$T/bad.json"
expect "malformed catalog" 3 $A --catalog "$T/bad.json" catalog
stderr_has "names file and JSON path" "catalog '$T/bad.json': \$: 'platforms' must be a non-empty array"
expect "missing catalog" 3 $A --catalog "$T/none.json" catalog
expect "lab init with a malformed catalog" 3 $A --lab "$T/lab4" lab init --catalog "$T/bad.json"
check "nothing created" '[ ! -e "$T/lab4/realm.json" ]' "created"
expect "help" 0 $A help
stdout_has "help lists key" "key         generate, check and decode product keys"
expect "help key" 0 $A help key
stdout_has "help key shows usage" "actsim key gen --sku SKU"
expect "--help" 0 $A --help
expect "unknown command" 2 $A frobnicate
stderr_has "unknown command message" "unknown command 'frobnicate'"
check "hint names help" '[ "$(tail -1 "$T/err")" = "try '"'"'actsim help'"'"'" ]' "$(err)"
expect "no command" 2 $A
expect "unknown global option" 2 $A --colour key
expect "version" 0 $A --version
if [ -w /dev/full ]; then
	expect "write error is reported" 3 sh -c "'$A' version > /dev/full"
	SCN=$(cd "$(dirname "$0")/../../fixtures/scenarios" && pwd)/blocked-key.scn
	for f in tap junit json narrate html; do
		expect "scenario run --format $f --out /dev/full" 3 $A scenario run "$SCN" --format $f --out /dev/full
		stderr_has "says the report was not written ($f)" "cannot write '/dev/full'"
	done
	expect "lab export --public /dev/full" 3 $A lab export --public /dev/full
	stderr_has "says the realm was not written" "cannot write '/dev/full'"
fi

finish
