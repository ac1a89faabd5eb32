#!/usr/bin/env bash
# embedis-server vs redis-server 7.0 vs kevy (the closest Rust peer), same
# machine, same run: redis-benchmark throughput at -P 1 and -P 16, servers
# alternated over several rounds (median reported), then memory per key
# after loading 1M small string keys into each (freshly restarted) server.
#
#   bash benches/vs-redis.sh                 # the full run (~10 minutes on 2 cores)
#   ROUNDS=1 REQUESTS=20000 MEMORY_KEYS=100000 bash benches/vs-redis.sh   # a quick look
#
# Knobs (environment): ROUNDS (3), REQUESTS (200000), CLIENTS (50),
# PIPELINES ("1 16"), TESTS (the redis-benchmark -t list), MEMORY_KEYS
# (1000000), KEVY (path to a kevy binary; found on PATH or installed with
# `cargo +1.97 install kevy` when missing), NO_KEVY=1 to leave kevy out,
# OUT (also write the tables to this file).
#
# Then, with those keys loaded, the longest PING round trip a client sees
# while BGSAVE runs. Prints markdown tables on stdout; progress goes to
# stderr. Stops every server it started, by PID, on exit.
set -euo pipefail

ROUNDS=${ROUNDS:-3}
REQUESTS=${REQUESTS:-200000}
CLIENTS=${CLIENTS:-50}
PIPELINES=${PIPELINES:-"1 16"}
TESTS=${TESTS:-set,get,incr,lpush,rpush,lpop,rpop,sadd,hset,spop,zadd,lrange_100,mset}
MEMORY_KEYS=${MEMORY_KEYS:-1000000}

root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/embedis-vs-redis.XXXXXX")
declare -A PID PORT CMD
SERVERS=()

log() { echo "vs-redis: $*" >&2; }

