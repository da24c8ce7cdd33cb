# hapg's fence keeper, run by FenceKeeper as: bash -c <this> hapg-fence-<member> <fence command...>
# It outlives a frozen or killed agent JVM, which is the point: it stops PostgreSQL with the fence
# command when the agent, while primary, stops re-arming it in time or exits without disarming it.
# Standard input, one line per message from the agent:
#   arm SECONDS   run the fence command unless another message arrives within SECONDS
#   disarm        wait without a deadline
# End of input while armed (the agent died as primary) fences at once; while disarmed, exits 0.
# Exit status 3 means it fenced. Signals a service manager sends to the whole group are ignored:
# only the agent, through this pipe, disarms the keeper.
trap '' INT TERM HUP
armed=
while :; do
    if [ -n "$armed" ]; then
        IFS= read -r -t "$armed" line
    else
        IFS= read -r line
    fi
    status=$?
    if [ $status -ne 0 ]; then
        [ -z "$armed" ] && exit 0
        if [ $status -gt 128 ]; then
            why="no renewal within ${armed}s (agent frozen?)"
        else
            why="the agent exited while primary"
        fi
        echo "$(date '+%F %T.%3N') $0[$$]: $why: stopping PostgreSQL: $*" >&2
        "$@"
        echo "$(date '+%F %T.%3N') $0[$$]: fence command exited with $?" >&2
        exit 3
    fi
    case "$line" in
        "arm "*) armed=${line#arm } ;;
        disarm) armed= ;;
        *) echo "$0[$$]: ignoring unknown message '$line'" >&2 ;;
    esac
done
