#!/usr/bin/env bash
# Medians of per-run ratios, embedis typed API vs kevy-embedded, for one
# in-process operation: the figure README "Performance" gives for the GET and
# SET goals. One run's absolute times swing up to 2x on a VM (memory latency
# varies from process to process); the ratio within a run moves much less.
#
#   bash benches/vs-kevy-runs.sh            # GET, 1 thread, 3 runs
#   OP=set THREADS=2 RUNS=5 bash benches/vs-kevy-runs.sh
#
# Each run is one `inprocess --bench` invocation, which runs each contender
# in a process of its own; printed: typed ns, kevy ns, kevy time / typed time
# (above 1: embedis faster), then the median of those ratios.
set -euo pipefail
OP=${OP:-get}
THREADS=${THREADS:-1}
RUNS=${RUNS:-3}
cd "$(dirname "$0")/.."
bin=$(cargo bench -p embedis-benches --bench inprocess --no-run 2>&1 |
    sed -n 's/.*Executable .*(\(.*\))$/\1/p' | tail -1)
ratios=()
for run in $(seq "$RUNS"); do
    # criterion's "time:" lines, typed first (contender order), as ns.
    mapfile -t ns < <(EMBEDIS_BENCH_THREADS=$THREADS EMBEDIS_BENCH_CLOCK=cpu "$bin" --bench \
        --warm-up-time 1 --measurement-time 2 "^$OP/(embedis-typed|kevy)" 2>&1 |
        awk '/time:/ && !/%/ { v = $5; if ($6 ~ /µs/) v *= 1000; if ($6 ~ /ms/) v *= 1e6; print v }')
    ratio=$(awk -v t="${ns[0]}" -v k="${ns[1]}" 'BEGIN { printf "%.3f", k / t }')
    echo "run $run: $OP typed ${ns[0]} ns, kevy-embedded ${ns[1]} ns, kevy time / typed time $ratio"
    ratios+=("$ratio")
done
median=$(printf '%s\n' "${ratios[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }')
echo "$OP, $THREADS thread(s), $RUNS runs: median kevy time / typed time = $median"
