#!/usr/bin/env bash
# Builds the Debian packages berth-api, berth-hostd and berth-cli from the jars `make build` made, with
# dpkg-deb (gzip -1: the jars inside are compressed already; see README.md, "Install as services", for why not jdeb):
#   packaging/build.sh [--version VERSION] [--out DIR]
# Writes DIR/berth-api_VERSION_all.deb, DIR/berth-hostd_VERSION_all.deb and DIR/berth-cli_VERSION_all.deb (default
# target/packages) and prints their paths. VERSION defaults to the pom's, as a Debian version that
# sorts by commit time: 0.1.0~SNAPSHOT becomes 0.1.0~gitYYYYMMDDHHMMSS.SHA.
set -euo pipefail
cd "$(dirname "$0")/.."

pom_version=0.1.0-SNAPSHOT
version=""
out=target/packages
while [ $# -gt 0 ]; do
  case "$1" in
    --version) version=$2; shift 2 ;;
    --out) out=$2; shift 2 ;;
    *) echo "usage: $0 [--version VERSION] [--out DIR]" >&2; exit 2 ;;
  esac
done
if [ -z "$version" ]; then
  version="${pom_version%-SNAPSHOT}~git$(git log -1 --format=%cd --date=format-local:%Y%m%d%H%M%S).$(git rev-parse --short HEAD)"
fi

api_jar=api/target/berth-api-$pom_version-all.jar
hostd_jar=hostd/target/berth-hostd-$pom_version-all.jar
cli_jar=cli/target/berth-cli-$pom_version-all.jar
for jar in "$api_jar" "$hostd_jar" "$cli_jar"; do
  [ -f "$jar" ] || { echo "$jar is missing: run make build first" >&2; exit 1; }
done

stage=target/packaging
rm -rf "$stage"
mkdir -p "$out"

# Common to all: a copyright file (Debian policy 12.5), and where the package has them, the unit and
# the maintainer scripts. $1 package, $2 jar, then "SOURCE DESTINATION" pairs of further files
# (under /usr/bin executable, under /etc conffiles).
build() {
  local package=$1 jar=$2 root="$stage/$1"
  shift 2
  install -d "$root/DEBIAN" "$root/usr/share/$package" "$root/usr/share/doc/$package"
  install -m 0644 "$jar" "$root/usr/share/$package/$package.jar"
  if [ -f "packaging/$package/$package.service" ]; then
    install -D -m 0644 "packaging/$package/$package.service" "$root/lib/systemd/system/$package.service"
  fi
  install -m 0644 packaging/copyright "$root/usr/share/doc/$package/copyright"
  local script
  for script in postinst prerm postrm; do
    [ -f "packaging/$package/$script" ] || continue
    # A maintainer script runs alone (at purge the package's other files are gone): shared shell
    # functions are copied in where the script names them.
    sed -e '/^# @HOST_TEARDOWN@/{r scripts/lib/host-teardown.sh' -e 'd}' "packaging/$package/$script" >"$root/DEBIAN/$script"
    chmod 0755 "$root/DEBIAN/$script"
  done
  : >"$root/DEBIAN/conffiles"
  while [ $# -gt 0 ]; do
    case "$2" in /usr/bin/*) install -D -m 0755 "$1" "$root$2" ;; *) install -D -m 0644 "$1" "$root$2" ;; esac
    case "$2" in /etc/*) echo "$2" >>"$root/DEBIAN/conffiles" ;; esac
    shift 2
  done
  [ -s "$root/DEBIAN/conffiles" ] || rm "$root/DEBIAN/conffiles"
  sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$(du -sk --exclude=DEBIAN "$root" | cut -f1)/" \
    "packaging/$package/control" >"$root/DEBIAN/control"
  dpkg-deb --root-owner-group -Zgzip -z1 --build "$root" "$out/${package}_${version}_all.deb" >/dev/null
  echo "$out/${package}_${version}_all.deb"
}

build berth-api "$api_jar" \
  packaging/berth-api/etc/api.yml /etc/berth/api.yml \
  config/jvm/api.options /etc/berth/jvm/api.options \
  config/production.example.yml /usr/share/doc/berth-api/production.example.yml \
  docs/operations.md /usr/share/doc/berth-api/operations.md
build berth-hostd "$hostd_jar" \
  packaging/berth-hostd/etc/hostd.yml /etc/berth/hostd.yml \
  config/jvm/hostd.options /etc/berth/jvm/hostd.options \
  packaging/berth-hostd/nginx-berth.conf /etc/nginx/conf.d/berth.conf \
  hostd/README.md /usr/share/doc/berth-hostd/README.md \
  docs/operations.md /usr/share/doc/berth-hostd/operations.md
# The command-line client: its own package, for workstations and CI runners that need neither the
# API nor hostd. bin/berth finds the jar in /usr/share/berth-cli; the completion script is the one
# the CLI prints itself.
completion="$stage/berth-completion.bash"
mkdir -p "$stage"
java -jar "$cli_jar" completion bash >"$completion"
build berth-cli "$cli_jar" \
  bin/berth /usr/bin/berth \
  "$completion" /usr/share/bash-completion/completions/berth \
  cli/README.md /usr/share/doc/berth-cli/README.md
