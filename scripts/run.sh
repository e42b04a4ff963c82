#!/usr/bin/env bash
# Starts Berth for development:
#   - berth-hostd (root): containers, bridge berth0, cgroups, its own nginx on port 80, so a site
#     answers at http://NAME.localhost/;
#   - berth-api: the API and portal on http://localhost:8080 (H2 in ./data), driving hostd over
#     its Unix socket.
# The first platform admin comes from BERTH_ADMIN_EMAIL / BERTH_ADMIN_PASSWORD, or is generated
# and printed once. hostd is supervised: if it dies it is started again (with a backoff). Ctrl-C
# stops both processes; site containers and hostd's nginx keep running and are re-attached at the
# next start. Their pids are in $BERTH_DATA/hostd.pid and api.pid while they run. Ports and host
# object names come from the environment (config/dev.yml, hostd/config/hostd-dev.yml).
set -euo pipefail
cd "$(dirname "$0")/.."

if [ "$(id -u)" -ne 0 ]; then
  echo "make run starts berth-hostd, which needs root (containers, network, cgroups)." >&2
  exit 1
fi

export BERTH_DATA=${BERTH_DATA:-$PWD/data}
export BERTH_HOSTD_DATA=${BERTH_HOSTD_DATA:-/var/lib/berth-hostd}
export BERTH_HOSTD_RUN=${BERTH_HOSTD_RUN:-/run/berth-hostd}
# A directory of its own (hostd makes it 0750): not the run directory, which holds bundles and runc state.
export BERTH_HOSTD_SOCKET=${BERTH_HOSTD_SOCKET:-$BERTH_HOSTD_RUN/api/hostd.sock}
mkdir -p "$BERTH_DATA"

hostd_jar=hostd/target/berth-hostd-0.1.0-SNAPSHOT-all.jar
api_jar=api/target/berth-api-0.1.0-SNAPSHOT-all.jar

# BERTH_HOSTD_CONFIG=hostd/config/hostd-tls-example.yml turns on DNS (rfc2136) and HTTPS (ACME);
# see docs/operations.md. With hostd-dev.yml alone sites answer at http://NAME.localhost/.
hostd_config=${BERTH_HOSTD_CONFIG:-hostd/config/hostd-dev.yml}
hostd_pid=""
api_pid=""

start_hostd() {
  java @config/jvm/hostd.options -jar "$hostd_jar" server "$hostd_config" >>"$BERTH_DATA/hostd.log" 2>&1 &
  hostd_pid=$!
  hostd_started=$SECONDS
  echo "$hostd_pid" >"$BERTH_DATA/hostd.pid"
}

stop() {
  trap '' INT TERM
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
  [ -n "$hostd_pid" ] && kill "$hostd_pid" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -f "$BERTH_DATA/hostd.pid" "$BERTH_DATA/api.pid"
}
trap stop EXIT
trap 'echo "Berth: stopping"; exit 0' INT TERM

: >"$BERTH_DATA/hostd.log"
start_hostd
for _ in $(seq 1 120); do
  [ -S "$BERTH_HOSTD_SOCKET" ] && break
  if ! kill -0 "$hostd_pid" 2>/dev/null; then
    echo "berth-hostd did not start; its log:" >&2
    tail -n 40 "$BERTH_DATA/hostd.log" >&2
    exit 1
  fi
  sleep 0.25
done
echo "Berth: hostd ($hostd_config) on $BERTH_HOSTD_SOCKET (log: $BERTH_DATA/hostd.log); sites at ${BERTH_SITE_URL_SCHEME:-http}://NAME.${BERTH_DOMAIN:-localhost}/"
echo "Berth: API and portal on http://localhost:${BERTH_PORT:-8080}/ (data in $BERTH_DATA)"

java @config/jvm/api.options -jar "$api_jar" server config/dev.yml &
api_pid=$!
echo "$api_pid" >"$BERTH_DATA/api.pid"

# Supervise like systemd's Restart=always for hostd: a hostd that dies (crash, kill -9) is started
# again after a backoff of 1 s, doubling up to 30 s, back to 1 s once it has run for 30 s; its sites
# keep serving meanwhile and it re-attaches them. The API ending ends the run (its exit status).
backoff=1
while :; do
  wait -n "$api_pid" "$hostd_pid" && status=0 || status=$?
  if ! kill -0 "$api_pid" 2>/dev/null; then
    wait "$api_pid" && status=0 || status=$?
    api_pid=""
    echo "Berth: the API exited (status $status); stopping" >&2
    exit "$status"
  fi
  if ! kill -0 "$hostd_pid" 2>/dev/null; then
    [ $((SECONDS - hostd_started)) -ge 30 ] && backoff=1
    echo "Berth: hostd exited (status $status); restarting it in ${backoff} s (log: $BERTH_DATA/hostd.log)" >&2
    sleep "$backoff"
    backoff=$((backoff * 2 > 30 ? 30 : backoff * 2))
    start_hostd
  fi
done
