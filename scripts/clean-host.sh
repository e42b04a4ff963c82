#!/usr/bin/env bash
# Undoes `make run` on this machine (`make clean-host`), after Ctrl-C has stopped it: the sites'
# containers, network namespaces, bridges, nft table and cgroups of make run's hostd, its own nginx,
# and the data of both processes (hostd's BERTH_HOSTD_DATA and BERTH_HOSTD_RUN, the API's
# BERTH_DATA: the database, so the next make run starts empty). Reads the same environment as
# scripts/run.sh, so a run with other names is cleaned with the same variables. Refuses while that
# run's hostd or API is alive. Root only.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/host-teardown.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "make clean-host removes make run's host objects and needs root." >&2
  exit 1
fi

data=${BERTH_DATA:-$PWD/data}
hostd_data=${BERTH_HOSTD_DATA:-/var/lib/berth-hostd}
hostd_run=${BERTH_HOSTD_RUN:-/run/berth-hostd}
for dir in "$data" "$hostd_data" "$hostd_run"; do
  case "$(readlink -m "$dir")" in
    / | /root | /home | /var | /var/lib | /run | /tmp | /usr* | /etc*) echo "refusing to delete $dir" >&2; exit 1 ;;
  esac
done
for pid_file in "$data/hostd.pid" "$data/api.pid"; do
  if [ -s "$pid_file" ] && kill -0 "$(cat "$pid_file")" 2>/dev/null; then
    echo "make run is still running (pid $(cat "$pid_file") in $pid_file): stop it with Ctrl-C first." >&2
    exit 1
  fi
done

berth_host_teardown "${BERTH_HOSTD_PREFIX:-berth}" "$hostd_run/runc" "${BERTH_HOSTD_CGROUP_ROOT:-berth}" \
  "$hostd_data/nginx/run/nginx.pid"
rm -rf "$hostd_data" "$hostd_run" "$data"
[ -n "${BERTH_HOSTD_SOCKET:-}" ] && rm -f "$BERTH_HOSTD_SOCKET"
echo "Removed make run's sites, network, cgroups, nginx and data ($data, $hostd_data, $hostd_run)."
