#!/usr/bin/env bash
# Runs every benchmark, then builds ONE report from what they wrote: target/bench/report.md and
# report.json (issue 17's goals first, each judged on all of its parts with the N it was measured at
# and why it misses; then each figure with its goal, the peer or floor measured in the same run, and the ratio).
# Each benchmark stops by itself; one that fails is reported as not measured and makes this script
# fail at the end, after the report is written. Defaults finish in about 30 minutes on 2 cores (the soak alone takes 10 after its sites exist).
#   BERTH_BENCH_SITES (default 50): sites for the stack and deploy benchmarks (and hostd's own).
#   BERTH_BENCH_DNS_SITES (default 30): sites for the e2e DNS/TLS benchmark (hostd's DnsBenchmarkTest uses 100 names).
#   BERTH_BENCH_PROXY_SECONDS (default 10): seconds per phase of the proxy benchmark.
#   BERTH_BENCH_DENSITY_SITES (default 150, up to 10000): running sites of the density benchmark.
#   BERTH_BENCH_NOISY_SECONDS (default 20): seconds per phase of the noisy-neighbour benchmark.
#   BERTH_BENCH_ROUTES (default 10000): records in the proxy's route table for its benchmark.
#   BERTH_BENCH_MANIFEST_MIB (default 100): size of the site the deploy-by-manifest benchmark redeploys.
#   BERTH_BENCH_FAILOVER_SITES (default 100): sites on the node the failover benchmark loses.
#   BERTH_BENCH_CONTENT_SITES (default 10): sites sharing a theme in the content-store benchmark.
#   BERTH_BENCH_BYTES_LOADS (default 30): page loads per phase of the fast-bytes benchmark.
#   BERTH_BENCH_REPLICA_ROUNDS (default 6): API replicas killed in the replica failover benchmark.
#   BERTH_BENCH_SOAK (default "500 10 200"): the soak's sites, minutes and requests per second in all.
# Needs root for the host benchmarks (containers, bridge, nginx, HAProxy, named, Pebble).
set -uo pipefail
cd "$(dirname "$0")/.."
sites=${BERTH_BENCH_SITES:-50}
dns_sites=${BERTH_BENCH_DNS_SITES:-30}
proxy_seconds=${BERTH_BENCH_PROXY_SECONDS:-10}
density_sites=${BERTH_BENCH_DENSITY_SITES:-150}
noisy_seconds=${BERTH_BENCH_NOISY_SECONDS:-20}
manifest_mib=${BERTH_BENCH_MANIFEST_MIB:-100}
failover_sites=${BERTH_BENCH_FAILOVER_SITES:-100}
content_sites=${BERTH_BENCH_CONTENT_SITES:-10}
bytes_loads=${BERTH_BENCH_BYTES_LOADS:-30}
replica_rounds=${BERTH_BENCH_REPLICA_ROUNDS:-6}
soak=${BERTH_BENCH_SOAK:-500 10 200}
mvn="mvn -B -Dstyle.color=never"
failed=()
# The peers the benchmarks measure against, where Debian's packages install.
scripts/deps.sh podman || echo "podman could not be installed: the stack benchmark reports it as not measured"
scripts/deps.sh haproxy || echo "haproxy could not be installed: the proxy benchmark reports it as not measured"

# A previous run's figures must not pass for this run's.
rm -f e2e/target/bench/*.json e2e/target/bench/*.txt hostd/target/hostd-bench.txt hostd/target/dns-bench.txt \
  hostd/target/route-bench.txt target/bench/report.*

step() {
  local name=$1
  shift
  echo "== $name"
  "$@" || failed+=("$name")
}

step "API: authenticated GET /sites next to /health" $mvn -pl e2e -am -Pbench -DskipTests verify
step "Stack: create -> 200, stop -> 503, start -> 200, a site's throughput next to host nginx, idle memory, runc floor, podman peer" \
  $mvn -pl e2e -am -Pbench-stack -DskipTests verify -Dberth.bench.args="$sites"
step "Deploys: upload -> live, webhook -> live, copy+reload baseline" \
  $mvn -pl e2e -am -Pbench-deploy -DskipTests verify -Dberth.bench.args="$sites"
step "DNS/TLS: API create -> A/AAAA answering at named next to nsupdate, ACME issuance with Pebble" \
  $mvn -pl e2e -am -Pbench-dns -DskipTests verify -Dberth.bench.args="$dns_sites"
step "Proxy: nginx next to a direct connection and HAProxy, saturation and 2,000 req/s" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=ProxyBenchmark -Dberth.bench.args="$proxy_seconds"
step "Density: N running sites, memory, a new site routable with N present" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=DensityBenchmark -Dberth.bench.args="$density_sites"
step "Noisy neighbour: CPU, fork and memory hogs next to another tenant's p99" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=NoisyNeighbourBenchmark -Dberth.bench.args="$noisy_seconds"
step "Deploy by manifest: a ${manifest_mib} MiB site redeployed with one file changed, next to a whole upload" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=ManifestDeployBenchmark -Dberth.bench.args="$manifest_mib"
step "Content store: ${content_sites} sites sharing a theme and 50 near-identical releases of one site, next to full copies" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=ContentStoreBenchmark -Dberth.bench.args="$content_sites"
step "Failover: ${failover_sites} sites of a lost node serving again from another node, next to create -> 200" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=FailoverBenchmark -Dberth.bench.args="$failover_sites"
step "Fast bytes: a typical site's page load, bytes on the wire and time to last byte, uncompressed next to gzip, Brotli and a revisit" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=FastBytesBenchmark -Dberth.bench.args="$bytes_loads"
step "API replica failover: kill -9 of a replica under polling, create -> 200 across it, next to create -> 200 with both up" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=ReplicaFailoverBenchmark -Dberth.bench.args="$replica_rounds"
step "Soak: sites under a fixed request rate with a deploy every second, failed requests and memory growth ($soak)" \
  $mvn -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=SoakBenchmark -Dberth.bench.args="$soak"
step "hostd alone: create -> 200 next to bare runc (hostd/target/hostd-bench.txt)" \
  env BERTH_BENCH_SITES="$sites" $mvn -pl hostd -am test -Dtest=HostdBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false
step "Proxy route table: new site routable with N present next to the reload path (hostd/target/route-bench.txt)" \
  env BERTH_BENCH_ROUTES="${BERTH_BENCH_ROUTES:-10000}" $mvn -pl hostd -am test -Dtest=RouteTableBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false
step "DNS: record published -> answering next to nsupdate (hostd/target/dns-bench.txt)" \
  env BERTH_BENCH_DNS_SITES=100 $mvn -pl hostd -am test -Dtest=DnsBenchmarkTest -Dsurefire.failIfNoSpecifiedTests=false

echo "== Report: target/bench/report.md and report.json"
$mvn -q -pl e2e -am -Pbench-main -DskipTests verify -Dberth.bench.main=BenchReport || failed+=("report")
if [ "${#failed[@]}" -gt 0 ]; then
  printf 'failed: %s\n' "${failed[@]}" >&2
  exit 1
fi
