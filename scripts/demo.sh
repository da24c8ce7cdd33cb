#!/usr/bin/env bash
# The hapg demo: three etcd members and three agents, each with its PostgreSQL, on 127.0.0.1.
# Kill the primary or ask for a switchover from another terminal (the demo prints how); Ctrl-C
# stops every process it started. Installs etcd and PostgreSQL when missing, builds hapg-demo.jar,
# then runs `java -jar ha-examples/target/hapg-demo.jar demo`. Extra arguments go to the demo
# (e.g. --exit-when-ready).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "building ha-examples/target/hapg-demo.jar (mvn package, tests skipped) ..."
mvn -B -q -ntp -DskipTests -pl ha-examples -am package
exec java -jar ha-examples/target/hapg-demo.jar demo "$@"
