#!/bin/sh
# The sharded pipeline on one machine: N pollsim processes, one per shard,
# each told its shard the way a Kubernetes Indexed Job tells its pods
# (JOB_COMPLETION_INDEX, and POLLSIM_SHARDS for the count), all writing into
# one parts folder; then the merge. The same commands as kubernetes/ and slurm/.
#
# Usage: deploy/local.sh COMMAND N CONFIG OUT [shard options...]
#   COMMAND  simulate or tune
#   N        shards (processes)
#   CONFIG   the config file; run from the directory the merge runs in
#   OUT      the results folder; the parts go to OUT.parts
# Environment: POLLSIM (the binary, default pollsim), MERGE_OPTIONS (e.g. --no-plots).
# Example: deploy/local.sh tune 4 configs/long.toml results/long
set -eu
POLLSIM=${POLLSIM:-pollsim}
COMMAND=$1 N=$2 CONFIG=$3 OUT=$4
shift 4
PARTS="$OUT.parts"
pids=""
i=0
while [ "$i" -lt "$N" ]; do
    JOB_COMPLETION_INDEX=$i POLLSIM_SHARDS=$N \
        "$POLLSIM" "$COMMAND" --config "$CONFIG" --shard auto --out "$PARTS" "$@" &
    pids="$pids $!"
    i=$((i + 1))
done
# Every shard must succeed: `wait PID` returns its exit status (set -e stops here).
for pid in $pids; do
    wait "$pid"
done
# shellcheck disable=SC2086 # MERGE_OPTIONS is a list of options
"$POLLSIM" merge "$PARTS"/shard-*-of-"$N" --out "$OUT" ${MERGE_OPTIONS:-}
