#!/usr/bin/env bash
# Real Redis client libraries against a real embedis-server process:
#   python/  redis-py (Debian's python3-redis)          -> "N passed, N failed"
#   node/    ioredis 5, node-redis 4 (RESP2) and 5 (RESP3) -> node --test
# Each suite starts its own server on a port the server picks (--port 0).
# Go (go-redis, redigo) is not here: its module proxy is not reachable from
# our machines, and we don't vendor other projects' code.
#
# Installs what it needs, idempotently. Set CLIENT_SUITE_ORACLE=redis-server
# to run the same suites against a real redis-server (checks the suites).
set -euo pipefail
cd "$(dirname "$0")"
here=$(pwd)
root=$(cd ../.. && pwd)

if [ "${CLIENT_SUITE_ORACLE:-}" != "redis-server" ] && [ -z "${EMBEDIS_SERVER:-}" ]; then
  (cd "$root" && cargo build -q -p embedis-server)
  export EMBEDIS_SERVER="$root/target/debug/embedis-server"
fi

apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

# ---- python: Debian's python3-redis, with Debian's python3 ----------------
py=/usr/bin/python3
if ! { [ -x "$py" ] && "$py" -c 'import redis' 2>/dev/null; }; then
  apt_install python3 python3-redis
fi
echo "--- redis-py $("$py" -c 'import redis; print(redis.__version__)')"
py_status=0
timeout 120 "$py" "$here/python/test_redis_py.py" || py_status=$?

# ---- node: ioredis + node-redis from the committed package-lock.json ------
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || apt_install nodejs npm
cd "$here/node"
stamp=node_modules/.embedis-lock-sha256
want=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  npm ci --no-audit --no-fund --prefer-offline --loglevel=error
  echo "$want" >"$stamp"
fi
echo "--- node $(node --version): ioredis, node-redis"
node_status=0
timeout 120 node --test --test-concurrency=1 --test-reporter=spec || node_status=$?

if [ "$py_status" -ne 0 ] || [ "$node_status" -ne 0 ]; then
  echo "client suites failed (python: $py_status, node: $node_status)"
  exit 1
fi
