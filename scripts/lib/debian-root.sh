# A fresh Debian 12 (bookworm) root file system for the project's own checks: scripts/fresh-debian.sh
# (the README's build on a new machine) and packaging/test-install.sh (the .debs installed there).
# Sourced, not run. Every function works on one root: ROOT, a folder under $BERTH_DEBIAN_ROOTS.
#
#   debian_root_new ROOT     copies the cached debootstrap base (made once, under a lock) to ROOT,
#                            adds the host's extra CA certificates and apt/npm/Maven mirror
#                            settings, and a policy-rc.d so no package starts a service in it
#   debian_root_mount ROOT   /proc, /sys, /dev (a few nodes), /dev/pts, /dev/shm, /run, resolv.conf
#   debian_root_in ROOT CMD  runs CMD (a bash script) as root inside ROOT with a clean environment
#   debian_root_remove ROOT  ends every process inside ROOT, unmounts everything under it (even
#                            after a failure halfway), then deletes it; refuses to delete while
#                            anything is still mounted there
#
# Reused between runs (safe: nothing from a run goes back into them): the base (a pristine
# debootstrap, rebuilt after 30 days), and Debian's .deb files (apt checks each one's hash).

BERTH_DEBIAN_ROOTS=${BERTH_DEBIAN_ROOTS:-/var/tmp/berth-debian}
BERTH_DEBIAN_SUITE=bookworm
BERTH_DEBIAN_MIRROR=${BERTH_DEBIAN_MIRROR:-http://deb.debian.org/debian}

_debian_arch() { dpkg --print-architecture; }

# The base: `debootstrap bookworm` (required + important packages: a minimal Debian 12 server).
_debian_base() {
  local base="$BERTH_DEBIAN_ROOTS/base-$BERTH_DEBIAN_SUITE-$(_debian_arch)"
  mkdir -p "$BERTH_DEBIAN_ROOTS"
  (
    flock 9
    if [ -f "$base/.complete" ] && [ -z "$(find "$base/.complete" -mtime +30)" ]; then
      exit 0
    fi
    echo "debootstrap $BERTH_DEBIAN_SUITE ($(_debian_arch)) into $base" >&2
    rm -rf "$base.partial" "$base"
    debootstrap --arch="$(_debian_arch)" "$BERTH_DEBIAN_SUITE" "$base.partial" "$BERTH_DEBIAN_MIRROR" \
      >"$BERTH_DEBIAN_ROOTS/debootstrap.log" 2>&1 \
      || { tail -n 20 "$BERTH_DEBIAN_ROOTS/debootstrap.log" >&2; exit 1; }
    # The same sources as a new installation: the release, its updates and security updates.
    cat >"$base.partial/etc/apt/sources.list" <<EOF
deb $BERTH_DEBIAN_MIRROR $BERTH_DEBIAN_SUITE main
deb $BERTH_DEBIAN_MIRROR $BERTH_DEBIAN_SUITE-updates main
deb ${BERTH_DEBIAN_MIRROR%/debian}/debian-security $BERTH_DEBIAN_SUITE-security main
EOF
    rm -f "$base.partial/var/cache/apt/archives/"*.deb
    touch "$base.partial/.complete"
    mv "$base.partial" "$base"
  ) 9>"$BERTH_DEBIAN_ROOTS/base.lock" || return 1
  echo "$base"
}

debian_root_new() {
  local root=$1 base
  base=$(_debian_base) || return 1
  rm -rf "$root"
  cp -a "$base" "$root"
  rm -f "$root/.complete"
  # The host's extra CA certificates, as any machine on this network would have; installed into the
  # trust store by ca-certificates (and into Java's by ca-certificates-java) when they are set up.
  if compgen -G "/usr/local/share/ca-certificates/*" >/dev/null; then
    mkdir -p "$root/usr/local/share/ca-certificates"
    cp -a /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
  fi
  # Mirror settings of apt (its Acquire:: options: proxies, mirrors, checks), npm and Maven, where
  # this machine has them. Nothing else of the host's apt set-up (e.g. a container image's clean-up
  # hooks) is copied.
  local f
  for f in /etc/apt/apt.conf.d/*; do
    [ -e "$root$f" ] || ! grep -q '^[[:space:]]*Acquire' "$f" || cp -a "$f" "$root$f"
  done
  [ -f /etc/npmrc ] && cp -a /etc/npmrc "$root/etc/npmrc"
  [ -f "$HOME/.m2/settings.xml" ] && { mkdir -p "$root/root/.m2"; cp -a "$HOME/.m2/settings.xml" "$root/root/.m2/"; }
  # No service starts inside a chroot: it would bind the host's ports (nginx on 80, PostgreSQL on
  # 5432, BIND on 53). Debian's documented switch for chroots (invoke-rc.d honours it).
  printf '#!/bin/sh\nexit 101\n' >"$root/usr/sbin/policy-rc.d"
  chmod 0755 "$root/usr/sbin/policy-rc.d"
  # Debian's .deb files of earlier runs, hard-linked (apt checks each one's hash before use).
  mkdir -p "$BERTH_DEBIAN_ROOTS/apt-archives"
  find "$BERTH_DEBIAN_ROOTS/apt-archives" -maxdepth 1 -name '*.deb' -exec cp -l -t "$root/var/cache/apt/archives/" {} + 2>/dev/null || true
}

# Keeps the .deb files a run downloaded for the next runs.
_debian_save_debs() {
  local deb
  for deb in "$1"/var/cache/apt/archives/*.deb; do
    [ -e "$deb" ] && [ ! -e "$BERTH_DEBIAN_ROOTS/apt-archives/${deb##*/}" ] \
      && ln "$deb" "$BERTH_DEBIAN_ROOTS/apt-archives/${deb##*/}" 2>/dev/null || true
  done
}

_debian_mounts_under() {
  # Mount points at or under $1, deepest first.
  awk -v r="$1" '$2 == r || index($2, r "/") == 1 { print $2 }' /proc/self/mounts | sort -r
}

debian_root_mount() {
  local root=$1 node
  # ROOT becomes a private mount of its own first, so nothing mounted under it propagates to the
  # host's mounts (on a systemd host / is shared), and the host's /dev is never written through.
  mount --bind "$root" "$root"
  mount --make-private "$root"
  mount -t proc proc "$root/proc"
  mount -t sysfs -o ro sysfs "$root/sys"
  mount -t tmpfs -o mode=0755,nosuid tmpfs "$root/dev"
  for node in null zero full random urandom tty; do
    touch "$root/dev/$node"
    mount --bind "/dev/$node" "$root/dev/$node"
  done
  mkdir -p "$root/dev/pts" "$root/dev/shm"
  mount -t devpts -o newinstance,ptmxmode=0666,mode=0620 devpts "$root/dev/pts"
  ln -s pts/ptmx "$root/dev/ptmx"
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
  mount -t tmpfs -o mode=0755,nosuid,nodev tmpfs "$root/run"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
}

debian_root_in() {
  local root=$1
  shift
  chroot "$root" /usr/bin/env -i HOME=/root TERM=dumb LANG=C.UTF-8 \
    PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    /bin/bash -euo pipefail -c "$*"
}

# Processes whose root directory is ROOT (started inside it).
_debian_root_pids() {
  local root pid link
  root=$(readlink -f "$1")
  for link in /proc/[0-9]*/root; do
    pid=${link#/proc/}
    pid=${pid%/root}
    [ "$(readlink "$link" 2>/dev/null)" = "$root" ] && echo "$pid"
  done
  return 0
}

debian_root_remove() {
  local root=$1 pids mount_point
  [ -d "$root" ] || return 0
  pids=$(_debian_root_pids "$root")
  if [ -n "$pids" ]; then
    # shellcheck disable=SC2086
    kill -TERM $pids 2>/dev/null || true
    sleep 2
    pids=$(_debian_root_pids "$root")
    # shellcheck disable=SC2086
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    sleep 0.5
  fi
  for mount_point in $(_debian_mounts_under "$(readlink -f "$root")"); do
    umount "$mount_point" 2>/dev/null || umount -l "$mount_point" || true
  done
  if [ -n "$(_debian_mounts_under "$(readlink -f "$root")")" ]; then
    echo "debian_root_remove: still mounted under $root, not deleting it:" >&2
    _debian_mounts_under "$(readlink -f "$root")" >&2
    return 1
  fi
  _debian_save_debs "$root"
  rm -rf --one-file-system "$root"
}
