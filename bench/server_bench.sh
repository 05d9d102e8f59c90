#!/bin/sh
# Clearinghouse throughput: activations per second over TLS with
# keep-alive, and p50/p99 latency, beside nginx serving a static 200 over
# TLS with the same certificate and the same load tool (wrk), in the same
# run. Every activation is durable: each writes a decision row and is
# committed (fsync) before its 200 is sent.
# usage: bench/server_bench.sh BUILD_DIR [SECONDS] [CONNECTIONS]
set -eu
BUILD=${1:-build}
SECS=${2:-5}
CONNS=${3:-32}
A=$(cd "$BUILD" && pwd)/actsim
T=$(mktemp -d)
SRV=
NGX=
cleanup() {
	[ -n "$SRV" ] && kill -TERM "$SRV" 2>/dev/null && wait "$SRV" 2>/dev/null
	[ -n "$NGX" ] && kill -QUIT "$NGX" 2>/dev/null && wait "$NGX" 2>/dev/null
	rm -rf "$T"
}
trap cleanup EXIT
export ACTSIM_LAB="$T/lab"
"$A" lab init --seed 0 >/dev/null
K=$("$A" key gen --sku standard --channel retail --platform x86)
"$A" machine create b1 --key "$K" --hw "$(dirname "$0")/../fixtures/hardware/pe2850.json" >/dev/null
IID=$("$A" machine iid b1)

"$A" server --listen 127.0.0.1:0 ${THREADS:+--threads $THREADS} > "$T/srv.out" 2>"$T/srv.err" &
SRV=$!
for _ in $(seq 1 100); do grep -q listening "$T/srv.out" && break; sleep 0.05; done
URL=$(sed -n 's/^listening on //p' "$T/srv.out")

cat > "$T/post.lua" <<LUA
wrk.method = "POST"
wrk.body = '{"installation_id":"$IID"}'
wrk.headers["Content-Type"] = "application/json"
LUA

PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$T/nginx"
cat > "$T/nginx.conf" <<NGINX
worker_processes 2;
pid $T/nginx/nginx.pid;
error_log $T/nginx/error.log;
events { worker_connections 1024; }
http {
	access_log off;
	client_body_temp_path $T/nginx;
	proxy_temp_path $T/nginx;
	fastcgi_temp_path $T/nginx;
	uwsgi_temp_path $T/nginx;
	scgi_temp_path $T/nginx;
	server {
		listen 127.0.0.1:$PORT ssl;
		ssl_certificate $ACTSIM_LAB/tls/server.pem;
		ssl_certificate_key $ACTSIM_LAB/tls/server-key.pem;
		ssl_protocols TLSv1.2 TLSv1.3;
		keepalive_requests 1000000;
		location / { return 200 '{"status":"ok"}'; }
	}
}
NGINX
nginx -c "$T/nginx.conf" -g 'daemon off;' &
NGX=$!
sleep 0.5

run() {
	wrk -t2 -c"$CONNS" -d"${SECS}s" --latency "$@" 2>&1
}
# rate p50 p99 from wrk's output
summary() {
	python3 -c '
import re, sys
t = sys.stdin.read()
rate = float(re.search(r"Requests/sec:\s+([\d.]+)", t).group(1))
def ms(p):
    m = re.search(r"\s" + p + r"%\s+([\d.]+)(us|ms|s)", t)
    v, u = float(m.group(1)), m.group(2)
    return v / 1000 if u == "us" else v * 1000 if u == "s" else v
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", t)
print("%.0f %.2f %.2f %s" % (rate, ms("50"), ms("99"), non2xx.group(1) if non2xx else "0"))
'
}
run -s "$T/post.lua" "$URL/v1/activations" | summary > "$T/act"
run "https://127.0.0.1:$PORT/" | summary > "$T/ngx"
# The framework's own ceiling: a 404 from the route table, no database.
run "$URL/no-such-route" | summary > "$T/404"
read -r ar ap50 ap99 abad < "$T/act"
read -r nr np50 np99 nbad < "$T/ngx"
read -r fr fp50 fp99 fbad < "$T/404"
rows=$(sqlite3 "$ACTSIM_LAB/lab.db" 'select count(*) from activations' 2>/dev/null || echo "?")
echo "activations over TLS: $ar/s  p50 ${ap50} ms  p99 ${ap99} ms  (non-200: $abad)"
echo "nginx static 200:     $nr/s  p50 ${np50} ms  p99 ${np99} ms  (non-200: $nbad)"
echo "actsim 404 (no DB):   $fr/s  p50 ${fp50} ms  p99 ${fp99} ms"
echo "ratio activations/nginx: $(python3 -c "print('%.2f' % ($ar / $nr))")  (target >= 0.5)"
echo "decisions recorded (each committed before its 200): $rows"
