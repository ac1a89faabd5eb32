// node-redis v4 (RESP2) and v5 (RESP3, `RESP: 3`) against a real embedis-server process.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { createClient } from 'redis';
import { createClient as createClient5 } from 'redis5';
import { blockedClients, startServer, waitFor } from './server.js';

let server;
const clients = [];
async function client(opts = {}) {
  const c = createClient({ socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: false }, ...opts });
  c.on('error', () => {});
  clients.push(c);
  await c.connect();
  return c;
}
let r;

before(async () => {
  server = await startServer();
  r = await client();
});
beforeEach(async () => {
  await r.flushAll();
});
after(async () => {
  for (const c of clients) if (c.isOpen) await c.disconnect();
  await server.stop();
});

describe('node-redis v4: data types', () => {
  test('strings', async () => {
    assert.equal(await r.set('k', 'v', { NX: true }), 'OK');
    assert.equal(await r.set('k', 'w', { NX: true }), null);
    assert.equal(await r.set('k', 'w', { GET: true }), 'v');
    assert.equal(await r.get('k'), 'w');
    assert.equal(await r.incrBy('n', 5), 5);
    assert.equal(await r.incrByFloat('n', 0.25), '5.25');
    assert.equal(await r.append('k', 'xyz'), 4);
    assert.equal(await r.getRange('k', 1, -1), 'xyz');
    assert.deepEqual(await r.mGet(['k', 'nope']), ['wxyz', null]);
  });

  test('errors keep their Redis text', async () => {
    await r.lPush('l', 'a');
    await assert.rejects(r.get('l'), { message: 'WRONGTYPE Operation against a key holding the wrong kind of value' });
    await assert.rejects(r.sendCommand(['NOPE']), { message: "ERR unknown command 'NOPE', with args beginning with: " });
  });

  test('lists', async () => {
    assert.equal(await r.rPush('l', ['a', 'b', 'c']), 3);
    assert.deepEqual(await r.lRange('l', 0, -1), ['a', 'b', 'c']);
    assert.equal(await r.lIndex('l', 1), 'b');
    assert.equal(await r.lPos('l', 'c'), 2);
    assert.deepEqual(await r.lPopCount('l', 2), ['a', 'b']);
    assert.equal(await r.lLen('l'), 1);
  });

  test('hashes', async () => {
    assert.equal(await r.hSet('h', { a: '1', b: '2' }), 2);
    assert.deepEqual({ ...(await r.hGetAll('h')) }, { a: '1', b: '2' });
    assert.equal(await r.hIncrBy('h', 'a', 2), 3);
    assert.equal(await r.hExists('h', 'b'), true);
    assert.equal(await r.hLen('h'), 2);
  });

  test('sets', async () => {
    assert.equal(await r.sAdd('s', ['x', 'y', 'z']), 3);
    assert.deepEqual((await r.sMembers('s')).sort(), ['x', 'y', 'z']);
    assert.equal(await r.sIsMember('s', 'y'), true);
    assert.deepEqual(await r.smIsMember('s', ['x', 'q']), [true, false]);
    assert.equal(await r.sRem('s', 'x'), 1);
  });

  test('sorted sets', async () => {
    assert.equal(await r.zAdd('z', [{ score: 1, value: 'a' }, { score: 2, value: 'b' }, { score: 3, value: 'c' }]), 3);
    assert.deepEqual(await r.zRangeWithScores('z', 0, -1), [
      { value: 'a', score: 1 }, { value: 'b', score: 2 }, { value: 'c', score: 3 },
    ]);
    assert.deepEqual(await r.zRange('z', 2, 3, { BY: 'SCORE' }), ['b', 'c']);
    assert.deepEqual(await r.zRange('z', 0, 0, { REV: true }), ['c']);
    assert.equal(await r.zScore('z', 'b'), 2);
    assert.equal(await r.zCount('z', '-inf', '(3'), 2);
    assert.deepEqual(await r.zPopMin('z'), { value: 'a', score: 1 });
  });

  test('expiry', async () => {
    await r.set('k', 'v', { PX: 50000 });
    const pttl = await r.pTTL('k');
    assert.ok(pttl > 49000 && pttl <= 50000, String(pttl));
    assert.equal(await r.expire('k', 10, 'GT'), false);
    assert.equal(await r.expire('k', 10, 'LT'), true);
    assert.equal(await r.pExpireAt('k', 1), true);
    assert.equal(await r.exists('k'), 0);
  });

  test('scanIterator sees every key once', async () => {
    const m = r.multi();
    for (let i = 0; i < 250; i++) m.set(`k${i}`, String(i));
    await m.exec();
    const seen = new Set();
    for await (const k of r.scanIterator({ MATCH: 'k*', COUNT: 20 })) seen.add(k);
    assert.equal(seen.size, 250);
  });
});

