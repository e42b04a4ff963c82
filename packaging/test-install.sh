#!/usr/bin/env bash
# The packages on a fresh Debian 12: installs berth-api and berth-hostd (built by packaging/build.sh
# from the jars of `make build`) into a debootstrapped bookworm root (scripts/lib/debian-root.sh)
# with apt, and checks:
#   - files, conffiles, the user and group berth, modes of the data directories and the env file,
#     nginx's default site handed over, the units enabled and accepted by `systemd-analyze verify`;
#   - both processes started as their units say (ExecStart as the unit's User, no systemd in a
#     chroot) in a network namespace of the test's own (so the system nginx's port 80, the API's
#     8080/8081 and hostd's bridge and nft table are the test's alone): the system nginx serves
#     Berth's unknown-host page from hostd's include directory, hostd's socket answers the group
#     berth and refuses others, the API answers /api/v1/health and, as its admin, reaches hostd;
#   - an upgrade keeps an edited conffile, the data and the generated password; remove keeps the
#     data; purge deletes data and configuration and gives nginx its default site back.
# Prints "N passed, N failed"; the root, its mounts and the cgroups of the run are always removed.
# Root only. `make package-test`; about 3 min once Debian's .debs are cached (see README.md).
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/debian-root.sh

if [ "$(id -u)" -ne 0 ]; then
  echo "packaging/test-install.sh needs root (debootstrap, chroot, mounts, namespaces)." >&2
  exit 1
fi
command -v debootstrap >/dev/null || scripts/deps.sh debootstrap

run=bi$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
root="$BERTH_DEBIAN_ROOTS/install-$run"
debs="target/packages-test-$run"
log=target/package-test.log
mkdir -p target
: >"$log"

cleanup() {
  debian_root_remove "$root" || true
  local hierarchy
  for hierarchy in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -d "$hierarchy/$run" ] && find "$hierarchy/$run" -depth -type d -exec rmdir {} + 2>/dev/null || true
  done
  rm -rf "$debs"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# Two builds of the same tree: the second one is the upgrade.
packaging/build.sh --version 0.1.0~test1 --out "$debs/1" >/dev/null
packaging/build.sh --version 0.1.0~test2 --out "$debs/2" >/dev/null

echo "Debian 12 root for the package test: $root (log: $log)"
debian_root_new "$root"
debian_root_mount "$root"
mkdir -p "$root/tmp/debs"
cp -r "$debs/1" "$debs/2" "$root/tmp/debs/"
cp packaging/test-install-checks.sh "$root/tmp/checks.sh"

in_root() { debian_root_in "$root" "$@" >>"$log" 2>&1; }
# In a network namespace of the run's own: nothing it starts or deletes touches the host's network.
in_root_isolated() {
  unshare --net chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 RUN="$run" \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash /tmp/checks.sh "$@" >>"$log" 2>&1
}

status=0
# apt resolves the Depends from Debian's archive, as on a real machine (the one step with network);
# curl is the checks' client.
in_root 'export DEBIAN_FRONTEND=noninteractive; apt-get update -qq;
  apt-get install -y -q /tmp/debs/1/berth-api_*.deb /tmp/debs/1/berth-hostd_*.deb /tmp/debs/1/berth-cli_*.deb;
  apt-get install -y -q --no-install-recommends curl' || status=$?
if [ "$status" -eq 0 ]; then
  # hostd needs the cgroup hierarchies; its cgroup root is named after the run (removed above).
  mount --rbind /sys/fs/cgroup "$root/sys/fs/cgroup"
  mount --make-rslave "$root/sys/fs/cgroup"
  in_root_isolated installed || status=$?
  # The purge below must not see the host's cgroups (it removes the packaged root `berth`).
  umount -R "$root/sys/fs/cgroup" || umount -l "$root/sys/fs/cgroup"
  in_root_isolated lifecycle || status=$?
fi
grep -E '^(ok|FAIL|not ok)' "$log" || true
passed=$(grep -c '^ok ' "$log" || true)
failed=$(grep -c '^FAIL ' "$log" || true)
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || { failed=1; echo "FAIL the install or a check script stopped (exit $status): tail of $log"; tail -n 30 "$log"; }
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
