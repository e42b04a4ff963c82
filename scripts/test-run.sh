#!/usr/bin/env bash
# The test of `make run`'s supervision (scripts/run.sh), run by scripts/test.sh after the build:
#   - scripts/run.sh starts the real hostd and API (jars from the build);
#   - hostd killed with SIGKILL is started again (a new pid, its socket answers) after 1 s, a second
#     kill right after that after 2 s (the backoff), while the API keeps running (same pid);
#   - Ctrl-C (SIGINT to run.sh's process group, as a terminal sends it) stops both, and run.sh exits.
# Isolation: everything runs in a network namespace of the test's own (its loopback, hostd's bridge
# and nft table die with it), on non-default ports, with the run's own data, run and socket
# directories and cgroup root `PREFIX` (removed afterwards); no port of the host is bound.
#   - a site created through the API keeps serving through hostd's nginx while hostd is down and
#     after Ctrl-C, and `make clean-host` (scripts/clean-host.sh) then removes all of it.
# Root only. Prints "N passed, N failed".
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/host-teardown.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/test-run.sh needs root (it starts hostd)." >&2
  exit 1
fi
if [ -z "${BERTH_RUN_TEST_NETNS:-}" ]; then
  exec unshare --net env BERTH_RUN_TEST_NETNS=1 "$0" "$@"
fi
ip link set lo up

prefix=br$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
tmp=$(mktemp -d "/tmp/berth-run-test-$prefix-XXXX")
chmod 0755 "$tmp"
export BERTH_DATA=$tmp/data BERTH_HOSTD_DATA=$tmp/hostd BERTH_HOSTD_RUN=$tmp/run \
  BERTH_HOSTD_SOCKET=$tmp/socket/hostd.sock BERTH_HOSTD_PREFIX=$prefix BERTH_HOSTD_BRIDGE=$prefix \
  BERTH_HOSTD_CGROUP_ROOT=$prefix BERTH_PORT=18080 BERTH_ADMIN_PORT=18081 \
  BERTH_PROXY_LISTEN_V4=127.0.0.1:18088 BERTH_PROXY_LISTEN_V6='[::1]:18088' \
  BERTH_ADMIN_PASSWORD=run-test-admin-password
