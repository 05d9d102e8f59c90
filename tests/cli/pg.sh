# A throwaway PostgreSQL cluster for the tests: sourced after lib.sh, not
# run. pg_start makes one in $T/pg (initdb, then postgres on a free port
# of 127.0.0.1 and a socket in the same folder) and sets PGURL to a
# database in it; pg_stop stops it (pg_start arranges that for exit).
# PostgreSQL refuses to run as root, so under root the cluster runs as the
# unprivileged user nobody.
PGBIN=$(pg_config --bindir 2>/dev/null)
[ -x "$PGBIN/initdb" ] || PGBIN=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
PGDIR=
PGPORT=
PGURL=
PG_ON_EXIT=: # more to stop at exit, before the cluster

pg_as() {
	if [ "$(id -u)" = 0 ]; then
		setpriv --reuid=nobody --regid=nogroup --clear-groups -- "$@"
	else
		"$@"
	fi
}

free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# pg_start: 0 when the cluster answers, else 1 with the log on stderr
pg_start() {
	PGDIR="$T/pg"
	mkdir -p "$PGDIR"
	if [ "$(id -u)" = 0 ]; then
		chmod 755 "$T"
		chown nobody:nogroup "$PGDIR"
	fi
	pg_as "$PGBIN/initdb" -D "$PGDIR/data" -U actsim -A trust \
		--no-sync --locale=C -E UTF8 >"$PGDIR/initdb.log" 2>&1 || {
		cat "$PGDIR/initdb.log" >&2
		return 1
	}
	trap '$PG_ON_EXIT; pg_stop; rm -rf "$T"' EXIT
	pg_up || return 1
	PGURL="postgresql://actsim@127.0.0.1:$PGPORT/actsim"
	pg_as "$PGBIN/createdb" -h "$PGDIR" -p "$PGPORT" -U actsim actsim
}

# pg_up: starts the cluster (again), on the same port once chosen
pg_up() {
	[ -n "$PGPORT" ] || PGPORT=$(free_port)
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -l "$PGDIR/server.log" -w \
		-t 60 -o "-p $PGPORT -k $PGDIR -c listen_addresses=127.0.0.1 -c max_connections=200 -c fsync=on" \
		start >"$PGDIR/pg_ctl.log" 2>&1 || {
		cat "$PGDIR/pg_ctl.log" "$PGDIR/server.log" >&2
		return 1
	}
}

# pg_down [MODE]: stops it (fast by default; immediate = a crash)
pg_down() {
	pg_as "$PGBIN/pg_ctl" -D "$PGDIR/data" -m "${1:-fast}" -w stop \
		>>"$PGDIR/pg_ctl.log" 2>&1
}

pg_stop() {
	if [ -n "$PGDIR" ] && [ -f "$PGDIR/data/postmaster.pid" ]; then
		pg_down immediate
	fi
}

# pg_sql SQL: runs SQL in the test database, unaligned output
pg_sql() {
	pg_as "$PGBIN/psql" -X -q -A -t -h "$PGDIR" -p "$PGPORT" -U actsim \
		-d actsim -c "$1"
}
