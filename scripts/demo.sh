#!/usr/bin/env bash
# The hapg demo: three etcd members and three agents, each with its PostgreSQL, on 127.0.0.1, and
# a storefront following the primary through the article's faults (about 4 minutes; a table and a
# verdict at the end). Ctrl-C stops every process it started. Installs etcd and PostgreSQL when
# missing, builds hapg-demo.jar, then runs `java -jar ha-examples/target/hapg-demo.jar demo`.
# Extra arguments go to the demo (--short, --interactive, --exit-when-ready, --sync on|off).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh
echo "building ha-examples/target/hapg-demo.jar (mvn package, tests skipped) ..."
mvn -B -q -ntp -DskipTests -pl ha-examples -am package
exec java -jar ha-examples/target/hapg-demo.jar demo "$@"
