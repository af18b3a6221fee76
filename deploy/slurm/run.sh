#!/bin/sh
# Submits the shards as an array of SHARDS tasks, then the merge, which
# Slurm starts only when every task succeeded (afterok).
# Usage: SHARDS=8 CONFIG=configs/long.toml OUT=results/long deploy/slurm/run.sh
set -eu
SHARDS=${SHARDS:-8}
export COMMAND=${COMMAND:-simulate} CONFIG=${CONFIG:-configs/long.toml}
export OUT=${OUT:-results/long} SHARDS
export PARTS="$OUT.parts"
here=$(dirname "$0")
job=$(sbatch --parsable --export=ALL --array=0-$((SHARDS - 1)) "$here/shards.sbatch")
sbatch --export=ALL --dependency=afterok:"$job" "$here/merge.sbatch"
