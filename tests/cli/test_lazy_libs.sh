#!/bin/sh
# The client libraries a command may never need (libcurl, libpq, libxml2)
# are loaded on first use, not by every process at start; a PostgreSQL
# lab on a machine without libpq fails with a clear environment error and
# leaves SQLite labs working.
. "$(dirname "$0")/lib.sh"

readelf -d "$A" >"$T/dyn"
for lib in libcurl libpq libxml2; do
	check "actsim does not load $lib at start" \
		'! grep -q "NEEDED.*$lib" "$T/dyn"' "$(grep NEEDED "$T/dyn")"
done

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
finish
