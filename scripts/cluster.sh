#!/usr/bin/env bash
# A real Berth cluster on this machine (root):
#
#   scripts/cluster.sh up          start what is not running (all of it the first time)
#   scripts/cluster.sh down        stop and remove everything `up` made; safe on a half-up cluster
#   scripts/cluster.sh lose NODE   lose the machine of node NODE (node1, node2, node3)
#   scripts/cluster.sh status      what runs, and the nodes as GET /admin/nodes lists them
#
# What `up` starts:
#   - PostgreSQL on 127.0.0.1:$BERTH_CLUSTER_PG_PORT (scripts/pg.sh), the one database of the cluster;
#   - two API replicas (BERTH_CLUSTER_API_REPLICAS) on 127.0.0.1 ports $BERTH_CLUSTER_API_PORT,
#     +2, ... (admin connector at +1), behind a loopback load balancer (Debian's nginx) on
#     http://localhost:$BERTH_CLUSTER_PORT that retries a request on the other replica when one
#     does not answer;
#   - a test bridge PREFIX-br in this host's network namespace, at NET.254/24, and three hostd nodes,
#     each in a network namespace of its own (PREFIX-nodeN) joined to that bridge by a veth pair, at
#     NET.N, with its own nginx (sites answer at http://NET.N/ to Host: NAME.localhost), container
#     bridge, cgroup root (PREFIXnN) and data directory. The bridge's ports are isolated from each
#     other: traffic flows only between this host and each node. Nothing is routed: no IP
#     forwarding, no NAT.
#   - a platform CA and certificates from `hostd pki`: the API reaches every node over mutual TLS on
#     NET.N:8443. node1 is the API's configured host (host.url); node2 and node3 join with one-time
#     tokens (POST /admin/nodes/join-tokens, POST /nodes/join), as an operator adds a machine.
#     Each node's public IPv4 in the registry is its address on the bridge.
# The first platform admin is BERTH_ADMIN_EMAIL / BERTH_ADMIN_PASSWORD, as with `make run`; without a
# password one is generated and written to RUN/admin-password (0600).
#
# `lose NODE` kills its hostd, its nginx and its containers with SIGKILL, deletes its network
# namespace and its disk (data and run directories). `up` then starts it again empty, at the same
# address, and it answers the API again under its registered name.
#
# Everything lives under the run directory BERTH_CLUSTER_DIR (default /tmp/berth-cluster): pids,
# logs, configuration, certificates, the nodes' disks, PostgreSQL. The settings of the first `up`
# are kept in RUN/cluster.env and used by every later command on that directory.
#
# Settings (environment, at the first `up`):
#   BERTH_CLUSTER_DIR            run directory                                  /tmp/berth-cluster
#   BERTH_CLUSTER_PREFIX         names of host objects (a-z0-9, 2-8 chars)      bcl
#   BERTH_CLUSTER_NET            the test bridge's /24, first three octets      10.254.0
#   BERTH_CLUSTER_PORT           the load balancer's port on 127.0.0.1          8080
#   BERTH_CLUSTER_API_PORT       the first replica's port                       18080
#   BERTH_CLUSTER_PG_PORT        PostgreSQL's port                              54380
#   BERTH_CLUSTER_API_REPLICAS   how many API replicas (1 or more)              2
#   BERTH_CLUSTER_NODE_LOST_AFTER  host.nodeLostAfterSeconds                    30
#   BERTH_CLUSTER_DRAIN_GRACE    host.drainGraceSeconds                         60
#   BERTH_CLUSTER_NODE_CAPACITY  each node's capacity in sites                  100
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/lib/host-teardown.sh

root=$PWD
run=${BERTH_CLUSTER_DIR:-/tmp/berth-cluster}
hostd_jar=$root/hostd/target/berth-hostd-0.1.0-SNAPSHOT-all.jar
api_jar=$root/api/target/berth-api-0.1.0-SNAPSHOT-all.jar
nodes=(node1 node2 node3)
pki_password_file=$run/pki/password

die() { echo "cluster.sh: $*" >&2; exit 1; }
say() { echo "cluster: $*"; }

[ "$(id -u)" -eq 0 ] || die "needs root (network namespaces, containers, cgroups)"
case "$(readlink -m "$run")" in
  / | /root | /home | /var | /var/lib | /run | /tmp | /usr* | /etc* | /proc* | /sys*) die "refusing run directory $run" ;;
