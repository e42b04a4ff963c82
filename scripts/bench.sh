#!/usr/bin/env bash
# Runs every benchmark and leaves their reports in the targets below. Each stops by itself.
#   BERTH_BENCH_SITES (default 50): sites for the stack and deploy benchmarks.
#   BERTH_BENCH_DNS_SITES (default 30): sites for the e2e DNS/TLS benchmark (hostd's DnsBenchmarkTest uses 100 names).
# Needs root for the host benchmarks (containers, bridge, nginx, named, Pebble).
set -euo pipefail
cd "$(dirname "$0")/.."
sites=${BERTH_BENCH_SITES:-50}
dns_sites=${BERTH_BENCH_DNS_SITES:-30}
mvn="mvn -B -Dstyle.color=never"
# The peers the benchmarks measure against, where Debian's packages install.
scripts/deps.sh podman || echo "podman could not be installed: the stack benchmark reports it as not measured"

echo "== API: authenticated GET /sites next to /health (e2e/target/bench/api.json)"
$mvn -pl e2e -am -Pbench -DskipTests verify
echo "== Stack: create -> 200, stop -> start, idle memory, runc floor (e2e/target/bench/)"
$mvn -pl e2e -am -Pbench-stack -DskipTests verify -Dberth.bench.args="$sites"
echo "== Deploys: upload -> live, webhook -> live, copy+reload baseline (e2e/target/bench/)"
$mvn -pl e2e -am -Pbench-deploy -DskipTests verify -Dberth.bench.args="$sites"
echo "== DNS/TLS: API create -> A/AAAA answering at named next to nsupdate, ACME issuance with Pebble (e2e/target/bench/dns.txt)"
$mvn -pl e2e -am -Pbench-dns -DskipTests verify -Dberth.bench.args="$dns_sites"
echo "== hostd alone: create -> 200 next to bare runc (hostd/target/hostd-bench.txt)"
BERTH_BENCH_SITES=$sites $mvn -pl hostd -am test -Dtest=HostdBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false
echo "== DNS: record published -> answering next to nsupdate (hostd/target/dns-bench.txt)"
BERTH_BENCH_DNS_SITES=100 $mvn -pl hostd -am test -Dtest=DnsBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false