cleanup() {
    local name
    for name in "${!PID[@]}"; do
        kill "${PID[$name]}" 2>/dev/null || true
        wait "${PID[$name]}" 2>/dev/null || true
    done
    rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port nothing listens on.
free_port() {
    local p
    while :; do
        p=$((20000 + RANDOM % 30000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return
        fi
    done
}

# start NAME CMD...: starts a server (in its own directory under $work) on
# PORT[NAME] and waits until it answers PING.
start() {
    local name=$1
    shift
    CMD[$name]=$(printf '%q ' "$@")
    launch "$name" || return 1
    SERVERS+=("$name")
}

# restart NAME: stops the server and starts it again with the same command,
# so that it holds no memory from earlier work (freed memory that an
# allocator keeps would otherwise hide new keys' RSS).
restart() {
    local name=$1
    kill "${PID[$name]}" 2>/dev/null || true
    wait "${PID[$name]}" 2>/dev/null || true
    launch "$name"
}

launch() {
    local name=$1
    mkdir -p "$work/$name"
    (cd "$work/$name" && eval "exec ${CMD[$name]}") >"$work/$name.log" 2>&1 &
    PID[$name]=$!
    local i
    for i in $(seq 1 100); do
        if [ "$(redis-cli -p "${PORT[$name]}" PING 2>/dev/null)" = PONG ]; then
            log "$name up on port ${PORT[$name]} (pid ${PID[$name]})"
            return 0
        fi
        if ! kill -0 "${PID[$name]}" 2>/dev/null; then break; fi
        sleep 0.1
    done
    log "$name did not start; its log:"
    cat "$work/$name.log" >&2
    kill "${PID[$name]}" 2>/dev/null || true
    unset "PID[$name]"
    return 1
}

command -v redis-server >/dev/null && command -v redis-benchmark >/dev/null || {
    log "redis-server and redis-benchmark are needed (Debian: apt-get install redis-server redis-tools)"
    exit 1
}
redis_version=$(redis-server --version | sed -n 's/.* v=\([0-9.]*\).*/\1/p')

log "building embedis-server (release)"
(cd "$root" && cargo build --release -q -p embedis-server) >&2
embedis_bin="$root/target/release/embedis-server"
[ -n "${CARGO_TARGET_DIR:-}" ] && embedis_bin="$CARGO_TARGET_DIR/release/embedis-server"

# kevy: on PATH, or installed with the toolchain it needs (rustc >= 1.97).
kevy_note=""
KEVY=${KEVY:-$(command -v kevy || true)}
if [ -z "${NO_KEVY:-}" ] && [ -z "$KEVY" ]; then
    log "kevy not found: installing (rustup toolchain 1.97 + cargo install kevy)"
    if rustup toolchain install 1.97 --profile minimal >&2 && cargo +1.97 install kevy --locked >&2; then
        KEVY=$(command -v kevy || echo "$HOME/.cargo/bin/kevy")
    else
        kevy_note="kevy could not be installed here (rustup toolchain 1.97 or the kevy crate could not be fetched); compared embedis and redis only."
        log "$kevy_note"
        KEVY=""
    fi
fi
[ -n "${NO_KEVY:-}" ] && KEVY="" && kevy_note="kevy left out (NO_KEVY set)."
kevy_version=""
[ -n "$KEVY" ] && kevy_version=$("$KEVY" --version 2>/dev/null | head -1 || true)

for name in embedis redis kevy kevy-1t; do PORT[$name]=$(free_port); done
start embedis "$embedis_bin" --port "${PORT[embedis]}" --save "" --dir "$work/embedis"
start redis redis-server --port "${PORT[redis]}" --save "" --appendonly no --dir "$work/redis"
if [ -n "$KEVY" ]; then
    start kevy "$KEVY" --port "${PORT[kevy]}" --no-aof || true
    start kevy-1t "$KEVY" --port "${PORT[kevy-1t]}" --no-aof --threads 1 || true
fi

# ---- throughput ---------------------------------------------------------

results="$work/results.txt" # server|pipeline|test|rps, one line per run
: >"$results"
n=${#SERVERS[@]}
for round in $(seq 1 "$ROUNDS"); do
    for p in $PIPELINES; do
        # Rotate the order every round so no server always runs first.
        for k in $(seq 0 $((n - 1))); do
            name=${SERVERS[$(((k + round) % n))]}
            log "round $round/$ROUNDS -P $p: $name"
            redis-cli -p "${PORT[$name]}" FLUSHALL >/dev/null
            redis-benchmark -h 127.0.0.1 -p "${PORT[$name]}" -c "$CLIENTS" -n "$REQUESTS" -P "$p" \
                -t "$TESTS" --csv 2>/dev/null |
                awk -F'","' -v s="$name" -v p="$p" 'NR > 1 {
                    gsub(/"/, "", $1); gsub(/"/, "", $2)
                    if ($1 !~ /needed to benchmark/) print s "|" p "|" $1 "|" $2
                }' >>"$results"
        done
    done
done

# Medians over rounds: server|pipeline|test|rps.
medians="$work/medians.txt"
awk -F'|' '{ print $1 "|" $2 "|" $3 "|" $4 }' "$results" |
    sort -t'|' -k1,1 -k2,2n -k3,3 -k4,4g |
    awk -F'|' '
        function flush() { if (n) print key "|" v[int((n + 1) / 2)] }
        { k = $1 "|" $2 "|" $3; if (k != key) { flush(); key = k; n = 0 } v[++n] = $4 }
        END { flush() }' >"$medians"
# Test order as redis-benchmark ran them.
order=$(awk -F'|' '!seen[$3]++ { print $3 }' "$results")

tables() {
    echo "### Server throughput: requests/s, median of $ROUNDS rounds"
    echo
    echo "redis-benchmark -c $CLIENTS -n $REQUESTS, $(nproc) cores ($(sed -n 's/^model name\s*: //p' /proc/cpuinfo | head -1)), $(date -u +%Y-%m-%d)."
    echo "redis-server $redis_version; ${kevy_version:-no kevy}. Reproduce: \`bash benches/vs-redis.sh\`."
    [ -n "$kevy_note" ] && echo && echo "$kevy_note"
    for p in $PIPELINES; do
        echo
        awk -F'|' -v p="$p" -v servers="${SERVERS[*]}" -v order="$order" '
            BEGIN { ns = split(servers, S, " "); nt = split(order, T, "\n") }
            $2 == p { r[$1 "|" $3] = $4 }
            function fmt(x) { return x == "" ? "—" : sprintf("%.0f", x) }
            END {
                printf "| -P %s |", p
                for (i = 1; i <= ns; i++) printf " %s |", S[i]
                printf " embedis / redis | embedis / kevy | embedis / kevy-1t |\n|"
                for (i = 0; i <= ns + 3; i++) printf " --- |"
                printf "\n"
                for (t = 1; t <= nt; t++) {
                    name = T[t]; printf "| %s |", name
                    for (i = 1; i <= ns; i++) printf " %s |", fmt(r[S[i] "|" name])
                    e = r["embedis|" name]; rd = r["redis|" name]; kv = r["kevy|" name]; k1 = r["kevy-1t|" name]
                    if (e != "" && rd > 0) { x = e / rd; lr += log(x); nr++; printf " %.2f× |", x } else printf " — |"
                    if (e != "" && kv > 0) { x = e / kv; lk += log(x); nk++; printf " %.2f× |", x } else printf " — |"
                    if (e != "" && k1 > 0) { x = e / k1; l1 += log(x); n1++; printf " %.2f× |", x } else printf " — |"
                    printf "\n"
                }
                printf "| **geometric mean** |"
                for (i = 1; i <= ns; i++) printf " |"
                printf " **%s** |", nr ? sprintf("%.2f×", exp(lr / nr)) : "—"
                printf " **%s** |", nk ? sprintf("%.2f×", exp(lk / nk)) : "—"
                printf " **%s** |\n", n1 ? sprintf("%.2f×", exp(l1 / n1)) : "—"
            }' "$medians"
    done
}

# ---- memory ---------------------------------------------------------------

# RESP for MEMORY_KEYS `SET key:000042 val:000042` commands.
gen_keys() {
    awk -v n="$MEMORY_KEYS" 'BEGIN {
        for (i = 0; i < n; i++) {
            k = sprintf("key:%06d", i); v = sprintf("val:%06d", i)
            printf "*3\r\n$3\r\nSET\r\n$%d\r\n%s\r\n$%d\r\n%s\r\n", length(k), k, length(v), v
        }
    }'
}
used_memory() { redis-cli -p "$1" INFO memory 2>/dev/null | tr -d '\r' | sed -n 's/^used_memory://p'; }
rss_bytes() { awk '/^VmRSS:/ { print $2 * 1024 }' "/proc/$1/status"; }

memory_table() {
    echo "### Server memory per key: $MEMORY_KEYS keys \`key:000042\` → \`val:000042\` (10-byte keys and values), each server restarted first"
    echo
    echo "| server | used_memory / key (B) | RSS growth / key (B) |"
    echo "| --- | --- | --- |"
    local name u0 u1 r0 r1 um
    for name in "${SERVERS[@]}"; do
        [ "$name" = kevy-1t ] && continue
        restart "$name" || continue
        sleep 0.5
        u0=$(used_memory "${PORT[$name]}")
        r0=$(rss_bytes "${PID[$name]}")
        log "loading $MEMORY_KEYS keys into $name"
        gen_keys | redis-cli -p "${PORT[$name]}" --pipe >/dev/null
        sleep 0.5
        u1=$(used_memory "${PORT[$name]}")
        r1=$(rss_bytes "${PID[$name]}")
        if [ -n "$u0" ] && [ -n "$u1" ]; then
            um=$(awk -v a="$u0" -v b="$u1" -v n="$MEMORY_KEYS" 'BEGIN { printf "%.1f", (b - a) / n }')
        else
            um="— (no used_memory in INFO)"
        fi
        echo "| $name | $um | $(awk -v a="$r0" -v b="$r1" -v n="$MEMORY_KEYS" 'BEGIN { printf "%.1f", (b - a) / n }') |"
    done
}

# ---- BGSAVE pause -----------------------------------------------------------

# The max column of `redis-cli --latency` output ("min max avg samples",
# printed once when it is interrupted and its output is not a terminal).
probe_max() { awk '{ print $2 }' "$1"; }

bgsave_table() {
    echo "### BGSAVE pause: $MEMORY_KEYS keys loaded, longest PING round trip while a background save runs"
    echo
    echo "| server | longest PING during BGSAVE (ms) | longest PING, no save (ms) | BGSAVE took (s) |"
    echo "| --- | --- | --- | --- |"
    local name port idle busy lp t0 t1 i last
    for name in "${SERVERS[@]}"; do
        [ "$name" = kevy-1t ] && continue
        port=${PORT[$name]}
        timeout -s INT 2 redis-cli -p "$port" --latency >"$work/idle.lat" 2>/dev/null || true
        idle=$(probe_max "$work/idle.lat")
        last=$(redis-cli -p "$port" LASTSAVE)
        redis-cli -p "$port" --latency >"$work/busy.lat" 2>/dev/null &
        lp=$!
        sleep 0.3
        log "BGSAVE on $name"
        t0=$(date +%s.%N)
        redis-cli -p "$port" BGSAVE >/dev/null
        # Done when INFO says so, or (servers without that field) LASTSAVE
        # moves; given up on after a minute.
        for i in $(seq 1 600); do
            sleep 0.05
            if redis-cli -p "$port" INFO persistence | grep -q '^rdb_bgsave_in_progress:1'; then continue; fi
            if redis-cli -p "$port" INFO persistence | grep -q '^rdb_bgsave_in_progress:0' ||
                [ "$(redis-cli -p "$port" LASTSAVE)" != "$last" ]; then break; fi
        done
        t1=$(date +%s.%N)
        sleep 0.3
        kill -INT "$lp" 2>/dev/null || true
        wait "$lp" 2>/dev/null || true
        busy=$(probe_max "$work/busy.lat")
        echo "| $name | ${busy:-—} | ${idle:-—} | $(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }') |"
    done
}

# Not in a pipeline: memory_table restarts the servers, and their new PIDs
# must reach the cleanup trap of this shell, not of a subshell.
{
    tables
    echo
    memory_table
    echo
    bgsave_table
} >"$work/tables.md"
cat "$work/tables.md"
if [ -n "${OUT:-}" ]; then cp "$work/tables.md" "$OUT"; fi