describe('node-redis v4: connection features', () => {
  test('the database option and SELECT', async () => {
    const db4 = await client({ database: 4 });
    await db4.set('k', 'four');
    assert.equal(await r.get('k'), null);
    assert.equal(await db4.get('k'), 'four');
  });

  test('auto-pipelining: many commands in flight at once', async () => {
    const replies = await Promise.all(Array.from({ length: 500 }, () => r.incr('ctr')));
    assert.deepEqual(replies, Array.from({ length: 500 }, (_, i) => i + 1));
  });

  test('MULTI/EXEC and WATCH conflict', async () => {
    assert.deepEqual(await r.multi().set('a', '1').incr('a').get('a').exec(), ['OK', 2, '2']);
    const iso = await client();
    await iso.set('w', '1');
    await iso.watch('w');
    await r.set('w', '2');
    await assert.rejects(iso.multi().set('w', '3').exec(), { message: 'One (or more) of the watched keys has been changed' });
    assert.equal(await r.get('w'), '2');
  });

  test('BLPOP woken by another connection', async () => {
    const blocker = await client();
    const popped = blocker.blPop('jobs', 5);
    await waitFor(async () => blockedClients(await r.info('clients')) === 1, 'BLPOP to block');
    await r.rPush('jobs', 'j1');
    assert.deepEqual({ ...(await popped) }, { key: 'jobs', element: 'j1' });
  });

  test('pub/sub with a duplicated subscriber connection', async () => {
    const sub = r.duplicate();
    sub.on('error', () => {});
    clients.push(sub);
    await sub.connect();
    const got = [];
    await sub.subscribe('ch', (msg, ch) => got.push([ch, msg]));
    await sub.pSubscribe('p*', (msg, ch) => got.push(['p', ch, msg]));
    assert.equal(await r.publish('ch', 'one'), 1);
    assert.equal(await r.publish('pq', 'two'), 1);
    await waitFor(() => got.length === 2, 'two messages');
    assert.deepEqual(got, [['ch', 'one'], ['p', 'pq', 'two']]);
    assert.deepEqual(await r.pubSubChannels(), ['ch']);
    await sub.unsubscribe('ch');
    await sub.pUnsubscribe('p*');
    assert.equal(await r.publish('ch', 'three'), 0);
  });

  test('AUTH with --requirepass', async () => {
    const locked = await startServer('--requirepass', 'pw');
    const url = `redis://127.0.0.1:${locked.port}`;
    const anon = createClient({ url, socket: { reconnectStrategy: false } });
    anon.on('error', () => {});
    const good = createClient({ url, password: 'pw', socket: { reconnectStrategy: false } });
    const bad = createClient({ url, password: 'bad', socket: { reconnectStrategy: false } });
    bad.on('error', () => {});
    try {
      await anon.connect();
      await assert.rejects(anon.get('k'), { message: 'NOAUTH Authentication required.' });
      await assert.rejects(bad.connect(), { message: 'WRONGPASS invalid username-password pair or user is disabled.' });
      await good.connect();
      assert.equal(await good.set('k', 'v'), 'OK');
      assert.equal(await good.get('k'), 'v');
    } finally {
      for (const c of [anon, good]) if (c.isOpen) await c.disconnect();
      await locked.stop();
    }
  });
});

describe('node-redis v5 over RESP3', () => {
  test('HELLO 3: maps, doubles, booleans and push messages', async () => {
    const c = createClient5({ socket: { host: '127.0.0.1', port: server.port, reconnectStrategy: false }, RESP: 3 });
    c.on('error', () => {});
    await c.connect();
    try {
      await c.hSet('h3', { f: 'v', g: 'w' });
      assert.deepEqual({ ...(await c.hGetAll('h3')) }, { f: 'v', g: 'w' });
      await c.zAdd('z3', [{ score: 1.5, value: 'm' }]);
      assert.equal(await c.zScore('z3', 'm'), 1.5);
      assert.deepEqual(await c.sendCommand(['SMISMEMBER', 'nosuch', 'a']), [0]);
      const hello = await c.sendCommand(['HELLO', '3']);
      const proto = hello instanceof Map ? hello.get('proto') : hello.proto;
      assert.equal(proto, 3);
      // Pub/sub on the same RESP3 connection: messages arrive as pushes.
      const got = [];
      const sub = c.duplicate();
      sub.on('error', () => {});
      await sub.connect();
      await sub.subscribe('c3', (msg) => got.push(msg));
      assert.equal(await c.publish('c3', 'pushed'), 1);
      await waitFor(() => got.length === 1, 'a RESP3 push');
      assert.deepEqual(got, ['pushed']);
      await sub.disconnect();
    } finally {
      await c.disconnect();
    }
  });
});
