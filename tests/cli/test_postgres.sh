#!/bin/sh
# The PostgreSQL backend against a throwaway cluster (tests/cli/pg.sh):
# the shipped scenario suite, the server integration tests and the API
# contract a second time with their labs in PostgreSQL, two nodes on one lab
# (tests/nodes.py), lab init's checks and lab migrate.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/pg.sh"
HERE=$(cd "$(dirname "$0")" && pwd)
SCN=$(cd "$HERE/../../fixtures/scenarios" && pwd)
DOCS=$(cd "$HERE/../../docs" && pwd)
HW=$(cd "$HERE/../../fixtures/hardware" && pwd)
N1= N2= LBP=
PG_ON_EXIT=stop_all
stop_all() {
	for p in $N1 $N2 $LBP; do
		kill -9 "$p" 2>/dev/null
		wait "$p" 2>/dev/null
	done
	N1= N2= LBP=
}

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

schemas() { pg_sql "SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'actsim\_%'"; }
nested "the shipped scenarios pass on PostgreSQL" \
	$A scenario run --database "$PGURL" "$SCN"/*.scn
check "each scenario's schema went with its temporary lab" '[ "$(schemas)" = 0 ]' "$(schemas) schemas left"
$A scenario run --database "$PGURL" --keep-lab "$T/kept" "$SCN/blocked-key.scn" >/dev/null
check "a kept lab keeps its schema" '[ "$(schemas)" = 1 ] && [ -f "$T/kept/database.json" ]' "$(schemas) schemas"
nested "the server integration tests pass on PostgreSQL" \
	env ACTSIM_DATABASE="$PGURL" sh "$HERE/test_server.sh"
export ACTSIM_DATABASE="$PGURL"
export PG_CTL_STOP="$(command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && echo "setpriv --reuid=nobody --regid=nogroup --clear-groups --") $PGBIN/pg_ctl -D $PGDIR/data -m fast -w stop"
export PG_CTL_START="$(command -v setpriv >/dev/null && [ "$(id -u)" = 0 ] && echo "setpriv --reuid=nobody --regid=nogroup --clear-groups --") $PGBIN/pg_ctl -D $PGDIR/data -l $PGDIR/server.log -w -t 60 -o '-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200' start"
export PG_PSQL="$PGBIN/psql -X -q -A -t -h $PGDIR -p $PGPORT -U actsim -d actsim -c"
nested "the API contract holds on PostgreSQL, the database away too" \
	sh "$HERE/test_api_contract.sh"
nested "two nodes on one lab" python3 "$HERE/../nodes.py" "$A" "$T/nodes"

# two nodes behind the HAProxy configuration of docs/scaling.md
L=$T/lb
$A --lab "$L/one" lab init --seed 5 >/dev/null
K=$($A --lab "$L/one" key gen --sku enterprise --channel msdn --platform x64)
$A --lab "$L/one" machine create m1 --key "$K" --hw "$HW/dl380.json" >/dev/null
IID=$($A --lab "$L/one" machine iid m1)
# start_node LAB: the node's pid in $NPID, its address in $NADDR
start_node() {
	: >"$1.out"
	$A --lab "$1" server --listen 127.0.0.1:0 --threads 2 >"$1.out" 2>"$1.err" &
	NPID=$!
	for _ in $(seq 1 200); do
		grep -q "listening on" "$1.out" && break
		sleep 0.05
	done
	NADDR=$(sed -n 's|^listening on https://||p' "$1.out")
}
start_node "$L/one"
N1=$NPID A1=$NADDR
cp -a "$L/one" "$L/two"
rm -f "$L/two/server.json"
start_node "$L/two"
N2=$NPID A2=$NADDR
FRONT=127.0.0.1:$(free_port)
sed -n '/<!-- haproxy.cfg begin -->/,/<!-- haproxy.cfg end -->/p' "$DOCS/scaling.md" |
	grep -v '^<!--\|^```' |
	sed "s/10.0.0.10:8443/$FRONT/; s/10.0.0.11:8443/$A1/; s/10.0.0.12:8443/$A2/" >"$L/haproxy.cfg"
haproxy -c -f "$L/haproxy.cfg" >"$L/hc.out" 2>&1
hrc=$?
check "the documented HAProxy configuration is valid" '[ "$hrc" = 0 ]' "$(cat "$L/hc.out")"
haproxy -f "$L/haproxy.cfg" -db >"$L/haproxy.log" 2>&1 &
LBP=$!
CA="$L/one/tls/ca.pem"
lb() { curl -s --cacert "$CA" -o "$T/out" -w '%{http_code}' "$@"; }
for _ in $(seq 1 100); do
	[ "$(lb "https://$FRONT/healthz")" = 200 ] && break
	sleep 0.1
done
codes=
for _ in $(seq 1 8); do
	codes="$codes $(lb -X POST -d "{\"installation_id\":\"$IID\"}" "https://$FRONT/v1/activations")"
done
check "8 activations through HAProxy: all 200" '[ "$codes" = " 200 200 200 200 200 200 200 200" ]' "$codes"
served() { curl -s --cacert "$CA" "https://$1/metrics" | sed -n 's/^actsim_activations_total{result="OK"} //p'; }
check "both nodes served some" '[ "$(served "$A1")" -gt 0 ] && [ "$(served "$A2")" -gt 0 ]' "node1 $(served "$A1"), node2 $(served "$A2")"
kill -9 "$N1"
wait "$N1" 2>/dev/null
N1=
codes=
for _ in $(seq 1 8); do
	codes="$codes $(lb -X POST -d "{\"installation_id\":\"$IID\"}" "https://$FRONT/v1/activations")"
done
check "node 1 killed: HAProxy sends everything to node 2" '[ "$codes" = " 200 200 200 200 200 200 200 200" ]' "$codes $(tail -3 "$L/haproxy.log")"
stop_all
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
# lab migrate: an SQLite lab with some of everything, to PostgreSQL and back
M="$A --lab $T/mig"
$M lab init --seed 7 >/dev/null
K=$($M key gen --sku enterprise --channel retail --platform x64)
$M key gen --sku standard --channel oem --platform x86 --count 5 >/dev/null
$M machine create m1 --key "$K" --hw "$HW/dl380.json" >/dev/null
$M machine create m2 --key "$K" --hw "$HW/pe2850.json" >/dev/null
$M machine activate m1 --local >/dev/null
$M clock advance 3d >/dev/null
$M --json lab show >"$T/before.json"
$M --json machine show m1 >"$T/m1.before"
$M --json machine list >"$T/list.before"
$M machine list >"$T/list.text.before"
expect "lab migrate --to postgresql" 0 $M --json lab migrate --to "$PGURL"
json_is "counts copied and checked" 'd["backend"] == "postgresql" and d["rows"]["keys"] == 6 and d["rows"]["machines"] == 2 and d["rows"]["activations"] == 1'
check "the lab now points to PostgreSQL" '[ -f "$T/mig/database.json" ]' "$(ls "$T/mig")"
expect "the migrated lab opens" 0 $M --json lab show
json_is "on PostgreSQL, same keys" 'd["backend"] == "postgresql" and d["counts"]["keys"] == 6'
expect "machines and the clock came along" 0 $M --json machine show m1
check "machine show is the same" 'cmp -s "$T/m1.before" "$T/out"' "$(diff "$T/m1.before" "$T/out" | head -5)"
expect "the fleet view reads PostgreSQL's records" 0 $M --json machine list
check "machine list is the same" 'cmp -s "$T/list.before" "$T/out"' "$(diff "$T/list.before" "$T/out" | head -5)"
expect "in text too" 0 $M machine list
check "the same table" 'cmp -s "$T/list.text.before" "$T/out"' "$(diff "$T/list.text.before" "$T/out" | head -5)"
expect "the activation limit counts the copied grant" 0 $M --json machine activate m2 --local
expect "a third machine is refused" 1 sh -c "$M machine create m3 --key $K --hw $HW/small-office.json >/dev/null && $M machine activate m3 --local"
expect "migrating again to PostgreSQL is refused" 2 $M lab migrate --to "$PGURL"
stderr_has "says so" "already in PostgreSQL"
expect "lab migrate --to sqlite" 0 $M --json lab migrate --to sqlite
json_is "back in SQLite, with the new decisions" 'd["backend"] == "sqlite" and d["rows"]["activations"] == 3 and d["rows"]["machines"] == 3'
check "database.json gone, lab.db back" '[ ! -e "$T/mig/database.json" ] && [ -f "$T/mig/lab.db" ] && [ -f "$T/mig/lab.db.old" ]' "$(ls "$T/mig")"
expect "the SQLite lab opens" 0 $M --json lab show
json_is "on SQLite" 'd["backend"] == "sqlite" and d["counts"]["keys"] == 6'
cp -a "$T/mig" "$T/mig2"
expect "an unreachable target" 3 $A --lab "$T/mig2" lab migrate --to "postgresql://actsim@127.0.0.1:$dead/actsim"
expect "leaves the lab on SQLite" 0 $A --lab "$T/mig2" --json lab show
json_is "as it was" 'd["backend"] == "sqlite"'
check "the URI file is private" '[ "$(stat -c %a "$T/one/database.json")" = 600 ]' "$(stat -c %a "$T/one/database.json")"
finish
