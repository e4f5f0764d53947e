# shellcheck shell=bash
# Start a throw-away PostgreSQL server (Debian's package) on loopback for the ledger tests, and
# stop it when the calling script exits. Sets PREPAID_UTILITY_PG_URL.
# Runs as the "postgres" user when we are root, because the server refuses to run as root.

pu_pg_bindir() {
    local dir
    for dir in /usr/lib/postgresql/*/bin; do
        [ -x "$dir/pg_ctl" ] && { echo "$dir"; return 0; }
    done
    command -v pg_ctl >/dev/null 2>&1 && { dirname "$(command -v pg_ctl)"; return 0; }
    return 1
}

pu_pg_start() {
    local bindir port run_as=()
    bindir="$(pu_pg_bindir)" || { pu_log "PostgreSQL not found: ledger tests on PostgreSQL will be skipped"; return 0; }
    PU_PG_DIR="$(mktemp -d /tmp/prepaid_pg.XXXXXX)"
    if [ "$(id -u)" = 0 ]; then
        chown postgres: "$PU_PG_DIR"
        run_as=(runuser -u postgres --)
    fi
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    "${run_as[@]}" "$bindir/initdb" -D "$PU_PG_DIR/data" -U prepaid --auth=trust -E UTF8 >"$PU_PG_DIR/initdb.log" 2>&1 \
        || { cat "$PU_PG_DIR/initdb.log"; return 1; }
    "${run_as[@]}" "$bindir/pg_ctl" -D "$PU_PG_DIR/data" -l "$PU_PG_DIR/server.log" -w \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $PU_PG_DIR -c fsync=on -c max_connections=200" start >/dev/null \
        || { cat "$PU_PG_DIR/server.log"; return 1; }
    "${run_as[@]}" "$bindir/createdb" -h 127.0.0.1 -p "$port" -U prepaid prepaid_test
    export PREPAID_UTILITY_PG_URL="postgresql+psycopg://prepaid@127.0.0.1:$port/prepaid_test"
    PU_PG_CTL=("${run_as[@]}" "$bindir/pg_ctl" -D "$PU_PG_DIR/data" -m fast stop)
    trap pu_pg_stop EXIT
    pu_log "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
}

pu_pg_stop() {
    if [ -n "${PU_PG_DIR:-}" ]; then
        "${PU_PG_CTL[@]}" >/dev/null 2>&1 || true
        rm -rf "$PU_PG_DIR"
        PU_PG_DIR=""
    fi
}
