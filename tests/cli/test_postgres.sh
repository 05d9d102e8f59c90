#!/bin/sh
# The PostgreSQL backend against a throwaway cluster (tests/cli/pg.sh):
# the shipped scenario suite and the server integration tests a second
# time with their labs in PostgreSQL, two nodes on one lab
# (tests/nodes.py), lab init's checks and lab migrate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SCN=$(cd "$HERE/../../fixtures/scenarios" && pwd)

if ! pg_start; then
	not_ok "a throwaway PostgreSQL cluster starts" "see stderr"
	finish
	exit 1
fi
ok "a throwaway PostgreSQL cluster starts ($PGURL)"

# nested TAP from another test program, indented as comments; one point
nested() {
	name=$1
	shift
	"$@" >"$T/nested" 2>&1
	nrc=$?
	sed 's/^/#   /' "$T/nested"
	check "$name" '[ "$nrc" = 0 ]' "exit $nrc: $(grep -A2 '^not ok' "$T/nested" | head -12)"
}

nested "the shipped scenarios pass on PostgreSQL" \
	$A scenario run --database "$PGURL" "$SCN"/*.scn
nested "the server integration tests pass on PostgreSQL" \
	env ACTSIM_DATABASE="$PGURL" sh "$HERE/test_server.sh"
export ACTSIM_DATABASE="$PGURL"
export PG_CTL_STOP="$(command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && echo "setpriv --reuid=nobody --regid=nogroup --clear-groups --") $PGBIN/pg_ctl -D $PGDIR/data -m fast -w stop"
export PG_CTL_START="$(command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && echo "setpriv --reuid=nobody --regid=nogroup --clear-groups --") $PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/server.log -w -t 60 -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200' start"
export PG_PSQL="$PGBIN/psql -X -q -A -t -h $PGDIR -p $PGPORT -U actsim -d actsim -c"
nested "two nodes on one lab" python3 "$HERE/../nodes.py" "$A" "$T/nodes"
unset ACTSIM_DATABASE

# lab init's checks
expect "a URI that is not postgresql://" 2 $A --lab "$T/bad" lab init --database "mysql://x/y"
stderr_has "says what it takes" "--database takes a postgresql:// URI"
expect "a URI holding a password" 2 $A --lab "$T/bad" lab init --database "postgresql://actsim:secret@127.0.0.1:$PGPORT/actsim"
stderr_has "points to PGPASSWORD" "PGPASSWORD or ~/.pgpass"
check "nothing made" '[ ! -e "$T/bad/realm.json" ]' "$(ls "$T/bad" 2>&1)"
dead=$(free_port)
expect "an unreachable database" 3 $A --lab "$T/bad" lab init --database "postgresql://actsim@127.0.0.1:$dead/actsim"
stderr_has "names the host" "127.0.0.1:$dead"
check "leaves no lab behind" '[ ! -e "$T/bad/realm.json" ] && [ ! -e "$T/bad/database.json" ]' "$(ls "$T/bad" 2>&1)"
$A --lab "$T/one" lab init --seed 1 --database "$PGURL" >/dev/null
$A --lab "$T/two" lab init --seed 1 --database "$PGURL" >/dev/null
expect "two labs from one seed share the database" 0 $A --lab "$T/two" --json lab show
check "each in its own schema" '[ "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"schema\"])" "$T/one/database.json")" != "$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))[\"schema\"])" "$T/two/database.json")" ]' "$(cat "$T/one/database.json" "$T/two/database.json")"
check "the URI file is private" '[ "$(stat -c %a "$T/one/database.json")" = 600 ]' "$(stat -c %a "$T/one/database.json")"
finish
