#!/bin/bash
# The article's on_role_change.sh (it rewrites DB_HOST in the application's .env when this node
# becomes the primary), corrected to the callback contract Patroni and hapg share. Each change
# is needed with Patroni exactly as with hapg:
#
#  1. A callback runs as `<command> <action> <role> <scope>`: the role is the next-to-last
#     argument and the scope the last (the article read ROLE=$1, CLUSTER_NAME=$2, ETCD_HOSTS=$3,
#     so $1 was "on_role_change" and no branch ever ran). The etcd endpoints, and optionally the
#     .env file, go in the configured command itself:
#         postgresql:
#           callbacks:
#             on_role_change: /opt/hapg/on_role_change.sh 10.0.0.1:2379,10.0.0.2:2379,10.0.0.3:2379
#  2. A promoted node's role is "primary" (Patroni 3 and hapg; "master" in Patroni 1 and 2).
#  3. The leader key holds the leader's *name*, not JSON (`jq -r .host` on it fails): the
#     address is the conn_url in <namespace>/<scope>/members/<name>.
#  4. `local x=$(cmd)` hides cmd's exit status (it is local's): declare, then assign.
# The .env is replaced atomically, and DB_PORT is written as well as DB_HOST, since nodes may
# share an address and differ only in port.
#
# Java applications do not need this script: ha-hikari's PrimaryDataSource follows the leader
# key in-process, with no file to rewrite and no restart.
set -u

if [ $# -lt 4 ]; then
    echo "usage: $0 ETCD_HOSTS [ENV_FILE] ACTION ROLE SCOPE (the last three are added by hapg/Patroni)" >&2
    exit 2
fi
ETCD_HOSTS="$1"
ENV_FILE="/var/www/shopify-app/.env"
if [ $# -ge 5 ]; then
    ENV_FILE="$2"
fi
ACTION="${*: -3:1}"
ROLE="${*: -2:1}"
CLUSTER_NAME="${*: -1}"
NAMESPACE="${HAPG_NAMESPACE:-/service}"

# Prints the primary's host:port from etcd, or nothing.
get_primary_address() {
    local leader member
    leader=$(etcdctl --endpoints="$ETCD_HOSTS" get "$NAMESPACE/$CLUSTER_NAME/leader" --print-value-only) || return 1
    [ -n "$leader" ] || return 1
    member=$(etcdctl --endpoints="$ETCD_HOSTS" get "$NAMESPACE/$CLUSTER_NAME/members/$leader" --print-value-only) || return 1
    # conn_url is postgres://host:port/dbname
    echo "$member" | jq -r '.conn_url // empty' | sed -E 's#^postgres(ql)?://([^/?]*).*#\2#'
}

update_app_config() {
    local address="$1"
    if [ -z "$address" ]; then
        echo "Error: Could not determine primary PostgreSQL address."
        exit 1
    fi
    local host="${address%:*}" port="${address##*:}"
    echo "Detected PostgreSQL primary change. New primary: $host:$port"
    if [ -f "$ENV_FILE" ]; then
        local tmp
        tmp=$(mktemp "$ENV_FILE.XXXXXX") || exit 1
        grep -v -E '^DB_(HOST|PORT)=' "$ENV_FILE" > "$tmp"
        printf 'DB_HOST=%s\nDB_PORT=%s\n' "$host" "$port" >> "$tmp"
        chmod --reference="$ENV_FILE" "$tmp" 2>/dev/null
        mv "$tmp" "$ENV_FILE"
        echo "Updated DB_HOST and DB_PORT in $ENV_FILE"
        # Optionally, clear caches or restart services here, e.g.:
        # cd /var/www/shopify-app && php artisan config:cache && sudo systemctl restart php-fpm
    else
        echo "Warning: .env file not found at $ENV_FILE. Manual intervention may be required."
    fi
}

echo "$ACTION: role $ROLE in cluster $CLUSTER_NAME"
if [ "$ROLE" == "primary" ] || [ "$ROLE" == "master" ]; then
    update_app_config "$(get_primary_address)"
elif [ "$ROLE" == "replica" ]; then
    echo "Node $(hostname) is now a replica."
fi
exit 0
