#!/usr/bin/env bash
# Side-by-side numbers for one node, hapg or Patroni, on its own etcd and PostgreSQL (loopback,
# a temporary directory, everything stopped by PID at the end):
#   bash scripts/bench/one-node.sh primary hapg|hapg-jdk|hapg-nagle|patroni   GET /primary with wrk, 10 and 100 clients
#   bash scripts/bench/one-node.sh idle    hapg|patroni [LOOP_WAIT] [SECONDS] [WARMUP]   idle CPU and RSS of the agent
#     (measured over SECONDS, from WARMUP seconds (default 20) after the node became primary;
#     HAPG_BENCH_THREADS=1 also prints the CPU ticks per thread name over the window)
# hapg runs from ha-agent/target/hapg.jar through ha-agent/bin/hapg (build it first:
# mvn -B -q -DskipTests -pl ha-agent -am package); hapg-jdk serves the REST API on the JDK's
# built-in server instead of Netty (-Dhapg.http.transport=jdk), hapg-nagle is hapg-jdk with
# -Dsun.net.httpserver.nodelay=false (the behaviour before TCP_NODELAY). Needs etcd, PostgreSQL,
# patroni, wrk, curl (bash scripts/install-deps.sh bench); as root, PostgreSQL runs as the user
# 'hapg'. A benchmark, not a test.
set -euo pipefail
for tool in curl $([ "${1:-}" = primary ] && echo wrk); do
  command -v "$tool" >/dev/null 2>&1 || { echo "one-node.sh needs $tool: bash scripts/install-deps.sh bench" >&2; exit 2; }