esac

load_settings() {
  if [ -f "$run/cluster.env" ]; then
    # shellcheck disable=SC1091
    . "$run/cluster.env"
  fi
  prefix=${prefix:-${BERTH_CLUSTER_PREFIX:-bcl}}
  net=${net:-${BERTH_CLUSTER_NET:-10.254.0}}
  lb_port=${lb_port:-${BERTH_CLUSTER_PORT:-8080}}
  api_port=${api_port:-${BERTH_CLUSTER_API_PORT:-18080}}
  pg_port=${pg_port:-${BERTH_CLUSTER_PG_PORT:-54380}}
  replicas=${replicas:-${BERTH_CLUSTER_API_REPLICAS:-2}}
  lost_after=${lost_after:-${BERTH_CLUSTER_NODE_LOST_AFTER:-30}}
  drain_grace=${drain_grace:-${BERTH_CLUSTER_DRAIN_GRACE:-60}}
  capacity=${capacity:-${BERTH_CLUSTER_NODE_CAPACITY:-100}}
  admin_email=${admin_email:-${BERTH_ADMIN_EMAIL:-admin@berth.localhost}}
  [[ $prefix =~ ^[a-z][a-z0-9]{1,7}$ ]] || die "BERTH_CLUSTER_PREFIX must be 2-8 of a-z0-9, starting with a letter"
  [[ $net =~ ^10\.[0-9]{1,3}\.[0-9]{1,3}$ ]] || die "BERTH_CLUSTER_NET must be 10.X.Y (a private /24)"
  [[ $replicas =~ ^[1-9]$ ]] || die "BERTH_CLUSTER_API_REPLICAS must be 1-9"
  bridge=$prefix-br
}

save_settings() {
  mkdir -p "$run"
  chmod 0711 "$run"
  cat >"$run/cluster.env" <<EOF
prefix=$prefix
net=$net
lb_port=$lb_port
api_port=$api_port
pg_port=$pg_port
replicas=$replicas
lost_after=$lost_after
drain_grace=$drain_grace
capacity=$capacity
admin_email=$admin_email
EOF
}

alive() { [ -s "$1" ] && kill -0 "$(cat "$1")" 2>/dev/null; }
node_index() { echo "${1#node}"; }
node_ns() { echo "$prefix-$1"; }
node_prefix() { echo "${prefix}n$(node_index "$1")"; }
node_addr() { echo "$net.$(node_index "$1")"; }
api_url() { echo "http://127.0.0.1:$((api_port + 2 * ($1 - 1)))/api/v1"; }

wait_for() {
  local seconds=$1
  shift
  local i
  for i in $(seq 1 $((seconds * 4))); do
    "$@" >/dev/null && return 0
    sleep 0.25
  done
  return 1
}

ensure_jars() {
  if [ ! -f "$hostd_jar" ] || [ ! -f "$api_jar" ]; then
    say "building the jars (make build)"
    make -C "$root" build
  fi
}

# --- PostgreSQL -------------------------------------------------------------------------------
pg_up() {
  if [ -f "$run/pg/postmaster.pid" ] && kill -0 "$(head -n 1 "$run/pg/postmaster.pid")" 2>/dev/null; then
    return
  fi
  say "PostgreSQL on 127.0.0.1:$pg_port"
  scripts/pg.sh start "$run/pg" "$pg_port" >"$run/pg.url"
}

# --- certificates -----------------------------------------------------------------------------
pki() {
  BERTH_PKI_PASSWORD=$(cat "$pki_password_file") java -jar "$hostd_jar" pki "$@" --dir "$run/pki" >>"$run/pki/pki.log" 2>&1 \
    || die "hostd pki $* failed (see $run/pki/pki.log)"
}

