#!/bin/sh
# The client libraries a command may never need (libcurl, libpq, libxml2)
# are loaded on first use, not by every process at start; a PostgreSQL
# lab on a machine without libpq fails with a clear environment error and
# leaves SQLite labs working. The server is a part of its own with
# libevent, libssl and libcrypto; the commands that verify or sign
# nothing load none of them, and write nothing to the lab.
. "$(dirname "$0")/lib.sh"

readelf -d "$A" >"$T/dyn"
for lib in libcurl libpq libxml2 libssl libcrypto libevent; do
	check "actsim does not load $lib at start" \
		'! grep -q "NEEDED.*$lib" "$T/dyn"' "$(grep NEEDED "$T/dyn")"
done
SRVSO=$(dirname "$A")/actsim-server.so
readelf -d "$SRVSO" >"$T/sdyn" 2>&1
check "the server part links libevent and libssl" \
	'grep -q "NEEDED.*libevent_openssl" "$T/sdyn" && grep -q "NEEDED.*libssl" "$T/sdyn"' \
	"$(grep NEEDED "$T/sdyn")"

# The same binary, but asking the loader for a libpq that is not there
# (same length, so the file stays valid).
NOPQ=$T/actsim-nopq
perl -pe 's/libpq\.so\.5\0/libpq.so.9\0/g' "$A" >"$NOPQ"
chmod +x "$NOPQ"
check "the copy names the missing libpq" 'grep -qa "libpq\.so\.9" "$NOPQ"' \
	"the binary holds no libpq.so.5 string"
expect "lab init on PostgreSQL without libpq" 3 \
	"$NOPQ" --lab "$T/pg" lab init --seed 0 \
	--database postgresql://localhost/actsim
stderr_has "the error names libpq" "cannot load libpq.so.5"
check "nothing is left of that lab" \
	'[ ! -e "$T/pg/realm.json" ] && [ ! -e "$T/pg/database.json" ]' \
	"$(ls "$T/pg" 2>&1)"
expect "--json gives the error code" 3 \
	"$NOPQ" --json --lab "$T/pg" lab init --seed 0 \
	--database postgresql://localhost/actsim
json_is "code DATABASE_ERROR" 'd["error"]["code"] == "DATABASE_ERROR"'
expect "a SQLite lab needs no libpq" 0 "$NOPQ" lab init --seed 0
expect "clock show on it" 0 "$NOPQ" clock show

# A JUnit report without libxml2 is an error, never an empty file.
NOXML=$T/actsim-noxml
perl -pe 's/libxml2\.so\.2\0/libxml2.so.9\0/g' "$A" >"$NOXML"
chmod +x "$NOXML"
SCN=$(dirname "$0")/../../fixtures/scenarios/grace-retail.scn
expect "JUnit without libxml2" 3 "$NOXML" scenario run --format junit \
	--out "$T/r.xml" "$SCN"
stderr_has "the error names libxml2" "libxml2.so.2 could not be loaded"
expect "TAP needs no libxml2" 0 "$NOXML" scenario run "$SCN"
# What each command loads: LD_DEBUG=files names every library the dynamic
# loader opens, at start and through dlopen.
export ACTSIM_LAB="$T/instant"
expect "lab init" 0 $A lab init --seed 0
KEY=$($A key gen --sku standard --channel retail --platform x86)
expect "machine create" 0 $A machine create m --key "$KEY" \
	--hw "$(dirname "$0")/../../fixtures/hardware/pe2850.json"
check "a write leaves the WAL file empty" \
	'[ -e "$ACTSIM_LAB/lab.db-wal" ] && [ ! -s "$ACTSIM_LAB/lab.db-wal" ]' \
	"$(ls -l "$ACTSIM_LAB")"
snap() { stat -c '%n %s %y' "$ACTSIM_LAB/lab.db" "$ACTSIM_LAB/lab.db-wal"; }
before=$(snap)
for c in "clock show" "catalog" "machine show m" "machine logon m" \
	"machine list" "slmgr m /dli" "key check $KEY"; do
	# shellcheck disable=SC2086 # the words of the command
	LD_DEBUG=files $A $c >"$T/out" 2>"$T/ld"
	rc=$?
	check "$c (exit 0)" '[ "$rc" = 0 ]' "$(grep -v '^ *[0-9]*:' "$T/ld" | head -3)"
	check "$c loads no TLS, HTTP, PostgreSQL or XML library" \
		'! grep -qE "file=lib(ssl|crypto|event|curl|pq|xml2)" "$T/ld"' \
		"$(grep -oE 'file=[^ ]+' "$T/ld" | sort -u | tr '\n' ' ')"
done
after=$(snap)
check "and none of them wrote to the lab database or its WAL" \
	'[ "$before" = "$after" ]' "before: $before; after: $after"
# The realm made with the lab is not checked again at every open, but a
# private key changed by hand is still refused at once.
cp -r "$ACTSIM_LAB" "$T/edited"
python3 - "$T/edited/realm-private.json" <<'EOF2'
import json, sys
d = json.load(open(sys.argv[1]))
d["product_key_private"] = format(int(d["product_key_private"], 16) ^ 1, "x")
open(sys.argv[1], "w").write(json.dumps(d))
EOF2
expect "machine show with a private key changed by hand" 3 \
	$A --lab "$T/edited" machine show m
stderr_has "names the key" \
	"damaged realm: \$.product_key_private: does not match the public key"
expect "commands without the private realm still work" 0 \
	$A --lab "$T/edited" clock show
# Random bytes come from the shared libcrypto, loaded then.
LD_DEBUG=files $A key gen --sku web --channel retail --platform x86 \
	>"$T/out" 2>"$T/ld"
check "key gen without --seed loads libcrypto for RAND_bytes" \
	'grep -q "file=libcrypto" "$T/ld" && grep -qE "^[A-Z0-9]{5}-" "$T/out"' \
	"$(grep -oE 'file=[^ ]+' "$T/ld" | sort -u | tr '\n' ' ')"

# The server part: beside the binary, or in ../lib/actsim when installed.
mkdir "$T/bare"
cp "$A" "$T/bare/actsim"
expect "server without its part" 3 "$T/bare/actsim" server --routes
stderr_has "the error names the part" \
	"cannot load the server part '$T/bare/actsim-server.so'"
expect "--json: the same" 3 "$T/bare/actsim" --json server --routes
json_is "code SERVER_FAILED" 'd["error"]["code"] == "SERVER_FAILED"'
expect "the rest works without it" 0 "$T/bare/actsim" clock show
B=$(dirname "$A")
make --no-print-directory -s -C "$(dirname "$0")/../.." BUILD="$B" \
	DESTDIR="$T/inst" PREFIX=/usr install >"$T/install.out" 2>&1
irc=$?
check "make install" '[ $irc = 0 ] && [ -s "$T/inst/usr/lib/actsim/actsim-server.so" ]' \
	"$(tail -3 "$T/install.out")"
expect "the installed actsim finds its server part" 0 \
	"$T/inst/usr/bin/actsim" server --routes
stdout_has "and lists the routes" "/v1/activations"
finish
