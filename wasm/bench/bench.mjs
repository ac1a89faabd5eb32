// embedis (the npm package built from this repository's wasm/) vs a plain JS
// Map doing the same work vs ioredis-mock, in one Node process: ops/s for
// set, get, lpush, zadd and zrange 0 99. Prints a markdown table.
//
//   bash wasm/build.sh && cd wasm/bench && npm install && npm run bench
//   N=20000 npm run bench          # fewer operations per row
//
// What a row measures: N calls (default 200000) as a user writes them, one
// at a time, each result used: `set` of N new keys, `get` of those keys,
// `lpush` of N elements onto one list, `zadd` of N new members to a sorted
// set that starts with ZSET_MEMBERS (default 10000) members, `zrange 0 99`
// of that set. embedis and the Map answer synchronously; ioredis-mock's
// methods return Promises, and each is awaited before the next call (`await
// redis.get(k)`), as a program using it does. ioredis-mock's zadd and zrange
// rows stop after TIME_LIMIT_MS (default 1000), since it sorts as it goes.
//
// How: each contender runs in a Node process of its own (no garbage or JIT
// feedback of one contender lands in another's timing), ROUNDS times
// (default 5), the contenders' turns rotating within a round. A process
// first runs the whole workload WARMUPS times (default 3) on throwaway stores
// (each row stopping after WARMUP_MS, default 300), then times it once on a
// new store. The warm-up is the timed workload itself because V8 compiles
// hot code in tiers, WebAssembly included, in background threads, once a
// function has run a while: a warm-up that ran each row on one store never
// inserted into a new store after its first 20,000 sets, and the timed rows
// then paid (in CPU time) for compiling the insert path, at 2-4 times the
// steady cost. A row's figure is its median over the rounds, in operations
// per second of the process's CPU time (user + system, all threads: garbage
// collection included), which other programs on a busy machine disturb less
// than wall time; the wall-time medians follow the table.

import os from 'node:os';
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
let Embedis;
try {
  ({ Embedis } = require('embedis'));
} catch (e) {
  console.error('embedis is missing: build it (`bash wasm/build.sh`), then `npm install` here.');
  throw e;
}
const RedisMock = require('ioredis-mock');

const N = Number(process.env.N ?? 200_000);
const ROUNDS = Number(process.env.ROUNDS ?? 5);
const WARMUPS = Number(process.env.WARMUPS ?? 3);
const WARMUP_MS = Number(process.env.WARMUP_MS ?? 300);
// The time limit of rows without one (an hour): every row computes a deadline
// of the same type, so warm-up and timed rows run the same compiled code.
const NO_LIMIT_MS = 3_600_000;
const TIME_LIMIT_MS = Number(process.env.TIME_LIMIT_MS ?? 1000);
const ZSET_MEMBERS = Number(process.env.ZSET_MEMBERS ?? 10_000);

const pad = (i) => String(i).padStart(6, '0');
const keys = Array.from({ length: N }, (_, i) => `key:${pad(i)}`);
const values = Array.from({ length: N }, (_, i) => `val:${pad(i)}`);
const members = Array.from({ length: N + ZSET_MEMBERS }, (_, i) => `member:${pad(i)}`);
// The starting members, as [score, member] pairs for one bulk zadd (setup, not timed).
const initial = Array.from({ length: ZSET_MEMBERS }, (_, i) => [i, members[N + i]]);

/** Runs `op(i)` for i in 0..n, stopping early after `limitMs`, awaiting it
 *  when it returns a promise; returns operations per second of CPU time and
 *  of wall time. */
async function measure(op, n, limitMs) {
  const start = process.hrtime.bigint();
  const cpu0 = process.cpuUsage();
  const deadline = start + BigInt(limitMs) * 1_000_000n;
  let done = 0;
  for (let i = 0; i < n; i++) {
    const r = op(i);
    if (r instanceof Promise) await r;
    done++;
    if ((i & 63) === 0 && process.hrtime.bigint() > deadline) break;
  }
  const ns = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpu0);
  return { cpu: (done * 1e6) / (cpu.user + cpu.system), wall: (done * 1e9) / ns };
}

const ROWS = ['set', 'get', 'lpush', 'zadd', 'zrange'];

/** Every row on a new store from `make`: `n` operations each, stopping after
 *  `limitMs` in the rows named in `limited`. */
async function rows(make, n, limitMs, limited) {
  const s = make();
  const limit = (row) => (limited.includes(row) ? limitMs : NO_LIMIT_MS);
  const out = {};
  out.set = await measure((i) => s.set(keys[i], values[i]), n, limit('set'));
  out.get = await measure((i) => s.get(keys[i]), n, limit('get'));
  out.lpush = await measure((i) => s.lpush('list', values[i]), n, limit('lpush'));
  await s.zfill('zset', initial);
  out.zadd = await measure((i) => s.zadd('zset', i + 0.5, members[i]), n, limit('zadd'));
  out.zrange = await measure(() => s.zrange('zset', 0, 99), n, limit('zrange'));
  await s.free();
  return out;
}

