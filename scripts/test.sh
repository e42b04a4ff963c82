#!/usr/bin/env bash
# The whole test suite: unit, resource, DAO (H2 and PostgreSQL), host integration and end-to-end.
# Starts a throw-away PostgreSQL on a free loopback port and always stops it, even on failure.
set -euo pipefail
cd "$(dirname "$0")/.."

run_id="berth-test-$$-$(date +%s)"
pg_dir="/tmp/$run_id-pg"
free_port() {
  local port
  while :; do
    port=$((20000 + RANDOM % 40000))
    if ! ss -Hltn "sport = :$port" | grep -q .; then
      echo "$port"
      return
    fi
  done
}
pg_port=$(free_port)

cleanup() {
  scripts/pg.sh stop "$pg_dir" || true
}
trap cleanup EXIT INT TERM

BERTH_TEST_PG_URL=$(scripts/pg.sh start "$pg_dir" "$pg_port")
export BERTH_TEST_PG_URL
echo "PostgreSQL for the tests: $BERTH_TEST_PG_URL"

# Host integration tests (real runc, CNI, cgroups, nginx) need root: in CI they must run, not skip.
export BERTH_REQUIRE_HOST_TESTS=1

mvn -B -Dstyle.color=never -Dberth.requirePostgres=true verify

# The portal's flows in real headless Chromium against the API jar built above. Its component
# tests (Vitest) ran in the verify above: -DskipTests skips them here, -DskipITs=false keeps the flows.
mvn -B -Dstyle.color=never -pl portal verify -Pe2e -DskipTests -DskipITs=false

# make run's supervision: a hostd killed with SIGKILL is restarted with a backoff, Ctrl-C stops
# both processes (its own network namespace, ports and names; about a minute).
scripts/test-run.sh
