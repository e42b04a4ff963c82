#!/usr/bin/env bash
# Starts or stops a throw-away PostgreSQL on loopback for the test suite.
#   scripts/pg.sh start DIR PORT   -> prints the JDBC URL of the superuser database
#   scripts/pg.sh stop DIR
#   scripts/pg.sh crash DIR         -> stops it at once, as a crash would (the fault tests), keeping DIR
#   scripts/pg.sh resume DIR PORT   -> starts the kept cluster again (crash recovery)
# The cluster lives in DIR (created, owned by the postgres user) and trusts loopback connections only.
set -euo pipefail

action=$1
dir=$2
bin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)

as_postgres() {
  if [ "$(id -un)" = postgres ]; then "$@"; else runuser -u postgres -- "$@"; fi
}

start_cluster() {
  as_postgres "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $1 -k $dir -c fsync=off -c max_connections=300" start >/dev/null
}

case "$action" in
  start)
    port=$3
    if [ -f "$dir/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir" -m immediate stop >/dev/null 2>&1 || true
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    chown postgres:postgres "$dir" 2>/dev/null || true
    as_postgres "$bin/initdb" -D "$dir" -U postgres --auth=trust --no-sync -E UTF8 >/dev/null
    start_cluster "$port"
    echo "jdbc:postgresql://127.0.0.1:$port/postgres?user=postgres"
    ;;
  stop)
    if [ -f "$dir/postmaster.pid" ]; then
      as_postgres "$bin/pg_ctl" -D "$dir" -m fast -w stop >/dev/null || true
    fi
    rm -rf "$dir"
    ;;
  crash)
    as_postgres "$bin/pg_ctl" -D "$dir" -m immediate -w stop >/dev/null
    ;;
  resume)
    start_cluster "$3"
    ;;
  *)
    echo "usage: $0 start DIR PORT | stop DIR | crash DIR | resume DIR PORT" >&2
    exit 2
    ;;
esac
