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
  iproute2 nftables util-linux procps curl  # host plumbing, the sites' input guard, the README tour
  chromium                               # the portal's end-to-end tests (driven by playwright-core)
  bind9 bind9-dnsutils pebble            # DNS (RFC 2136) and an ACME test CA for the DNS/TLS host tests
)

# Extra packages a caller needs on top (make bench: the peers it measures against).
packages+=("$@")

# The portal is built with the machine's Node.js and npm (Node 20 or newer); Debian's are used
# only where the machine has none.
if ! command -v npm >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for package in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$package")
  fi
done

if [ "${#missing[@]}" -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Missing Debian packages: ${missing[*]} -- run as root (or install them) first." >&2
  exit 1
fi

echo "Installing: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# The Debian package starts a cluster on 5432; Berth's tests start their own and do not need it.
# hostd runs lighttpd only inside site containers; Debian's package also enables a system service
# on port 80, where hostd's nginx listens.
if [[ " ${missing[*]} " == *" lighttpd "* ]] && command -v systemctl >/dev/null 2>&1; then
  systemctl disable --now lighttpd >/dev/null 2>&1 || true
fi
