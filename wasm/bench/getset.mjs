// Node ops/s of get/set through the package's JS API against a plain JS Map,
// for scale (a Map is the floor: no Redis semantics, no boundary crossing).
// Usage: node wasm/bench/getset.mjs [ops]   (after wasm/build.sh)
import { Embedis } from 'embedis';

const N = Number(process.argv[2] ?? 200_000);
const keys = Array.from({ length: 1000 }, (_, i) => `key:${i}`);

// Reports ops per second of this process's CPU time (user + system), which
// stays meaningful on a busy machine, and of wall time. Each loop first runs
// for 500 ms untimed: V8 compiles hot WebAssembly functions with its
// optimizing tier in the background only after they have run a while
// (~60,000 get/set calls), and a shorter warm-up timed that compilation.
function measure(name, f) {
  const until = Date.now() + 500;
  while (Date.now() < until) f(10_000);
  const t0 = process.hrtime.bigint();
  const c0 = process.cpuUsage();
  f(N);
  const c = process.cpuUsage(c0);
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const ops = Math.round(N / ((c.user + c.system) / 1e6));
  const fmt = (n) => n.toLocaleString('en-US').padStart(12);
  console.log(`${name.padEnd(24)} ${fmt(ops)} ops/s of CPU ${fmt(Math.round(N / wall))} ops/s of wall time`);
  return ops;
}

const db = new Embedis();
const map = new Map();
let sink = 0;
const results = {
  'embedis set': measure('embedis set', (n) => { for (let i = 0; i < n; i++) db.set(keys[i % 1000], 'value'); }),
  'embedis get': measure('embedis get', (n) => { for (let i = 0; i < n; i++) sink += db.get(keys[i % 1000]).length; }),
  'embedis command([GET])': measure('embedis command([GET])', (n) => { for (let i = 0; i < n; i++) sink += db.command(['GET', keys[i % 1000]]).length; }),
  'Map set': measure('Map set', (n) => { for (let i = 0; i < n; i++) map.set(keys[i % 1000], 'value'); }),
  'Map get': measure('Map get', (n) => { for (let i = 0; i < n; i++) sink += map.get(keys[i % 1000]).length; }),
};
console.log(`embedis get is ${(results['Map get'] / results['embedis get']).toFixed(0)}x slower than Map get; set ${(results['Map set'] / results['embedis set']).toFixed(0)}x (sink ${sink > 0})`);
db.free();
