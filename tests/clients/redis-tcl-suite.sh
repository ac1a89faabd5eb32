#!/usr/bin/env bash
# Runs Redis 7.0.15's own Tcl test suite (units below) against embedis-server,
# in external-server mode (`runtest --host --port`), and prints ok/err counts
# per unit. Not part of tests/run.sh: it downloads Debian's redis source
# package (apt-get source, into a scratch dir outside the repo; nothing of it
# is committed) and takes ~15 minutes.
#
#   bash tests/clients/redis-tcl-suite.sh [scratch-dir] [unit ...]
#   REDIS_TCL_PORT=7801 ...   run against a server already listening there
#                             (e.g. a real redis-server, for the baseline)
#   REDIS_TCL_BASEPORT=25111  ports for the harness's own test server (set it
#                             when two runs go at once)
#
# The scratch copy of the harness gets four small patches, so that one
# missing feature doesn't abort a whole file:
#   - `function flush` and config overrides at server start are allowed to fail;
#   - CONFIG SET of encoding knobs (*-max-listpack-*, list-compress-depth...)
#     is ignored (run with --ignore-encoding);
#   - `memory_usage` returns 1 when MEMORY USAGE is unknown;
#   - unit/scripting-eval is scripting.tcl's EVAL half (FUNCTION is not ours).
# Tests tagged needs:repl, needs:debug, needs:config-maxmemory, needs:save and
# external:skip are skipped by the harness.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
scratch=${1:-/tmp/embedis-redis-tcl}
shift || true
units=("$@")
[ ${#units[@]} -gt 0 ] || units=(unit/type/string unit/type/incr unit/type/list unit/type/list-2
  unit/type/list-3 unit/type/hash unit/type/set unit/type/zset unit/expire unit/multi unit/pubsub
  unit/keyspace unit/protocol unit/scan unit/sort unit/info-command unit/quit unit/other
  unit/scripting-eval unit/introspection-2)
command -v tclsh8.6 >/dev/null || { apt-get update -qq && apt-get install -y -qq tcl8.6 >/dev/null; }

mkdir -p "$scratch/apt/lists/partial"
src="$scratch/redis-7.0.15"
if [ ! -d "$src/tests" ]; then
  cat >"$scratch/apt/src.list" <<'EOF'
deb-src [signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] http://deb.debian.org/debian bookworm main
EOF
  apt_opts=(-o "Dir::Etc::SourceList=$scratch/apt/src.list" -o Dir::Etc::SourceParts=/nonexistent
    -o "Dir::State::Lists=$scratch/apt/lists")
  apt-get "${apt_opts[@]}" update -qq
  (cd "$scratch" && apt-get "${apt_opts[@]}" source --download-only redis >/dev/null)
  tar -xzf "$scratch"/redis_7.0.15.orig.tar.gz -C "$scratch"
  t="$src/tests"
  python3 - "$t" <<'EOF'
import sys
t = sys.argv[1]
def patch(path, old, new):
    s = open(path).read()
    assert old in s, (path, old)
    open(path, 'w').write(s.replace(old, new, 1))
patch(f"{t}/support/server.tcl", "    r function flush\n", "    catch {r function flush}\n")
patch(f"{t}/support/server.tcl",
      "        dict set saved_config $param [lindex [r config get $param] 1]\n        r config set $param $val\n",
      "        catch {dict set saved_config $param [lindex [r config get $param] 1]}\n        catch {r config set $param $val}\n")
patch(f"{t}/support/server.tcl",
      "    dict for {param val} $saved_config {\n        r config set $param $val\n",
      "    dict for {param val} $saved_config {\n        catch {r config set $param $val}\n")
patch(f"{t}/test_helper.tcl", '''    [srv $level "client"] {*}$args
}''', '''    if {[string equal -nocase [lindex $args 0] config] && [string equal -nocase [lindex $args 1] set] &&
        [regexp {(max-(ziplist|listpack|intset)|compress-depth|set-max-)} [lindex $args 2]]} {
        catch {[srv $level "client"] {*}$args}
        return OK
    }
    [srv $level "client"] {*}$args
}''')
patch(f"{t}/support/util.tcl", "    set usage [r memory usage $key]\n",
      "    if {[catch {set usage [r memory usage $key]}]} { return 1 }\n")
s = open(f"{t}/unit/scripting.tcl").read()
open(f"{t}/unit/scripting-eval.tcl", "w").write(s.replace("foreach is_eval {0 1} {", "foreach is_eval {1} {", 1))
EOF
fi

port=${REDIS_TCL_PORT:-}
server_pid=
if [ -z "$port" ]; then
  (cd "$root" && cargo build -q -p embedis-server)
  log="$scratch/embedis-server.log"
  "$root/target/debug/embedis-server" --port 0 --bind 127.0.0.1 --save '' --dir "$scratch" >"$log" 2>&1 &
  server_pid=$!
  trap '[ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null' EXIT
  for _ in $(seq 100); do
    port=$(sed -n 's/.*Listening on 127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -1)
    [ -n "$port" ] && break
    sleep 0.1
  done
fi

out="$scratch/runs/$(date +%s)"
mkdir -p "$out"
total_ok=0 total_err=0
cd "$src"
for u in "${units[@]}"; do
  f="$out/$(echo "$u" | tr / _).log"
  timeout 300 ./runtest --host 127.0.0.1 --port "$port" --single "$u" --durable --clients 1 \
    --timeout 60 --ignore-encoding --baseport "${REDIS_TCL_BASEPORT:-21111}" --tags -needs:repl --tags -needs:debug \
    --tags -needs:config-maxmemory --tags -needs:save >"$f" 2>&1 || true
  ok=$(grep -c '^\[.*ok.*\]:' "$f" || true)
  err=$(grep -c '^\[.*\(err\|exception\|TIMEOUT\).*\]:' "$f" || true)
  # A unit that could not start at all counts as one failure.
  [ "$ok" -eq 0 ] && [ "$err" -eq 0 ] && ! grep -q 'All tests passed' "$f" && err=1
  total_ok=$((total_ok + ok)) total_err=$((total_err + err))
  printf '%-24s ok=%-4s err=%s\n' "$u" "$ok" "$err"
done
echo "logs: $out"
echo "redis tcl suite: $total_ok passed, $total_err failed"