pki_up() {
  mkdir -p "$run/pki"
  chmod 0700 "$run/pki"
  [ -s "$pki_password_file" ] || (umask 077 && head -c 24 /dev/urandom | base64 | tr -d '/+=' >"$pki_password_file")
  [ -f "$run/pki/trust.p12" ] || pki ca
  # The certificates at once (each is a JVM start); each writes its own file.
  local node pids=()
  [ -f "$run/pki/client-api.p12" ] || { pki client api & pids+=($!); }
  for node in "${nodes[@]}"; do
    [ -f "$run/pki/node-$node.p12" ] || { pki node "$node" --ip "$(node_addr "$node")" & pids+=($!); }
  done
  for node in "${pids[@]}"; do
    wait "$node" || die "hostd pki failed (see $run/pki/pki.log)"
  done
}

# --- the test bridge and the nodes --------------------------------------------------------------
bridge_up() {
  if ! ip link show dev "$bridge" >/dev/null 2>&1; then
    say "test bridge $bridge at $net.254/24"
    ip link add "$bridge" type bridge
    sysctl -qw "net.ipv6.conf.$bridge.disable_ipv6=1" || true
    ip addr add "$net.254/24" dev "$bridge"
  fi
  ip link set "$bridge" up
}

node_up() {
  local node=$1
  local dir=$run/$node ns addr np veth
  ns=$(node_ns "$node")
  addr=$(node_addr "$node")
  np=$(node_prefix "$node")
  veth=$prefix-v$(node_index "$node")
  if alive "$dir/hostd.pid" && [ -e "/run/netns/$ns" ]; then
    return
  fi
  # A half-started or crashed node: start it over from nothing, as a machine with an empty disk.
  node_teardown "$node"
  say "$node: network namespace $ns at $addr, hostd prefix and cgroup root $np"
  ip netns add "$ns"
  ip link add "$veth" type veth peer name eth0 netns "$ns"
  ip link set "$veth" master "$bridge"
  bridge link set dev "$veth" isolated on
  ip link set "$veth" up
  ip -n "$ns" link set lo up
  ip -n "$ns" addr add "$addr/24" dev eth0
  ip -n "$ns" link set eth0 up
  mkdir -p "$dir/data" "$dir/run" "$dir/socket" "$run/logs"
  chmod 0711 "$dir"
  # setsid and nsenter exec: the pid is hostd's own.
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    BERTH_HOSTD_PREFIX="$np" BERTH_HOSTD_BRIDGE="$np" BERTH_HOSTD_CGROUP_ROOT="$np" \
    BERTH_HOSTD_DATA="$dir/data" BERTH_HOSTD_RUN="$dir/run" BERTH_HOSTD_SOCKET="$dir/socket/hostd.sock" \
    BERTH_PROXY_LISTEN_V4="$addr:80" BERTH_PROXY_LISTEN_V6="[::1]:80" \
    BERTH_HOSTD_TLS_BIND="$addr" BERTH_HOSTD_TLS_PORT=8443 \
    BERTH_HOSTD_NODE_KEYSTORE="$run/pki/node-$node.p12" BERTH_HOSTD_TRUSTSTORE="$run/pki/trust.p12" \
    BERTH_PKI_PASSWORD="$(cat "$pki_password_file")" \
    setsid nsenter --net="/run/netns/$ns" \
    java @"$root/config/jvm/hostd.options" -jar "$hostd_jar" server "$root/hostd/config/hostd-node.yml" \
    >>"$run/logs/$node-hostd.log" 2>&1 </dev/null &
  echo $! >"$dir/hostd.pid"
}

node_ready() {
  local node=$1
  local dir=$run/$node
  alive "$dir/hostd.pid" || die "$node: hostd exited; its log: $(tail -n 30 "$run/logs/$node-hostd.log")"
  curl -sf --max-time 2 --unix-socket "$dir/socket/hostd.sock" http://hostd/v1/host >/dev/null
}

