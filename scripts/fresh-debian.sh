#!/usr/bin/env bash
# The README's build on a fresh Debian 12, as a new operator would run it: a debootstrapped bookworm
# root (scripts/lib/debian-root.sh) with nothing but Debian's packages and the registries, the
# committed HEAD copied in with `git archive` (what a clone gives), then inside it, as root:
#   apt-get install make        (the README's one prerequisite)
#   make build                  (= what make run and make test do up to the build: scripts/deps.sh,
#                                then mvn package; the portal with the node scripts/node.sh picks)
#   mvn -pl portal verify -Pe2e (the portal's Vitest tests and its Chromium e2e on that node)
# Prints PASS or FAIL with the duration, writes it to target/fresh-debian/result.txt, exits 0 on
# PASS. The root is always unmounted and deleted (--keep keeps it on failure, for a look inside).
#
# Root only (debootstrap, chroot, mounts). Takes 15-20 min (every Maven and npm dependency from
# scratch; Debian's .debs are kept between runs), so it is its own job, `make fresh-debian`, not
# part of `make test`.
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/debian-root.sh

keep_on_failure=false
portal_tests=true
for arg in "$@"; do
  case "$arg" in
    --keep) keep_on_failure=true ;;
    --build-only) portal_tests=false ;;
    *) echo "usage: $0 [--keep] [--build-only]" >&2; exit 2 ;;
  esac
done

if [ "$(id -u)" -ne 0 ]; then
  echo "scripts/fresh-debian.sh needs root (debootstrap, chroot, mounts)." >&2
  exit 1
fi
command -v debootstrap >/dev/null || scripts/deps.sh debootstrap

out=target/fresh-debian
mkdir -p "$out"
log="$PWD/$out/build.log"
: >"$log"
root="$BERTH_DEBIAN_ROOTS/fresh-$(date +%Y%m%d-%H%M%S)-$$"
started=$(date +%s)
commit=$(git rev-parse --short HEAD)
outcome=FAIL
keep=false

finish() {
  local status=$? seconds
  seconds=$(( $(date +%s) - started ))
  if [ "$outcome" = PASS ] || [ "$keep" = false ]; then
    debian_root_remove "$root" || status=1
  else
    echo "Kept $root (mounts removed) for a look inside." >&2
    for mp in $(_debian_mounts_under "$(readlink -f "$root")"); do umount "$mp" 2>/dev/null || umount -l "$mp"; done
  fi
  local line
  line="$(date -u +%Y-%m-%dT%H:%MZ) $outcome in $((seconds / 60)) min $((seconds % 60)) s: fresh Debian 12 ($(_debian_arch)), commit $commit, make build$([ "$portal_tests" = true ] && echo ' + portal Vitest and Chromium e2e')"
  echo "$line" | tee "$out/result.txt"
  [ "$outcome" = PASS ] || echo "Log: $log" >&2
  exit "$status"
}
trap finish EXIT
trap 'exit 130' INT TERM

echo "Fresh Debian 12 root: $root (log: $log)"
debian_root_new "$root"
debian_root_mount "$root"
mkdir -p "$root/src/berth"
git archive --format=tar HEAD | tar -x -C "$root/src/berth"
[ "$keep_on_failure" = true ] && keep=true

steps='
cd /src/berth
export DEBIAN_FRONTEND=noninteractive
echo "== node, npm, java before: $(command -v node || echo none) $(command -v npm || echo none) $(command -v java || echo none)"
apt-get update -qq
apt-get install -y -qq --no-install-recommends make >/dev/null
echo "== make build"
make build
echo "== node used: $(PATH=$PWD/.build-tools/node/bin:$PATH node --version) (machine: $(/usr/bin/node --version))"
'
if [ "$portal_tests" = true ]; then
  steps+='
echo "== portal: Vitest and the Chromium e2e (without hostd: no host objects from a chroot)"
PATH=$PWD/.build-tools/node/bin:$PATH BERTH_E2E_HOSTD=0 mvn -B -Dstyle.color=never -pl portal verify -Pe2e
'
fi

if debian_root_in "$root" "$steps" >>"$log" 2>&1; then
  outcome=PASS
else
  tail -n 40 "$log" >&2
fi
[ "$outcome" = PASS ]
