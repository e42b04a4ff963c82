# The checks of packaging/test-install.sh, run inside the Debian root (as /tmp/checks.sh) in a
# network namespace of the test's own, with RUN set to the run's name:
#   bash checks.sh installed    files, users, units; both processes started and asked
#   bash checks.sh lifecycle    upgrade, remove, purge
# Prints one "ok NAME" or "FAIL NAME" per check; exits 1 if any failed.
failures=0
ok() { echo "ok $*"; }
check() {
  local name=$1
  shift
  local status=0
  "$@" >/tmp/check.out 2>&1 || status=$?
  if [ "$status" -eq 0 ]; then ok "$name"; else echo "FAIL $name"; failures=$((failures + 1)); fi
  awk '{ print "    " $0 }' /tmp/check.out
  return "$status"
}
mode() {
  local actual
  actual=$(stat -c '%U:%G %a' "$1")
  [ "$actual" = "$2" ] || { echo "$1 is $actual, not $2"; return 1; }
}
unit_has() { grep -qx "$2" "/lib/systemd/system/$1.service"; }
exec_start() { sed -n 's/^ExecStart=//p' "/lib/systemd/system/$1.service"; }
unit_user() { sed -n 's/^User=//p' "/lib/systemd/system/$1.service"; }
wait_for() {
  local seconds=$1
  shift
  for _ in $(seq 1 $((seconds * 4))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.25
  done
  return 1
}
json_field() { sed -n "s/.*\"$1\":\"\\([^\"]*\\)\".*/\\1/p"; }

installed() {
  check "jars and units installed" test -f /usr/share/berth-api/berth-api.jar -a -f /usr/share/berth-hostd/berth-hostd.jar \
    -a -f /lib/systemd/system/berth-api.service -a -f /lib/systemd/system/berth-hostd.service
  check "configuration under /etc/berth is conffiles" bash -c "dpkg-query -W -f='\${Conffiles}' berth-api | grep -q ' /etc/berth/api.yml ' \
    && dpkg-query -W -f='\${Conffiles}' berth-hostd | grep -q ' /etc/berth/hostd.yml ' \
    && dpkg-query -W -f='\${Conffiles}' berth-hostd | grep -q ' /etc/nginx/conf.d/berth.conf ' \
    && dpkg-query -W -f='\${Conffiles}' berth-api | grep -q ' /etc/berth/jvm/api.options ' \
    && dpkg-query -W -f='\${Conffiles}' berth-hostd | grep -q ' /etc/berth/jvm/hostd.options '"
  check "system user berth (nologin, home /var/lib/berth, group berth)" bash -c \
    "getent passwd berth | awk -F: '\$3 < 1000 && \$6 == \"/var/lib/berth\" && \$7 == \"/usr/sbin/nologin\" { f = 1 } END { exit !f }' \
     && [ \"\$(id -gn berth)\" = berth ]"
  check "API data directory berth:berth 0750" mode /var/lib/berth "berth:berth 750"
  check "hostd data directory root 0755" mode /var/lib/berth-hostd "root:root 755"
  check "first admin's password generated, readable by root only" bash -c \
    "[ \"\$(stat -c '%U:%G %a' /etc/berth/api.env)\" = 'root:root 600' ] && grep -Eq '^BERTH_ADMIN_PASSWORD=.{20,}$' /etc/berth/api.env"
  check "nginx's default site handed over to Berth" bash -c \
    "[ ! -e /etc/nginx/sites-enabled/default ] && [ -e /etc/nginx/sites-available/default ] && nginx -t -q"
  check "both units enabled" test -L /etc/systemd/system/multi-user.target.wants/berth-api.service \
    -a -L /etc/systemd/system/multi-user.target.wants/berth-hostd.service
  check "API unit hardened" bash -c "$(declare -f unit_has); for d in User=berth Group=berth NoNewPrivileges=yes \
    ProtectSystem=strict ProtectHome=yes PrivateTmp=yes ReadWritePaths=/var/lib/berth CapabilityBoundingSet= \
    RestrictSUIDSGID=yes SystemCallFilter=@system-service; do unit_has berth-api \"\$d\" || { echo \"missing \$d\"; exit 1; }; done"
  # systemd's own score of the sandbox (0 best, 10 worst); this unit scores 1.7.
  check "API unit's exposure (systemd-analyze security) at most 2.0" \
    systemd-analyze security --offline=yes --threshold=20 /lib/systemd/system/berth-api.service
  check "hostd unit restarts always and leaves the containers on stop" bash -c "$(declare -f unit_has); \
    unit_has berth-hostd Restart=always && unit_has berth-hostd KillMode=process"
  check "systemd-analyze verify accepts both units" bash -c \
    "out=\$(systemd-analyze verify /lib/systemd/system/berth-api.service /lib/systemd/system/berth-hostd.service 2>&1); \
     echo \"\$out\"; ! echo \"\$out\" | grep -i berth"

  # Start them as the units would, without systemd: the system nginx first, then hostd, then the API.
  ip link set lo up
  nginx
  check "system nginx starts with Berth's include" wait_for 10 test -s /run/nginx.pid
  BERTH_HOSTD_PREFIX=$RUN BERTH_HOSTD_BRIDGE=$RUN BERTH_HOSTD_CGROUP_ROOT=$RUN $(exec_start berth-hostd) >/tmp/hostd.log 2>&1 &
  local hostd_pid=$!
  check "hostd's socket appears" wait_for 90 test -S /run/berth/hostd.sock || tail -n 30 /tmp/hostd.log
  # hostd restricts the socket right after it listens: give it a moment.
  wait_for 10 bash -c "$(declare -f mode); mode /run/berth/hostd.sock 'root:berth 660'" || true
  check "hostd's socket directory root:berth 0750, socket 0660" bash -c "$(declare -f mode); \
    mode /run/berth 'root:berth 750' && mode /run/berth/hostd.sock 'root:berth 660'"
  # The socket exists a few seconds before hostd's resources answer on it.
  berth_asks_hostd() { runuser -u berth -- curl -sS -f --unix-socket /run/berth/hostd.sock http://hostd/v1/host; }
  wait_for 60 berth_asks_hostd || true
  check "hostd's socket answers the group berth" berth_asks_hostd
  # curl's 7: it could not connect (EACCES on the socket), before any byte was sent.
  check "hostd's socket refuses another user" bash -c \
    "runuser -u nobody -- curl -sS --unix-socket /run/berth/hostd.sock http://hostd/v1/host; [ \$? -eq 7 ]"
  check "the system nginx serves Berth's unknown-host answer on port 80" bash -c \
    "[ -f /var/lib/berth-hostd/nginx-sites/00-berth-shared.conf ] \
     && [ \"\$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: nosuchsite.localhost' http://127.0.0.1/)\" = 404 ]"

  (cd /var/lib/berth && set -a && . /etc/berth/api.env && set +a \
    && exec runuser -u "$(unit_user berth-api)" -- $(exec_start berth-api)) >/tmp/api.log 2>&1 &
  local runuser_pid=$!
  check "the API answers /api/v1/health on 127.0.0.1:8080" wait_for 150 curl -sf http://127.0.0.1:8080/api/v1/health \
    || tail -n 30 /tmp/api.log
  # runuser's child is the JVM: every uid is berth's and it holds no capability.
  check "the API runs as berth, without capabilities" bash -c "pid=\$(pgrep -P $runuser_pid -x java); \
    grep -E '^(Uid|Gid|CapEff):' /proc/\$pid/status; \
    awk -v u=\$(id -u berth) -v g=\$(id -g berth) '/^Uid:/ { ok += (\$2 == u && \$3 == u && \$4 == u && \$5 == u) } \
      /^Gid:/ { ok += (\$2 == g && \$3 == g && \$4 == g && \$5 == g) } /^CapEff:/ { ok += (\$2 == \"0000000000000000\") } \
      END { exit ok != 3 }' /proc/\$pid/status"
  local password token
  password=$(sed -n 's/^BERTH_ADMIN_PASSWORD=//p' /etc/berth/api.env)
  token=$(curl -s -X POST http://127.0.0.1:8080/api/v1/auth/login -H 'Content-Type: application/json' \
    -d "{\"email\":\"admin@berth.localhost\",\"password\":\"$password\"}" | json_field accessToken)
  check "the admin (password from api.env) sees hostd reachable through the socket" bash -c \
    "curl -sf http://127.0.0.1:8080/api/v1/admin/host -H 'Authorization: Bearer $token' | grep -q '\"reachable\":true'"
  check "berth-cli: /usr/bin/berth and its bash completion" bash -c \
    "test -x /usr/bin/berth -a -f /usr/share/bash-completion/completions/berth -a -f /usr/share/berth-cli/berth-cli.jar \
     && berth --version | grep -q '^berth '"
  local secret
  secret=$(curl -s -X POST http://127.0.0.1:8080/api/v1/tokens -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d '{"name":"package-test","scopes":["read","write"]}' | json_field token)
  check "berth logs in with a token on standard input (0600 under XDG_CONFIG_HOME) and lists the sites" bash -c \
    "export HOME=/tmp/cli-user XDG_CONFIG_HOME=/tmp/cli-user/.config; mkdir -p \$HOME \
     && echo '$secret' | berth login --api http://127.0.0.1:8080 \
     && [ \"\$(stat -c %a \$XDG_CONFIG_HOME/berth/config.json)\" = 600 ] && berth sites ls -o json | grep -qx '\\[ \\]'"

  # Stopped by pid: this chroot shares the host's process table.
  local pid api_pid
  api_pid=$(pgrep -P "$runuser_pid" -x java || true)
  for pid in $api_pid $hostd_pid; do kill -TERM "$pid" 2>/dev/null || true; done
  nginx -s quit || true
  for pid in $api_pid $hostd_pid $runuser_pid; do
    wait_for 30 bash -c "! kill -0 $pid 2>/dev/null" || kill -KILL "$pid" 2>/dev/null || true
  done
}

lifecycle() {
  local password
  password=$(cat /etc/berth/api.env)
  echo '# an edit of the operator' >>/etc/berth/api.yml
  check "the API's database exists before the upgrade" test -f /var/lib/berth/berth.mv.db
  DEBIAN_FRONTEND=noninteractive dpkg -i /tmp/debs/2/berth-api_*.deb /tmp/debs/2/berth-hostd_*.deb </dev/null
  check "upgraded to the second build" bash -c "[ \"\$(dpkg-query -W -f='\${Version}' berth-api berth-hostd)\" = 0.1.0~test20.1.0~test2 ]"
  check "the upgrade keeps an edited conffile" grep -qx '# an edit of the operator' /etc/berth/api.yml
  check "the upgrade keeps the data and the password" bash -c \
    "[ -f /var/lib/berth/berth.mv.db ] && [ \"\$(cat /etc/berth/api.env)\" = '$password' ] && [ ! -e /etc/nginx/sites-enabled/default ]"
  dpkg --remove berth-api berth-hostd
  check "remove keeps data and configuration" test -f /var/lib/berth/berth.mv.db -a -f /etc/berth/api.yml \
    -a -d /var/lib/berth-hostd -a ! -e /usr/share/berth-api/berth-api.jar
  dpkg --purge berth-api berth-hostd berth-cli
  check "purge deletes data and configuration" test ! -e /var/lib/berth -a ! -e /var/lib/berth-hostd -a ! -e /etc/berth \
    -a ! -e /etc/nginx/conf.d/berth.conf
  check "purge gives nginx its default site back" bash -c "[ -L /etc/nginx/sites-enabled/default ] && nginx -t -q"
}

"$1"
[ "$failures" -eq 0 ]