# Kill -9 everything of one node and remove its namespace and disk. Tolerates any part being gone.
node_teardown() {
  local node=$1
  local dir=$run/$node ns np pid
  ns=$(node_ns "$node")
  np=$(node_prefix "$node")
  if [ -s "$dir/hostd.pid" ]; then
    pid=$(cat "$dir/hostd.pid")
    [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ] && kill -KILL "$pid" 2>/dev/null || true
  fi
  if [ -e "/run/netns/$ns" ]; then
    # hostd, its nginx master and workers: every process in the node's network namespace.
    for pid in $(ip netns pids "$ns" 2>/dev/null); do
      kill -KILL "$pid" 2>/dev/null || true
    done
  fi
  if [ -d "$dir/run/runc" ]; then
    local id
    for id in $(runc --root "$dir/run/runc" list -q 2>/dev/null); do
      runc --root "$dir/run/runc" kill "$id" KILL 2>/dev/null || true
    done
  fi
  berth_host_teardown "$np" "$dir/run/runc" "$np" >/dev/null 2>&1 || true
  if [ -e "/run/netns/$ns" ]; then
    local i
    for i in 1 2 3 4 5 6 7 8; do
      [ -z "$(ip netns pids "$ns" 2>/dev/null)" ] && break
      sleep 0.25
    done
    ip netns delete "$ns" 2>/dev/null || true
  fi
  ip link delete "$prefix-v$(node_index "$node")" 2>/dev/null || true
  # Mounts hostd or runc made under the node's disk (none is expected; never leave one behind).
  local mount
  for mount in $(awk -v d="$dir/" 'index($2, d) == 1 { print $2 }' /proc/mounts | sort -r); do
    umount -l "$mount" 2>/dev/null || true
  done
  rm -rf "$dir"
}

# --- API replicas -------------------------------------------------------------------------------
api_keys() {
  # One signing key and one TOTP key for every replica: a token one issues, the other accepts.
  local file
  mkdir -p "$run/keys"
  chmod 0700 "$run/keys"
  for file in jwt-signing-key totp-encryption-key; do
    [ -s "$run/keys/$file" ] || (umask 077 && echo "k$(date +%s) $(head -c 32 /dev/urandom | base64 -w0)" >"$run/keys/$file")
  done
}

