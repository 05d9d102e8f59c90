#!/bin/sh
# What the dashboard costs the clearinghouse: activations per second (wrk,
# TLS, keep-alive) with no page open, then with the machines view open and
# refreshing every second in headless chromium, alternating, in the same
# run. Prints one line per round and the medians.
# usage: bench/dashboard_bench.sh BUILD_DIR [SECONDS] [ROUNDS] [MACHINES]
set -eu
BUILD=${1:-build}
SECS=${2:-5}
ROUNDS=${3:-3}
MACHINES=${4:-50}
HERE=$(cd "$(dirname "$0")/.." && pwd)
A=$(cd "$BUILD" && pwd)/actsim
T=$(mktemp -d)
SRV=
PAGE=
cleanup() {
	[ -n "$PAGE" ] && kill -TERM "$PAGE" 2>/dev/null && wait "$PAGE" 2>/dev/null
	[ -n "$SRV" ] && kill -TERM "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ACTSIM_LAB="$T/lab"
"$A" lab init --seed 0 >/dev/null
K=$("$A" key gen --sku standard --channel retail --platform x86)
"$A" machine create b1 --key "$K" --hw "$HERE/fixtures/hardware/pe2850.json" >/dev/null
IID=$("$A" machine iid b1)
for i in $(seq 2 "$MACHINES"); do
	"$A" machine create "b$i" --key "$("$A" key gen --sku web --channel retail --platform x86)" \
		--hw "$HERE/fixtures/hardware/dl380.json" >/dev/null
done
"$A" server --listen 127.0.0.1:0 > "$T/srv.out" 2>"$T/srv.err" &
SRV=$!
for _ in $(seq 1 100); do grep -q listening "$T/srv.out" && break; sleep 0.05; done
URL=$(sed -n 's/^listening on //p' "$T/srv.out")
TOKEN=$("$A" lab token)
cat > "$T/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"installation_id":"$IID"}'
wrk.headers["Content-Type"] = "application/json"
LUA
rate() {
	wrk -t2 -c32 -d"${SECS}s" -s "$T/post.lua" "$URL/v1/activations" |
		awk '/Requests\/sec/ {print $2}'
}
without=""
with=""
for r in $(seq 1 "$ROUNDS"); do
	a=$(rate)
	node "$HERE/tests/web/open_page.js" "$URL" "$TOKEN" machines > "$T/page.out" 2>&1 &
	PAGE=$!
	for _ in $(seq 1 100); do grep -q open "$T/page.out" && break; sleep 0.1; done
	sleep 2
	b=$(rate)
	kill -TERM "$PAGE" 2>/dev/null; wait "$PAGE" 2>/dev/null || true
	PAGE=
	echo "round $r: without page $a/s, with page $b/s"
	without="$without $a"
	with="$with $b"
done
med() { printf '%s\n' $1 | sort -n | awk '{v[NR]=$1} END {print v[int((NR+1)/2)]}'; }
mw=$(med "$without")
mp=$(med "$with")
echo "activations/s, median of $ROUNDS x ${SECS}s, $MACHINES machines: without page $mw, with page open and live $mp ($(python3 -c "print(f'{$mp/$mw:.3f}')") x)"
