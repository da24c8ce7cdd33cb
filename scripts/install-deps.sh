#!/usr/bin/env bash
# Makes sure the programs hapg's tests and demo start are installed: etcd, PostgreSQL (13-17),
# and, as real clients of hapg's interfaces, Patroni's patronictl, HAProxy, and etcdctl + jq for the
# article's callback script.
# As root it installs what is missing with apt-get; otherwise it prints the command to run.
set -euo pipefail

have_postgres() {
  local bindir
  if command -v pg_config >/dev/null 2>&1; then
    bindir=$(pg_config --bindir 2>/dev/null || true)
    [ -n "$bindir" ] && [ -x "$bindir/postgres" ] && [ -x "$bindir/initdb" ] && return 0
  fi
  for v in 17 16 15 14 13; do
    [ -x "/usr/lib/postgresql/$v/bin/postgres" ] && return 0
  done
  return 1
}

missing=()
command -v etcd >/dev/null 2>&1 || missing+=(etcd-server)
command -v etcdctl >/dev/null 2>&1 || missing+=(etcd-client)
have_postgres || missing+=(postgresql)
command -v patronictl >/dev/null 2>&1 || missing+=(patroni)
command -v haproxy >/dev/null 2>&1 || [ -x /usr/sbin/haproxy ] || missing+=(haproxy)
command -v setpriv >/dev/null 2>&1 || missing+=(util-linux)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v jq >/dev/null 2>&1 || missing+=(jq)
# `install-deps.sh bench`: also what the benchmark scripts (scripts/bench) drive, never the tests.
if [ "${1:-}" = bench ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v curl >/dev/null 2>&1 || missing+=(curl)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "hapg needs: ${missing[*]}" >&2
  echo "Install them with:  sudo apt-get update && sudo apt-get install -y ${missing[*]}" >&2
  exit 1
fi

echo "installing: ${missing[*]}"
# Packages must not start their own services (a system etcd on 2379 or a PostgreSQL "main"
# cluster on 5432): the tests start their own processes on free ports.
policy=/usr/sbin/policy-rc.d
created_policy=0
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\nexit 101\n' > "$policy" && chmod +x "$policy" && created_policy=1
fi
mkdir -p /etc/postgresql-common
if [ ! -e /etc/postgresql-common/createcluster.conf ]; then
  echo "create_main_cluster = false" > /etc/postgresql-common/createcluster.conf
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq -o Dpkg::Options::=--force-confold "${missing[@]}" >/dev/null
[ "$created_policy" -eq 1 ] && rm -f "$policy"
echo "installed: ${missing[*]}"