api_config() {
  local index=$1 dir=$2 pg_url
  pg_url=$(cat "$run/pg.url")
  cat >"$dir/config.yml" <<EOF
# Replica $index of the cluster (scripts/cluster.sh); every replica has the same settings but ports.
server:
  rootPath: /api/v1/*
  applicationConnectors:
    - type: http
      port: $((api_port + 2 * (index - 1)))
      bindHost: 127.0.0.1
  adminConnectors:
    - type: http
      port: $((api_port + 2 * (index - 1) + 1))
      bindHost: 127.0.0.1
  requestLog:
    appenders: []
database:
  driverClass: org.postgresql.Driver
  url: '$pg_url'
  user: postgres
  password: postgres
  maxSize: 24
  minSize: 2
  validationQuery: SELECT 1
platform:
  domain: localhost
  siteUrlScheme: http
  openSignup: true
  dataDirectory: '$dir/data'
  adminEmail: '$admin_email'
  adminPassword: '$(cat "$run/admin-password")'
  trustedProxies: ["127.0.0.1/32"]
mail:
  transport: files
  portalUrl: http://localhost:$lb_port
defaultQuota:
  maxSites: 100
  maxRunningSites: 100
  apiRequestsPerMinute: 6000
host:
  url: https://$(node_addr node1):8443
  keyStorePath: '$run/pki/client-api.p12'
  keyStorePassword: '$(cat "$pki_password_file")'
  trustStorePath: '$run/pki/trust.p12'
  trustStorePassword: '$(cat "$pki_password_file")'
  nodeName: node1
  publicIpv4: $(node_addr node1)
  capacitySites: $capacity
  nodeLostAfterSeconds: $lost_after
  drainGraceSeconds: $drain_grace
  reconcileIntervalMillis: 1000
  requestTimeoutMillis: 30000
logging:
  level: INFO
  loggers:
    dev.berth: INFO
    liquibase: WARN
EOF
}

api_up() {
  local index=$1
  local dir=$run/api$index
  alive "$dir/api.pid" && return
  mkdir -p "$dir/data"
  chmod 0700 "$dir"
  cp "$run/keys/jwt-signing-key" "$run/keys/totp-encryption-key" "$dir/data/"
  api_config "$index" "$dir"
  say "API replica $index on $(api_url "$index")"
  env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
    setsid java @"$root/config/jvm/api.options" -jar "$api_jar" server "$dir/config.yml" >>"$dir/api.log" 2>&1 </dev/null &
  echo $! >"$dir/api.pid"
}

api_healthy() {
  local index=$1
  alive "$run/api$index/api.pid" || die "API replica $index exited; its log: $(tail -n 30 "$run/api$index/api.log")"
  curl -sf --max-time 2 "$(api_url "$index")/health" >/dev/null
}

# --- the load balancer --------------------------------------------------------------------------
lb_up() {
  local dir=$run/lb index servers=""
  if [ -s "$dir/nginx.pid" ] && [ "$(cat "/proc/$(cat "$dir/nginx.pid")/comm" 2>/dev/null)" = nginx ]; then
    return
  fi
  mkdir -p "$dir/tmp"
  chown nobody:nogroup "$dir/tmp"
  for index in $(seq 1 "$replicas"); do
    servers+="    server 127.0.0.1:$((api_port + 2 * (index - 1))) max_fails=1 fail_timeout=3s;"$'\n'
  done
  cat >"$dir/nginx.conf" <<EOF
# The cluster's loopback load balancer (scripts/cluster.sh): the API replicas behind one address.
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
user nobody nogroup;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path $dir/tmp/body;
  proxy_temp_path $dir/tmp/proxy;
  fastcgi_temp_path $dir/tmp/fastcgi;
  uwsgi_temp_path $dir/tmp/uwsgi;
  scgi_temp_path $dir/tmp/scgi;
  client_max_body_size 0;
  upstream berth_api {
$servers  }
  server {
    listen 127.0.0.1:$lb_port;
    location / {
      proxy_pass http://berth_api;
      proxy_http_version 1.1;
      proxy_set_header Host \$http_host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Proto http;
      # A replica that refuses the connection or times out: the request goes to the next one.
      # (A POST that reached a replica which then died is not repeated; the client retries it.)
      proxy_next_upstream error timeout http_502 http_503;
      proxy_next_upstream_tries $replicas;
      proxy_connect_timeout 2s;
      proxy_read_timeout 300s;
      proxy_send_timeout 300s;
      proxy_request_buffering off;
      proxy_buffering off;
    }
  }
}
EOF
  say "load balancer on http://localhost:$lb_port"
  nginx -e "$dir/error.log" -p "$dir" -c "$dir/nginx.conf" || die "the load balancer did not start: $(tail -n 20 "$dir/error.log")"
}

lb_down() {
  local dir=$run/lb pid
  [ -s "$dir/nginx.pid" ] || return 0
  pid=$(cat "$dir/nginx.pid")
  if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = nginx ]; then
    kill -QUIT "$pid" 2>/dev/null || true
    wait_for 10 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
  fi
}

# --- admin calls (curl and sed only: no JSON tool is needed) -------------------------------------
# A JSON string literal of $1.
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }
# The value of the first string field $1 of the JSON on stdin.
json_field() { sed -n 's/.*"'"$1"'":"\([^"]*\)".*/\1/p' | head -n 1; }

admin_token() {
  local base=${1:-$(api_url 1)}
  curl -sf --max-time 10 -X POST "$base/auth/login" -H 'Content-Type: application/json' \
    -d "{\"email\":$(json_string "$admin_email"),\"password\":$(json_string "$(cat "$run/admin-password")")}" | json_field accessToken
}

join_nodes() {
  local token registered node
  token=$(admin_token) && [ -n "$token" ] || die "the admin cannot log in to replica 1"
  registered=$(curl -sf --max-time 10 "$(api_url 1)/admin/nodes" -H "Authorization: Bearer $token" | grep -o '"name":"[^"]*"')
  for node in "${nodes[@]}"; do
    [ "$node" = node1 ] && continue
    if grep -qx "\"name\":\"$node\"" <<<"$registered"; then
      continue
    fi
    local join answer
    join=$(curl -sf --max-time 10 -X POST "$(api_url 1)/admin/nodes/join-tokens" -H "Authorization: Bearer $token" \
      -H 'Content-Type: application/json' -d '{}' | json_field token)
    [ -n "$join" ] || die "no join token for $node"
    answer=$(curl -s --max-time 60 -w '\n%{http_code}' -X POST "$(api_url 1)/nodes/join" -H 'Content-Type: application/json' \
      -d "{\"token\":\"$join\",\"name\":\"$node\",\"url\":\"https://$(node_addr "$node"):8443\",\"publicIpv4\":\"$(node_addr "$node")\",\"capacitySites\":$capacity}")
    [ "$(tail -n 1 <<<"$answer")" = 201 ] || die "$node did not join: $answer"
    say "$node joined over mutual TLS at https://$(node_addr "$node"):8443"
  done
}

# --- commands ------------------------------------------------------------------------------------
up() {
  load_settings
  save_settings
  ensure_jars
  if [ ! -s "$run/admin-password" ]; then
    if [ -n "${BERTH_ADMIN_PASSWORD:-}" ]; then
      (umask 077 && printf '%s' "$BERTH_ADMIN_PASSWORD" >"$run/admin-password")
    else
      (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$run/admin-password")
      say "generated the platform admin's password: $(cat "$run/admin-password") (in $run/admin-password)"
    fi
  fi
  pg_up
  pki_up
  api_keys
  bridge_up
  local node index
  for node in "${nodes[@]}"; do
    node_up "$node"
  done
  # One replica first (it migrates the database and creates the admin), then the others. It starts
  # while the nodes do: it keeps trying node1 until it answers.
  api_up 1
  for node in "${nodes[@]}"; do
    wait_for 300 node_ready "$node" || die "$node: hostd did not answer within 300 s; its log: $(tail -n 30 "$run/logs/$node-hostd.log")"
  done
  wait_for 300 api_healthy 1 || die "API replica 1 did not answer within 300 s; its log: $(tail -n 30 "$run/api1/api.log")"
  for index in $(seq 2 "$replicas"); do
    api_up "$index"
  done
  for index in $(seq 2 "$replicas"); do
    wait_for 300 api_healthy "$index" || die "API replica $index did not answer within 300 s; its log: $(tail -n 30 "$run/api$index/api.log")"
  done
  join_nodes
  lb_up
  wait_for 30 curl -sf --max-time 2 "http://127.0.0.1:$lb_port/api/v1/health" || die "the load balancer does not answer"
  say "up: API on http://localhost:$lb_port, admin $admin_email; nodes $(for node in "${nodes[@]}"; do printf '%s=http://%s/ ' "$node" "$(node_addr "$node")"; done)"
}

down() {
  load_settings
  lb_down
  local dir pid node
  for dir in "$run"/api*; do
    [ -s "$dir/api.pid" ] || continue
    pid=$(cat "$dir/api.pid")
    if [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = java ]; then
      kill -TERM "$pid" 2>/dev/null || true
      wait_for 20 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
    fi
  done
  for node in "${nodes[@]}"; do
    node_teardown "$node"
  done
  ip link delete "$bridge" 2>/dev/null || true
  [ -d "$run/pg" ] && { scripts/pg.sh stop "$run/pg" || true; }
  rm -rf "$run"
  say "down: nothing left of $run"
}

lose() {
  local node=${1:-}
  load_settings
  [[ " ${nodes[*]} " == *" $node "* ]] || die "lose: NODE is one of ${nodes[*]}"
  [ -f "$run/cluster.env" ] || die "no cluster in $run"
  node_teardown "$node"
  say "$node lost: its hostd, nginx and containers killed, its namespace and disk gone"
}

status() {
  load_settings
  local node index
  for index in $(seq 1 "$replicas"); do
    alive "$run/api$index/api.pid" && echo "api$index: running, $(api_url "$index")" || echo "api$index: stopped"
  done
  for node in "${nodes[@]}"; do
    alive "$run/$node/hostd.pid" && echo "$node: running at $(node_addr "$node")" || echo "$node: stopped"
  done
  local token
  token=$(admin_token "http://127.0.0.1:$lb_port/api/v1") && [ -n "$token" ] \
    && curl -sf --max-time 10 "http://127.0.0.1:$lb_port/api/v1/admin/nodes" -H "Authorization: Bearer $token" \
      | grep -o '"name":"[^"]*"\|"state":"[^"]*"\|"sites":[0-9]*\|"publicIpv4":"[^"]*"' | tr -d '"' | paste -sd' ' \
      | sed 's/ name:/\nname:/g' || true
}

main() {
  case "${1:-}" in
    up) up ;;
    down) down ;;
    lose) lose "${2:-}" ;;
    status) status ;;
    *) die "usage: scripts/cluster.sh up | down | lose NODE | status" ;;
  esac
}

# On one line: bash has read it whole before it runs, so editing this file meanwhile cannot change a running command.
main "$@"; exit $?
