#!/usr/bin/env bash
# The hapg demo: a local three-node cluster failing over under load.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "The demo (three etcd members, three agents with PostgreSQL, a storefront writing through" >&2
echo "a primary-following pool) is not built yet: it arrives with the agent issue." >&2
echo "Until then, 'bash scripts/test.sh' runs the real-process tests." >&2
exit 2
