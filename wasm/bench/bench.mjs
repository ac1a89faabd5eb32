// embedis (the npm package built from this repository's wasm/) vs a plain JS
// Map doing the same work vs ioredis-mock, in one Node process: ops/s for
// set, get, lpush, zadd and zrange 0 99. Prints a markdown table.
//
//   bash wasm/build.sh && cd wasm/bench && npm install && npm run bench
//   N=20000 npm run bench          # fewer operations per row
//
// Each row runs N operations per contender (default 200000; ioredis-mock's
// zadd/zrange rows stop after TIME_LIMIT_MS, default 3000, since it sorts
// as it goes). Sorted sets start with ZSET_MEMBERS members (default 10000).

import os from 'node:os';
import { createRequire } from 'node:module';

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
const TIME_LIMIT_MS = Number(process.env.TIME_LIMIT_MS ?? 3000);
const ZSET_MEMBERS = Number(process.env.ZSET_MEMBERS ?? 10_000);

const pad = (i) => String(i).padStart(6, '0');
const keys = Array.from({ length: N }, (_, i) => `key:${pad(i)}`);
const values = Array.from({ length: N }, (_, i) => `val:${pad(i)}`);
const members = Array.from({ length: N + ZSET_MEMBERS }, (_, i) => `member:${pad(i)}`);

/** Runs `op(i)` for i in 0..N (awaiting it when it returns a promise) and
 *  returns operations per second. Stops early after TIME_LIMIT_MS when
 *  `limited`. */
async function measure(op, limited = false) {
  for (let i = 0; i < Math.min(1000, N); i++) {
    const r = op(i);
    if (r instanceof Promise) await r;
  }
  const start = process.hrtime.bigint();
  const deadline = start + BigInt(TIME_LIMIT_MS) * 1_000_000n;
  let done = 0;
  for (let i = 0; i < N; i++) {
    const r = op(i);
    if (r instanceof Promise) await r;
    done++;
    if (limited && (i & 63) === 0 && process.hrtime.bigint() > deadline) break;
  }
  const ns = Number(process.hrtime.bigint() - start);
  return (done * 1e9) / ns;
}

/** The plain-Map baseline: the least work a JS program does for each op. */
class MapStore {
  constructor() {
    this.map = new Map();
  }
  set(k, v) {
    this.map.set(k, v);
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
    z.scores.set(member, score);
    z.sorted = null; // sorted again on the next range read
  }
  zrange(k, start, stop) {
    const z = this.map.get(k);
    if (!z) return [];
    if (!z.sorted) {
      z.sorted = [...z.scores].sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
    }
    return z.sorted.slice(start, stop + 1).map((e) => e[0]);
  }
}

async function contender(name, make) {
  const s = make();
  const out = {};
  const zfill = async (key) => {
    for (let i = 0; i < ZSET_MEMBERS; i++) {
      const r = s.zadd(key, i, members[N + i]);
      if (r instanceof Promise) await r;
    }
  };
  const limited = name === 'ioredis-mock';
  out.set = await measure((i) => s.set(keys[i], values[i]));
  out.get = await measure((i) => s.get(keys[i]));
  out.lpush = await measure((i) => s.lpush('list', values[i]));
  await zfill('zset');
  out.zadd = await measure((i) => s.zadd('zset', i + 0.5, members[i]), limited);
  out.zrange = await measure(() => s.zrange('zset', 0, 99), limited);
  return out;
}

const embedis = () => {
  const db = new Embedis();
  return {
    set: (k, v) => db.set(k, v),
    get: (k) => db.get(k),
    lpush: (k, v) => db.lpush(k, v),
    zadd: (k, score, m) => db.zadd(k, [[score, m]]),
    zrange: (k, a, b) => db.zrange(k, a, b),
  };
};
const mock = () => {
  const r = new RedisMock();
  return {
    set: (k, v) => r.set(k, v),
    get: (k) => r.get(k),
    lpush: (k, v) => r.lpush(k, v),
    zadd: (k, score, m) => r.zadd(k, score, m),
    zrange: (k, a, b) => r.zrange(k, a, b),
  };
};

// Sanity: the three agree on what they store.
{
  const e = embedis();
  const m = mock();
  const p = new MapStore();
  for (const s of [e, m, p]) {
    await s.set('a', '1');
    for (const [score, member] of [[2, 'b'], [1, 'a'], [3, 'c']]) await s.zadd('z', score, member);
  }
  const want = JSON.stringify(['a', 'b', 'c']);
  for (const [n, s] of [['embedis', e], ['ioredis-mock', m], ['Map', p]]) {
    if ((await s.get('a')) !== '1' || JSON.stringify(await s.zrange('z', 0, 99)) !== want) {
      throw new Error(`${n} disagrees with the others`);
    }
  }
}

const results = {
  embedis: await contender('embedis', embedis),
  Map: await contender('Map', () => new MapStore()),
  'ioredis-mock': await contender('ioredis-mock', mock),
};

const fmt = (x) => (x >= 1e6 ? `${(x / 1e6).toFixed(2)}M` : x >= 1e4 ? `${(x / 1e3).toFixed(0)}k` : x.toFixed(0));
const rows = ['set', 'get', 'lpush', 'zadd', 'zrange'].map((op) => {
  const e = results.embedis[op];
  const m = results.Map[op];
  const k = results['ioredis-mock'][op];
  return `| ${op === 'zrange' ? 'zrange 0 99' : op} | ${fmt(e)} | ${fmt(m)} | ${fmt(k)} | ${(m / e).toFixed(2)}× | ${(e / k).toFixed(1)}× |`;
});
const cpu = os.cpus()[0]?.model ?? 'unknown CPU';
console.log(`### WebAssembly (npm \`embedis\`) in Node: operations per second\n`);
console.log(
  `${cpu}, ${os.cpus().length} cores, Node ${process.version}, load average ${os
    .loadavg()
    .map((l) => l.toFixed(1))
    .join(' ')}, ${new Date().toISOString().slice(0, 10)}. ` +
    `N = ${N}; sorted sets start with ${ZSET_MEMBERS} members.\n`,
);
console.log('| op | embedis | plain `Map` | ioredis-mock | embedis time ÷ `Map` | embedis ÷ ioredis-mock |');
console.log('| --- | --- | --- | --- | --- | --- |');
console.log(rows.join('\n'));
