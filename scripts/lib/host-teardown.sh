# berth_host_teardown PREFIX RUNC_ROOT CGROUP_ROOT [NGINX_PID_FILE]
# Removes what one hostd made on this host, found by its names (hostd/README.md): its runc
# containers PREFIX-* (state in RUNC_ROOT), network namespaces PREFIX-* (with them the veth pairs),
# bridges PREFIX and PREFIX-N, the nft table inet PREFIX_guard, the cgroup root CGROUP_ROOT in every
# hierarchy, and hostd's own nginx if NGINX_PID_FILE names a running nginx. Whatever is gone
# already is skipped. Root only. POSIX sh: the berth-hostd package's postrm (purge) carries a copy
# of this file, put there by packaging/build.sh; scripts/clean-host.sh uses it for make run's hostd.
berth_host_teardown() {
  _prefix=$1 _runc_root=$2 _cgroup_root=$3 _nginx_pid_file=${4:-}
  case "$_prefix" in
    [a-z]*) ;;
    *) echo "berth_host_teardown: refusing prefix '$_prefix'" >&2; return 1 ;;
  esac
  case "$_prefix$_cgroup_root" in
    *[!a-z0-9-]*) echo "berth_host_teardown: refusing prefix '$_prefix' or cgroup root '$_cgroup_root'" >&2; return 1 ;;
  esac
  [ -n "$_cgroup_root" ] || { echo "berth_host_teardown: no cgroup root" >&2; return 1; }
  # The containers first: they hold the namespaces and the sites' content.
  if [ -d "$_runc_root" ] && command -v runc >/dev/null 2>&1; then
    for _id in $(runc --root "$_runc_root" list -q 2>/dev/null); do
      case "$_id" in "$_prefix"-*) runc --root "$_runc_root" delete --force "$_id" || true ;; esac
    done
  fi
  for _ns in /run/netns/"$_prefix"-*; do
    [ -e "$_ns" ] && { ip netns delete "${_ns##*/}" || true; }
  done
  for _link in $(ip -o link show type bridge 2>/dev/null | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }'); do
    case "$_link" in
      "$_prefix") ip link delete dev "$_link" || true ;;
      "$_prefix"-*)
        case "${_link#"$_prefix"-}" in *[!0-9]*) ;; *) ip link delete dev "$_link" || true ;; esac ;;
    esac
  done
  if command -v nft >/dev/null 2>&1 && nft list table inet "${_prefix}_guard" >/dev/null 2>&1; then
    nft delete table inet "${_prefix}_guard" || true
  fi
  for _hierarchy in /sys/fs/cgroup /sys/fs/cgroup/*; do
    [ -d "$_hierarchy/$_cgroup_root" ] || continue
    # Deepest first; a cgroup that still holds a process stays (and is reported).
    find "$_hierarchy/$_cgroup_root" -depth -type d -exec rmdir {} + 2>/dev/null \
      || echo "berth_host_teardown: $_hierarchy/$_cgroup_root not removed (processes left?)" >&2
  done
  if [ -n "$_nginx_pid_file" ] && [ -s "$_nginx_pid_file" ]; then
    _pid=$(cat "$_nginx_pid_file")
    case "$(cat "/proc/$_pid/comm" 2>/dev/null)" in nginx) kill -QUIT "$_pid" || true ;; esac
  fi
  return 0
}
