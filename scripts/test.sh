#!/usr/bin/env bash
# Runs every hapg test, unit and integration, against real etcd and PostgreSQL processes that
# the tests start on free loopback ports. Installs etcd and PostgreSQL first when missing.
# Extra arguments go to Maven, e.g.:  bash scripts/test.sh -pl ha-testkit
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
exec mvn -B -ntp verify "$@"
