# Shared by the CLI test scripts: sourced, not run.
# Sets A (the actsim binary), T (a temporary directory removed at exit),
# ACTSIM_LAB=$T/lab, and the helpers below. Prints TAP lines.
A=${ACTSIM_BUILD:-build}/actsim
case $A in /*) ;; *) A=$(pwd)/$A ;; esac
T=$(mktemp -d)
trap 'stop_server; rm -rf "$T"' EXIT
export ACTSIM_LAB="$T/lab"
pass=0
fail=0

ok() { pass=$((pass + 1)); echo "ok $((pass + fail)) - $1"; }
not_ok() {
	fail=$((fail + 1))
	echo "not ok $((pass + fail)) - $1"
	echo "#   $2"
}
check() { if eval "$2"; then ok "$1"; else not_ok "$1" "$3"; fi; }

# run CMD...: sets rc, and the files $T/out and $T/err
run() { "$@" >"$T/out" 2>"$T/err"; rc=$?; }
out() { cat "$T/out"; }
err() { cat "$T/err"; }
# expect NAME CODE CMD...: runs and checks the exit status
expect() {
	name=$1 code=$2
	shift 2
	run "$@"
	check "$name (exit $code)" '[ "$rc" = "$code" ]' \
		"exit $rc; stderr: $(err | head -3)"
}
stderr_has() { needle=$2; check "$1" 'grep -qF -- "$needle" "$T/err"' "stderr: $(err | head -3)"; }
stdout_has() { needle=$2; check "$1" 'grep -qF -- "$needle" "$T/out"' "stdout: $(out | head -3)"; }
# json_is NAME PYEXPR: evaluates the Python expression PYEXPR with d = the
# JSON document on stdout
json_is() {
	if python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); sys.exit(0 if eval(sys.argv[2]) else 1)' \
		"$T/out" "$2" 2>"$T/pyerr"; then
		ok "$1"
	else
		not_ok "$1" "stdout: $(out | head -5) $(cat "$T/pyerr")"
	fi
}

# The clearinghouse on the test's lab: start_server [OPTION...] sets
# SRV_PID, URL and PORT once it listens (on a free port); stop_server
# stops it, and the exit trap does too.
SRV_PID=
stop_server() {
	if [ -n "$SRV_PID" ]; then
		kill -TERM "$SRV_PID" 2>/dev/null
		wait "$SRV_PID" 2>/dev/null
		SRV_PID=
	fi
}
start_server() {
	: > "$T/srv.out"
	$A server --listen 127.0.0.1:0 --threads 2 "$@" > "$T/srv.out" 2> "$T/srv.err" &
	SRV_PID=$!
	for _ in $(seq 1 100); do
		grep -q "listening on" "$T/srv.out" && break
		sleep 0.05
	done
	URL=$(sed -n 's/^listening on //p' "$T/srv.out")
	PORT=${URL##*:}
}

# finish: the plan line, the closing count, and the exit status
finish() {
	echo "1..$((pass + fail))"
	echo "$pass passed, $fail failed"
	[ "$fail" -eq 0 ]
}