/** The plain-Map baseline: the least work a JS program does for each op. */
class MapStore {
  constructor() {
    this.map = new Map();
  }
  set(k, v) {
    this.map.set(k, v);
    return 'OK';
  }
  get(k) {
    return this.map.get(k) ?? null;
  }
  lpush(k, v) {
    let l = this.map.get(k);
    if (!l) this.map.set(k, (l = []));
    l.push(v); // the array's end is the list's head
    return l.length;
  }
  zadd(k, score, member) {
    let z = this.map.get(k);
    if (!z) this.map.set(k, (z = { scores: new Map(), sorted: null }));
    const added = z.scores.has(member) ? 0 : 1;
    z.scores.set(member, score);
    z.sorted = null; // sorted again on the next range read
    return added;
  }
  zrange(k, start, stop) {
    const z = this.map.get(k);
    if (!z) return [];
    if (!z.sorted) {
      z.sorted = [...z.scores].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    return z.sorted.slice(start, stop + 1).map((e) => e[0]);
  }
  zfill(k, pairs) {
    for (const [score, member] of pairs) this.zadd(k, score, member);
  }
  free() {}
}

const contenders = {
  embedis: () => {
    const db = new Embedis();
    return {
      set: (k, v) => db.set(k, v),
      get: (k) => db.get(k),
      lpush: (k, v) => db.lpush(k, v),
      zadd: (k, score, m) => db.zadd(k, [[score, m]]),
      zrange: (k, a, b) => db.zrange(k, a, b),
      zfill: (k, pairs) => db.zadd(k, pairs),
      free: () => db.free(),
    };
  },
  Map: () => new MapStore(),
  'ioredis-mock': () => {
    const r = new RedisMock();
    return {
      set: (k, v) => r.set(k, v),
      get: (k) => r.get(k),
      lpush: (k, v) => r.lpush(k, v),
      zadd: (k, score, m) => r.zadd(k, score, m),
      zrange: (k, a, b) => r.zrange(k, a, b),
      zfill: (k, pairs) => r.zadd(k, ...pairs.flat()),
      free: () => r.flushall(),
    };
  },
};
const names = Object.keys(contenders);
const slowRows = { embedis: [], Map: [], 'ioredis-mock': ['zadd', 'zrange'] };

const child = process.argv[2];
if (child) {
  // One contender's turn: warm up, time every row once, print the figures.
  const make = contenders[child];
  for (let w = 0; w < WARMUPS; w++) await rows(make, N, WARMUP_MS, ROWS);
  console.log(JSON.stringify(await rows(make, N, TIME_LIMIT_MS, slowRows[child])));
  process.exit(0);
}

// Sanity: the three agree on what they store.
for (const [name, make] of Object.entries(contenders)) {
  const s = make();
  await s.set('a', '1');
  for (const [score, member] of [[2, 'b'], [1, 'a'], [3, 'c']]) await s.zadd('z', score, member);
  if ((await s.get('a')) !== '1' || JSON.stringify(await s.zrange('z', 0, 99)) !== '["a","b","c"]') {
    throw new Error(`${name} disagrees with the others`);
  }
  await s.free();
}

const runs = Object.fromEntries(names.map((n) => [n, []]));
for (let round = 0; round < ROUNDS; round++) {
  for (let j = 0; j < names.length; j++) {
    const name = names[(round + j) % names.length];
    const p = spawnSync(process.execPath, [fileURLToPath(import.meta.url), name], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (p.status !== 0) throw new Error(`${name}: exit ${p.status}`);
    runs[name].push(JSON.parse(p.stdout));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const result = (name, row, clock) => median(runs[name].map((r) => r[row][clock]));

const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0));
const table = (clock) => {
  const lines = [
    '| op | embedis | plain `Map` | ioredis-mock | embedis time ÷ `Map` | embedis ÷ ioredis-mock |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const row of ROWS) {
    const [e, m, k] = names.map((n) => result(n, row, clock));
    const label = row === 'zrange' ? 'zrange 0 99' : row;
    lines.push(`| ${label} | ${fmt(e)} | ${fmt(m)} | ${fmt(k)} | ${(m / e).toFixed(2)}× | ${(e / k).toFixed(1)}× |`);
  }
  return lines.join('\n');
};
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log('### WebAssembly (npm `embedis`) in Node: operations per second of CPU time\n');
console.log(
  `${cpu}, ${os.cpus().length} cores, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ${new Date().toISOString().slice(0, 10)}. ` +
    `N = ${N}, median of ${ROUNDS} rounds, each contender in its own process after ${WARMUPS} warm-up runs; ` +
    `sorted sets start with ${ZSET_MEMBERS} members.\n`,
);
console.log(table('cpu'));
console.log('\nThe same rounds in operations per second of wall time:\n');
console.log(table('wall'));
