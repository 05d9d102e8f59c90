#!/bin/bash
# The clearinghouse's own work per activation, in instructions: the server
# runs under `valgrind --tool=callgrind` (one worker thread) and answers N
# activations on one keep-alive TLS connection, then a run with none; the
# difference over N is printed. Instruction counts hardly depend on the
# machine's other load, so two builds can be compared on a busy machine.
# The first 16 signatures run without the fixed-base tables
# (docs/performance.md): their extra 12 M instructions weigh 12 k per
# activation at N = 1000, 4 k at the default 3000.
# usage: bench/server_instructions.sh BUILD_DIR [N]
set -euo pipefail
BUILD=${1:-build}
N=${2:-3000}
A=$(cd "$BUILD" && pwd)/actsim
HW=$(cd "$(dirname "$0")/.." && pwd)/fixtures/hardware/pe2850.json

# instructions of one server run answering $1 activations
one_run() {
	local T V URL IID K
	T=$(mktemp -d)
	export ACTSIM_LAB="$T/lab"
	"$A" lab init --seed 0 >/dev/null
	K=$("$A" key gen --sku standard --channel retail --platform x86)
	"$A" machine create b1 --key "$K" --hw "$HW" >/dev/null
	IID=$("$A" machine iid b1)
	valgrind --tool=callgrind --callgrind-out-file="$T/cg.%p" \
		"$A" server --listen 127.0.0.1:0 --threads 1 \
		>"$T/srv.out" 2>"$T/srv.err" &
	V=$!
	for _ in $(seq 1 600); do
		grep -q listening "$T/srv.out" && break
		sleep 0.05
	done
	URL=$(sed -n 's/^listening on //p' "$T/srv.out")
	python3 - "$URL" "$IID" "$1" <<'PY'
import http.client, json, ssl, sys, urllib.parse
u = urllib.parse.urlparse(sys.argv[1])
ctx = ssl.create_default_context()
ctx.check_hostname, ctx.verify_mode = False, ssl.CERT_NONE
c = http.client.HTTPSConnection(u.hostname, u.port, context=ctx, timeout=120)
body = json.dumps({"installation_id": sys.argv[2]})
for _ in range(int(sys.argv[3])):
    c.request("POST", "/v1/activations", body,
              {"Content-Type": "application/json"})
    r = c.getresponse()
    r.read()
    if r.status != 200:
        sys.exit(f"activation answered {r.status}")
c.close()
PY
	kill -TERM "$V"
	wait "$V" || true
	cat "$T"/cg.* | awk '/^summary:/ { s += $2 } END { print s }'
	rm -rf "$T"
}

idle=$(one_run 0)
busy=$(one_run "$N")
echo "server instructions: $idle at start and stop, $busy with $N activations"
echo "per activation: $(( (busy - idle) / N ))"