out=$tmp/run.out
passed=0
failed=0
check() {
  local name=$1
  shift
  if "$@"; then echo "ok $name"; passed=$((passed + 1)); else echo "FAIL $name"; failed=$((failed + 1)); fi
}
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq 1 $((seconds * 10))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  return 1
}
alive() { kill -0 "$1" 2>/dev/null; }
hostd_answers() { curl -sf --unix-socket "$BERTH_HOSTD_SOCKET" http://hostd/v1/host >/dev/null; }
api_answers() { curl -sf "http://127.0.0.1:$BERTH_PORT/api/v1/health" >/dev/null; }
new_hostd_pid() { [ -s "$BERTH_DATA/hostd.pid" ] && [ "$(cat "$BERTH_DATA/hostd.pid")" != "$1" ] && alive "$(cat "$BERTH_DATA/hostd.pid")"; }

run_pid=""
cleanup() {
  [ -n "$run_pid" ] && kill -KILL -- "-$run_pid" 2>/dev/null || true
  local pid
  for pid in $(cat "$BERTH_DATA/hostd.pid" "$BERTH_DATA/api.pid" 2>/dev/null); do
    kill -KILL "$pid" 2>/dev/null || true
  done
  # Whatever the run left (a failed check, an interrupted run): its containers, netns, cgroups,
  # hostd's nginx (asked to quit, so its workers go too).
  berth_host_teardown "$prefix" "$BERTH_HOSTD_RUN/runc" "$prefix" "$BERTH_HOSTD_DATA/nginx/run/nginx.pid" >/dev/null 2>&1 || true
  # Then no process may stay in the test's own network namespace (a worker of a killed nginx would).
  sleep 1
  local own_netns
  own_netns=$(readlink /proc/$$/ns/net)
  for pid in $(ls /proc | grep -E '^[0-9]+$'); do
    [ "$pid" != $$ ] && [ "$pid" != "$BASHPID" ] && [ "$(readlink "/proc/$pid/ns/net" 2>/dev/null)" = "$own_netns" ] \
      && kill -KILL "$pid" 2>/dev/null || true
  done
  [ "$failed" -eq 0 ] || { echo "run.sh's output:"; cat "$out"; echo "hostd's log (tail):"; tail -n 20 "$BERTH_DATA/hostd.log"; } 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

# As from a terminal: its own process group, SIGINT not ignored (an asynchronous command of a
# script would otherwise start with SIGINT ignored, which a trap cannot undo).
setsid perl -e '$SIG{INT} = "DEFAULT"; exec @ARGV or die $!' scripts/run.sh >"$out" 2>&1 &
run_pid=$!

check "run.sh starts hostd and the API" wait_for 180 api_answers
check "hostd answers on its socket" hostd_answers

B=http://127.0.0.1:$BERTH_PORT/api/v1
curl -sf -X POST "$B/signup" -H 'Content-Type: application/json' \
  -d '{"email":"run@example.test","password":"correct horse battery","tenantName":"runtest"}' >/dev/null || true
token=$(curl -sf -X POST "$B/auth/login" -H 'Content-Type: application/json' \
  -d '{"email":"run@example.test","password":"correct horse battery"}' | sed 's/.*"accessToken":"\([^"]*\)".*/\1/')
curl -sf -X POST "$B/sites" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' -d '{"name":"runtest"}' >/dev/null || true
site_running() { curl -sf "$B/sites/runtest" -H "Authorization: Bearer $token" | grep -q '"observedState":"running"'; }
site_serves() {
  [ "$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: runtest.localhost' "http://$BERTH_PROXY_LISTEN_V4/")" = 200 ]
}
check "a site created through the API runs" wait_for 90 site_running
check "the site answers through hostd's nginx" wait_for 30 site_serves
first_hostd=$(cat "$BERTH_DATA/hostd.pid")
api=$(cat "$BERTH_DATA/api.pid")

kill -KILL "$first_hostd"
killed_at=$(date +%s%N)
check "the site keeps serving while hostd is down" site_serves
check "a hostd killed with SIGKILL is started again" wait_for 30 new_hostd_pid "$first_hostd"
first_gap=$((($(date +%s%N) - killed_at) / 1000000))
check "its socket answers again" wait_for 60 hostd_answers
second_hostd=$(cat "$BERTH_DATA/hostd.pid")
kill -KILL "$second_hostd"
killed_at=$(date +%s%N)
wait_for 30 new_hostd_pid "$second_hostd" || true
second_gap=$((($(date +%s%N) - killed_at) / 1000000))
echo "restart after the first kill: $first_gap ms, after the second: $second_gap ms"
backed_off() {
  [ "$first_gap" -ge 1000 ] && [ "$second_gap" -ge 2000 ] \
    && grep -q 'restarting it in 1 s' "$out" && grep -q 'restarting it in 2 s' "$out"
}
check "the restarts back off (1 s, then 2 s)" backed_off
check "the API kept running meanwhile" alive "$api"
check "the API still answers" api_answers

final_hostd=$(cat "$BERTH_DATA/hostd.pid")
kill -INT -- "-$run_pid"
stopped() { ! alive "$run_pid"; }
check "Ctrl-C ends run.sh" wait_for 60 stopped
check "Ctrl-C stopped hostd and the API" bash -c "! kill -0 $final_hostd 2>/dev/null && ! kill -0 $api 2>/dev/null"
check "no hostd was started after Ctrl-C" bash -c "[ ! -e '$BERTH_DATA/hostd.pid' ] && ! grep -q 'exited' <(tail -n 1 '$out')"
run_pid=""
check "the site still serves after Ctrl-C (its container and nginx outlive make run)" site_serves

scripts/clean-host.sh
host_clean() {
  local hierarchy
  [ -z "$(runc --root "$BERTH_HOSTD_RUN/runc" list -q 2>/dev/null)" ] || { echo "containers left"; return 1; }
  ! compgen -G "/run/netns/$prefix-*" >/dev/null || { echo "netns left"; return 1; }
  ! ip link show dev "$prefix" >/dev/null 2>&1 || { echo "bridge left"; return 1; }
  ! nft list table inet "${prefix}_guard" >/dev/null 2>&1 || { echo "nft table left"; return 1; }
  for hierarchy in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ ! -d "$hierarchy/$prefix" ] || { echo "cgroup $hierarchy/$prefix left"; return 1; }
  done
  ! site_serves || { echo "the site still answers"; return 1; }
  [ ! -e "$BERTH_HOSTD_DATA" ] && [ ! -e "$BERTH_DATA" ] || { echo "data left"; return 1; }
}
wait_for 10 host_clean || true
check "make clean-host removes the site's container, netns, bridge, nft table, cgroups, nginx and data" host_clean

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
