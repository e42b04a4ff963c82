#!/usr/bin/env bash
# Installs the Debian packages Berth needs to build, run and test, if any is missing.
# Safe to run repeatedly: it does nothing when everything is present. Arguments name extra packages.
set -euo pipefail

packages=(
  openjdk-17-jdk-headless maven          # build
  postgresql                             # production database and the PostgreSQL test runs
  runc containernetworking-plugins       # containers and their network (hostd)
  lighttpd                               # the web server inside every site container (static files only)
  busybox-static                         # host-side tooling of the e2e benchmarks and the portal's e2e check
  gcc libc6-dev                          # the host tests' in-container probe (gcc -static)
  nginx-light                            # the reverse proxy (hostd)
  libnginx-mod-http-lua                  # its route table (hostd/README.md, "Proxy")
  libnginx-mod-http-brotli-filter        # Brotli compression of the sites' text answers (gzip is nginx's own)
  brotli                                 # the Brotli copies of a release's text files, made once after install
  iproute2 nftables util-linux procps curl  # host plumbing, the sites' input guard, the README tour
  chromium                               # the portal's end-to-end tests (driven by playwright-core)
  bind9 bind9-dnsutils pebble            # DNS (RFC 2136) and an ACME test CA for the DNS/TLS host tests
  python3-prometheus-client              # its text-format parser reads /prometheus in the metrics tests
  hugo jekyll mkdocs nodejs              # site builds: the toolchains build containers see read-only (host /usr)
)

# Extra packages a caller needs on top (make bench: the peers it measures against).
packages+=("$@")

# The portal is built with the machine's npm, or Debian's where the machine has none. Its node must
# satisfy portal/web/package.json "engines" (Debian 12's 18 does not): scripts/node.sh, at the end,
# then installs a pinned node from the npm registry for the build alone.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -gt 0 ]; then
  if [ "$(id -u)" -ne 0 ]; then
    echo "Missing Debian packages: ${missing[*]} -- run as root (or install them) first." >&2
    exit 1
  fi
  echo "Installing: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  # Debian's nginx package starts the system nginx on port 80, where make run's hostd starts its own
  # (hostd-dev.yml): the one this script just installed is stopped and disabled. (The berth-hostd
  # package instead drives the system nginx: docs/operations.md.)
  if printf '%s\n' "${missing[@]}" | grep -qx nginx-light; then
    if [ -d /run/systemd/system ]; then
      systemctl disable --now nginx.service >/dev/null 2>&1 || true
    else
      service nginx stop >/dev/null 2>&1 || true
      update-rc.d nginx disable >/dev/null 2>&1 || true
    fi
    echo "Stopped and disabled Debian's nginx service: make run's hostd runs its own nginx on port 80."
  fi
fi
# The Debian package starts a cluster on 5432; Berth's tests start their own and do not need it.
# hostd runs lighttpd only inside site containers; Debian's package also enables a system service
# on port 80, where hostd's nginx listens: the one this script just installed is stopped and disabled.
if [[ " ${missing[*]} " == *" lighttpd "* ]]; then
  if [ -d /run/systemd/system ]; then
    systemctl disable --now lighttpd.service >/dev/null 2>&1 || true
  else
    service lighttpd stop >/dev/null 2>&1 || true
    update-rc.d lighttpd disable >/dev/null 2>&1 || true
  fi
fi
# A node the portal's tools accept (the machine's, or the pinned one in .build-tools/node).
"$(dirname "$0")/node.sh" ensure