done
mode=$1; kind=$2; loop_wait=${3:-2}; seconds=${4:-60}; warmup=${5:-20}
repo=$(cd "$(dirname "$0")/../.." && pwd)
dir=$(mktemp -d /tmp/hapg-bench-XXXX); chmod 755 "$dir"
pids=()
alive() { [ -r "/proc/$1/stat" ] && [ "$(awk '{print $3}' "/proc/$1/stat" 2>/dev/null)" != Z ]; }
cleanup() {
  # The agent first (it stops PostgreSQL and releases its key while etcd still runs), then etcd.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    kill -TERM "${pids[i]}" 2>/dev/null || true
    for _ in $(seq 1 30); do alive "${pids[i]}" || break; sleep 0.5; done
    kill -KILL "${pids[i]}" 2>/dev/null || true
  done
  [ -f "$dir/pg/data/postmaster.pid" ] && kill -INT "$(head -1 "$dir/pg/data/postmaster.pid")" 2>/dev/null || true
  sleep 1; rm -rf "$dir"
}
trap cleanup EXIT
port() { python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'; }
ep=$(port); pp=$(port); rp=$(port); pg=$(port)
etcd --data-dir "$dir/etcd" --listen-client-urls "http://127.0.0.1:$ep" --advertise-client-urls "http://127.0.0.1:$ep" \
  --listen-peer-urls "http://127.0.0.1:$pp" --initial-advertise-peer-urls "http://127.0.0.1:$pp" \
  --initial-cluster "default=http://127.0.0.1:$pp" > "$dir/etcd.log" 2>&1 &
pids+=($!)
mkdir -p "$dir/pg"
run_as=()
if [ "$(id -u)" -eq 0 ]; then
  id hapg >/dev/null 2>&1 || useradd -r hapg
  chown hapg "$dir/pg"
  run_as=(setpriv --reuid=hapg --regid="$(id -g hapg)" --init-groups env HOME="$dir/pg")
fi
ttl=$(( loop_wait * 3 + 10 ))
auth="{superuser: {username: postgres, password: su}, replication: {username: replicator, password: rep}}"
if [ "$kind" = patroni ]; then
  cat > "$dir/node.yml" <<YAML
scope: bench
name: p1
restapi: {listen: 127.0.0.1:$rp, connect_address: 127.0.0.1:$rp}
etcd3: {host: 127.0.0.1:$ep}
bootstrap: {dcs: {ttl: $ttl, loop_wait: $loop_wait, retry_timeout: $loop_wait}}
postgresql:
  listen: 127.0.0.1:$pg
  connect_address: 127.0.0.1:$pg
  data_dir: $dir/pg/data
  bin_dir: $(pg_config --bindir)
  pgpass: $dir/pg/pgpass
  authentication: $auth
  parameters: {fsync: 'off', shared_buffers: 16MB, unix_socket_directories: '$dir/pg'}
YAML
  [ ${#run_as[@]} -gt 0 ] && chown hapg "$dir/node.yml"
  "${run_as[@]}" patroni "$dir/node.yml" > "$dir/agent.log" 2>&1 &
else
  cat > "$dir/node.yml" <<YAML
scope: bench
name: n1
restapi: {listen: 127.0.0.1:$rp, connect_address: 127.0.0.1:$rp}
etcd3: {hosts: [127.0.0.1:$ep]}
bootstrap: {dcs: {ttl: $ttl, loop_wait: $loop_wait, retry_timeout: $loop_wait}}
postgresql:
  listen: 127.0.0.1:$pg
  data_dir: $dir/pg/data
$( [ ${#run_as[@]} -gt 0 ] && echo "  os_user: hapg" )
  authentication: $auth
  parameters: {fsync: 'off', shared_buffers: 16MB}
YAML
  opts="${HAPG_BENCH_JAVA_OPTS:-}"
  case $kind in
    hapg-jdk) opts="$opts -Dhapg.http.transport=jdk" ;;
    hapg-nagle) opts="$opts -Dhapg.http.transport=jdk -Dsun.net.httpserver.nodelay=false" ;;
  esac
  HAPG_JAVA_OPTS="$opts" "$repo/ha-agent/bin/hapg" agent "$dir/node.yml" > "$dir/agent.log" 2>&1 &
fi
agent=$!; pids+=("$agent")
code=000
for _ in $(seq 1 240); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$rp/primary" || true)
  [ "$code" = 200 ] && break; sleep 0.5
done
[ "$code" = 200 ] || { echo "$kind: no primary (last /primary $code); log: $dir/agent.log" >&2; tail -20 "$dir/agent.log" >&2; exit 1; }
case $mode in
  primary)
    for c in 10 100; do
      echo "$kind GET /primary, wrk -c$c:"
      wrk -t2 -c"$c" -d10s --latency "http://127.0.0.1:$rp/primary" | grep -E "Requests/sec|  50%|  99%|Socket errors|Non-2xx"
    done ;;
  idle)
    sleep "$warmup"
    threads() { for t in /proc/"$agent"/task/*; do echo "$(cat "$t/comm" 2>/dev/null | tr ' ' _) $(awk '{print $14+$15}' "$t/stat" 2>/dev/null)"; done; }
    [ -n "${HAPG_BENCH_THREADS:-}" ] && threads > "$dir/threads0"
    t0=$(awk '{print $14+$15}' "/proc/$agent/stat"); sleep "$seconds"; t1=$(awk '{print $14+$15}' "/proc/$agent/stat")
    if [ -n "${HAPG_BENCH_THREADS:-}" ]; then
      # Per-thread CPU ticks over the window, summed by thread name (a thread that started in the
      # window counts whole): where the idle CPU goes.
      threads > "$dir/threads1"
      python3 - "$dir/threads0" "$dir/threads1" <<'PY'
import sys, collections
def load(f):
    d = collections.Counter()
    for line in open(f):
        parts = line.split()
        if len(parts) == 2 and parts[1].isdigit():
            d[parts[0]] += int(parts[1])
    return d
a, b = load(sys.argv[1]), load(sys.argv[2])
for name, ticks in sorted(((n, b[n] - a.get(n, 0)) for n in b), key=lambda x: -x[1]):
    if ticks > 0:
        print(f"  {ticks:5d} ticks  {name}")
PY
    fi
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$agent/status")
    echo "$kind loop_wait=$loop_wait: idle CPU $(python3 -c "print(round(($t1-$t0)/$(getconf CLK_TCK)/$seconds*100,2))") % of a core over ${seconds} s after ${warmup} s, RSS $((rss / 1024)) MB ($(cat "/proc/$agent/comm"))" ;;
  *) echo "unknown mode $mode" >&2; exit 2 ;;
esac
