#!/bin/sh
# Clearinghouse throughput by backend, in one run: activations per second
# over TLS with keep-alive (wrk) for one node on SQLite, one node on
# PostgreSQL and two nodes on PostgreSQL behind the HAProxy configuration
# of docs/scaling.md. The load rotates over 32 keys, each activated again
# and again on its machine; every answer is a durable decision (committed
# before its 200). PostgreSQL is a throwaway cluster (tests/cli/pg.sh).
# usage: bench/nodes_bench.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -eu
BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-32}
HERE=$(cd "$(dirname "$0")" && pwd)
A=$(cd "$BUILD" && pwd)/actsim
T=$(mktemp -d)
PIDS=
. "$HERE/../tests/cli/pg.sh"
stop_pids() {
	for p in $PIDS; do
		kill -TERM "$p" 2>/dev/null || :
		wait "$p" 2>/dev/null || :
	done
	PIDS=
}
PG_ON_EXIT=stop_pids
trap 'stop_pids; rm -rf "$T"' EXIT
pg_start >/dev/null

# make_lab DIR [--database URI]: a lab with 32 machines, one key each;
# writes DIR.lua, the wrk script that rotates over their IIDs
make_lab() {
	lab=$1
	shift
	"$A" --lab "$lab" lab init --seed 0 "$@" >/dev/null
	"$A" --lab "$lab" --json key gen --sku standard --channel retail \
		--platform x86 --count 32 >"$lab.keys"
	python3 - "$A" "$lab" <<'PY'
import json, subprocess, sys
actsim, lab = sys.argv[1], sys.argv[2]
keys = [k["key"] for k in json.load(open(lab + ".keys"))["keys"]]
iids = []
for i, key in enumerate(keys):
    name = "b%d" % i
    prof = "%s.%s.json" % (lab, name)
    json.dump({f: name + f for f in ("volume_serial", "nic_mac", "hdd",
               "cdrom", "display", "cpu_serial", "ide", "cpu_model")},
              open(prof, "w"))
    subprocess.run([actsim, "--lab", lab, "machine", "create", name,
                    "--key", key, "--hw", prof], check=True,
                   capture_output=True)
    iids.append(subprocess.run([actsim, "--lab", lab, "machine", "iid",
                                name], check=True, capture_output=True,
                               text=True).stdout.strip())
with open(lab + ".lua", "w") as f:
    f.write("local iids = {%s}\nlocal i = 0\n" %
            ", ".join('"%s"' % x for x in iids))
    f.write('request = function()\n  i = i + 1\n  return wrk.format('
            '"POST", "/v1/activations", {["Content-Type"] = '
            '"application/json"}, \'{"installation_id":"\' .. '
            'iids[i % #iids + 1] .. \'"}\')\nend\n')
PY
}

# start_node LAB: its address in $NADDR
start_node() {
	: >"$1.out"
	"$A" --lab "$1" server --listen 127.0.0.1:0 >"$1.out" 2>"$1.err" &
	PIDS="$PIDS $!"
	for _ in $(seq 1 200); do
		grep -q "listening on" "$1.out" && break
		sleep 0.05
	done
	NADDR=$(sed -n 's|^listening on https://||p' "$1.out")
}

# load LUA ADDR: "rate p50_ms p99_ms non2xx"
load() {
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency -s "$1" "https://$2/" 2>&1 |
		python3 -c '
import re, sys
t = sys.stdin.read()
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def ms(p):
    m = re.search(r"\s" + p + r"%\s+([\d.]+)(us|ms|s)", t)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
bad = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("%.0f %.2f %.2f %s" % (rate, ms("50"), ms("99"),
                             bad.group(1) if bad else "0"))
'
}

make_lab "$T/sqlite"
make_lab "$T/pg" --database "$PGURL"

start_node "$T/sqlite"
load "$T/sqlite.lua" "$NADDR" >"$T/r1"
stop_pids

start_node "$T/pg"
N1=$NADDR
load "$T/pg.lua" "$N1" >"$T/r2"
cp -a "$T/pg" "$T/pg2"
rm -f "$T/pg2/server.json"
start_node "$T/pg2"
N2=$NADDR
FRONT=127.0.0.1:$(free_port)
sed -n '/<!-- haproxy.cfg begin -->/,/<!-- haproxy.cfg end -->/p' \
	"$HERE/../docs/scaling.md" | grep -v '^<!--\|^```' |
	sed "s/10.0.0.10:8443/$FRONT/; s/10.0.0.11:8443/$N1/; s/10.0.0.12:8443/$N2/" \
		>"$T/haproxy.cfg"
haproxy -f "$T/haproxy.cfg" -db >"$T/haproxy.log" 2>&1 &
PIDS="$PIDS $!"
for _ in $(seq 1 100); do
	curl -s -k -o /dev/null "https://$FRONT/healthz" && break
	sleep 0.1
done
load "$T/pg.lua" "$FRONT" >"$T/r3"
stop_pids

read -r r1 a1 b1 c1 <"$T/r1"
read -r r2 a2 b2 c2 <"$T/r2"
read -r r3 a3 b3 c3 <"$T/r3"
echo "sqlite one node:            $r1/s  p50 $a1 ms  p99 $b1 ms  (non-200: $c1)"
echo "postgresql one node:        $r2/s  p50 $a2 ms  p99 $b2 ms  (non-200: $c2)"
echo "postgresql two nodes (LB):  $r3/s  p50 $a3 ms  p99 $b3 ms  (non-200: $c3)"
echo "decisions in PostgreSQL: $(pg_sql "SELECT sum(n_live_tup) FROM pg_stat_user_tables WHERE relname = 'activations'")"
