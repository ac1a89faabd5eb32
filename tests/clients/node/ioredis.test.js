// ioredis 5 against a real embedis-server process.
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import Redis from 'ioredis';
import { blockedClients, startServer, waitFor } from './server.js';

let server;
const clients = [];
function client(opts = {}) {
  const c = new Redis({ host: '127.0.0.1', port: server.port, lazyConnect: false, maxRetriesPerRequest: 1, ...opts });
  clients.push(c);
  return c;
}
let r;

before(async () => {
  server = await startServer();
  r = client();
});
beforeEach(async () => {
  await r.flushall();
});
after(async () => {
  for (const c of clients) c.disconnect();
  await server.stop();
});

describe('ioredis: strings', () => {
  test('set/get with options', async () => {
    assert.equal(await r.set('k', 'v'), 'OK');
    assert.equal(await r.get('k'), 'v');
    assert.equal(await r.set('k', 'w', 'NX'), null);
    assert.equal(await r.set('k', 'w', 'XX', 'GET'), 'v');
    assert.equal(await r.get('missing'), null);
    assert.equal(await r.getdel('k'), 'w');
  });

  test('binary values round-trip as Buffers', async () => {
    const blob = Buffer.alloc(300000);
    for (let i = 0; i < blob.length; i++) blob[i] = i % 256;
    await r.set(Buffer.from('b\0k'), blob);
    assert.deepEqual(await r.getBuffer(Buffer.from('b\0k')), blob);
  });

  test('counters and their errors', async () => {
    assert.equal(await r.incr('n'), 1);
    assert.equal(await r.incrby('n', 9), 10);
    assert.equal(await r.incrbyfloat('n', '0.5'), '10.5');
    await r.set('s', 'x');
    await assert.rejects(r.incr('s'), /ERR value is not an integer or out of range/);
    await r.rpush('l', 'a');
    await assert.rejects(r.get('l'), /^ReplyError: WRONGTYPE/);
  });

  test('mset/mget', async () => {
    assert.equal(await r.mset({ a: '1', b: '2' }), 'OK');
    assert.deepEqual(await r.mget('a', 'b', 'c'), ['1', '2', null]);
  });
});

describe('ioredis: lists', () => {
  test('push, range, pop, move', async () => {
    assert.equal(await r.rpush('l', 'a', 'b', 'c'), 3);
    assert.equal(await r.lpush('l', 'z'), 4);
    assert.deepEqual(await r.lrange('l', 0, -1), ['z', 'a', 'b', 'c']);
    assert.equal(await r.lpop('l'), 'z');
    assert.deepEqual(await r.rpop('l', 2), ['c', 'b']);
    assert.equal(await r.lmove('l', 'm', 'LEFT', 'LEFT'), 'a');
    assert.equal(await r.exists('l'), 0);
    assert.deepEqual(await r.lrange('m', 0, -1), ['a']);
  });

  test('BLPOP is woken by a push from another connection', async () => {
    const blocker = client();
    const popped = blocker.blpop('q', 5);
    await waitFor(async () => blockedClients(await r.info('clients')) === 1, 'BLPOP to block');
    assert.equal(await r.rpush('q', 'job'), 1);
    assert.deepEqual(await popped, ['q', 'job']);
    assert.equal(await r.exists('q'), 0);
  });

  test('BLPOP times out with null', async () => {
    assert.equal(await r.blpop('nothing', 0.05), null);
  });
});

describe('ioredis: hashes, sets, sorted sets', () => {
  test('hashes', async () => {
    assert.equal(await r.hset('h', { a: '1', b: '2' }), 2);
    assert.deepEqual(await r.hgetall('h'), { a: '1', b: '2' });
    assert.equal(await r.hincrby('h', 'a', 5), 6);
    assert.deepEqual(await r.hmget('h', 'a', 'x'), ['6', null]);
    assert.equal(await r.hdel('h', 'a', 'b'), 2);
    assert.equal(await r.exists('h'), 0);
  });

  test('sets', async () => {
    assert.equal(await r.sadd('s1', 'a', 'b', 'c'), 3);
    await r.sadd('s2', 'b', 'c', 'd');
    assert.deepEqual((await r.sinter('s1', 's2')).sort(), ['b', 'c']);
    assert.deepEqual((await r.sunion('s1', 's2')).sort(), ['a', 'b', 'c', 'd']);
    assert.deepEqual(await r.sdiff('s1', 's2'), ['a']);
    assert.equal(await r.sismember('s1', 'a'), 1);
    assert.equal(await r.scard('s1'), 3);
  });

  test('sorted sets', async () => {
    assert.equal(await r.zadd('z', 1, 'a', 2, 'b', 3, 'c'), 3);
    assert.deepEqual(await r.zrange('z', 0, -1, 'WITHSCORES'), ['a', '1', 'b', '2', 'c', '3']);
    assert.deepEqual(await r.zrangebyscore('z', '(1', '+inf'), ['b', 'c']);
    assert.equal(await r.zincrby('z', '1.5', 'a'), '2.5');
    assert.equal(await r.zrank('z', 'a'), 1);
    assert.equal(await r.zscore('z', 'c'), '3');
    assert.deepEqual(await r.zpopmax('z'), ['c', '3']);
    assert.equal(await r.zcard('z'), 2);
  });
});

describe('ioredis: expiry and keyspace', () => {
  test('TTL, PTTL, PERSIST, EXPIREAT in the past', async () => {
    await r.set('k', 'v', 'EX', 100);
    const ttl = await r.ttl('k');
    assert.ok(ttl >= 99 && ttl <= 100, String(ttl));
    assert.equal(await r.persist('k'), 1);
    assert.equal(await r.ttl('k'), -1);
    assert.equal(await r.ttl('nope'), -2);
    assert.equal(await r.expireat('k', Math.floor(Date.now() / 1000) - 5), 1);
    assert.equal(await r.exists('k'), 0);
  });

  test('scanStream visits every key', async () => {
    const p = r.pipeline();
    for (let i = 0; i < 300; i++) p.set(`key:${i}`, i);
    await p.exec();
    const seen = new Set();
    for await (const batch of r.scanStream({ match: 'key:*', count: 17 })) for (const k of batch) seen.add(k);
    assert.equal(seen.size, 300);
  });

  test('SELECT through the db option keeps databases apart', async () => {
    const db2 = client({ db: 2 });
    await db2.set('k', 'two');
    assert.equal(await r.get('k'), null);
    assert.equal(await db2.get('k'), 'two');
    await r.select(2);
    assert.equal(await r.get('k'), 'two');
    await r.select(0);
  });
});

describe('ioredis: pipelines and transactions', () => {
  test('a pipeline returns [err, result] pairs in order', async () => {
    await r.rpush('list', 'x');
    const res = await r.pipeline().set('a', '1').incr('a').incr('list').get('a').exec();
    assert.deepEqual(res[0], [null, 'OK']);
    assert.deepEqual(res[1], [null, 2]);
    assert.match(String(res[2][0]), /WRONGTYPE/);
    assert.deepEqual(res[3], [null, '2']);
  });

  test('MULTI/EXEC', async () => {
    const res = await r.multi().set('a', '1').incr('a').exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 2]]);
  });

  test('a queueing error makes EXEC fail with EXECABORT', async () => {
    await assert.rejects(r.multi().set('a', '1').call('SET', 'onlykey').exec(), /EXECABORT/);
    assert.equal(await r.exists('a'), 0);
  });

  test('WATCH: a write from another client aborts EXEC (null result)', async () => {
    const w = client();
    await w.set('bal', '100');
    await w.watch('bal');
    await r.set('bal', '0');
    const res = await w.multi().set('bal', '90').exec();
    assert.equal(res, null);
    assert.equal(await r.get('bal'), '0');
  });
});

describe('ioredis: pub/sub', () => {
  test('subscribe, psubscribe, message, pmessage', async () => {
    const sub = client();
    const got = [];
    sub.on('message', (ch, msg) => got.push(['message', ch, msg]));
    sub.on('pmessage', (pat, ch, msg) => got.push(['pmessage', pat, ch, msg]));
    assert.equal(await sub.subscribe('news'), 1);
    assert.equal(await sub.psubscribe('ev.*'), 2);
    assert.equal(await r.publish('news', 'hello'), 1);
    assert.equal(await r.publish('ev.a', 'x'), 1);
    await waitFor(() => got.length === 2, 'two messages');
    assert.deepEqual(got, [['message', 'news', 'hello'], ['pmessage', 'ev.*', 'ev.a', 'x']]);
    await sub.unsubscribe('news');
    assert.equal(await r.publish('news', 'gone'), 0);
  });
});

describe('ioredis: AUTH', () => {
  test('requirepass: NOAUTH without a password, WRONGPASS with a bad one', async () => {
    const locked = await startServer('--requirepass', 'pw');
    const opts = { host: '127.0.0.1', port: locked.port, maxRetriesPerRequest: 0, retryStrategy: () => null };
    const anon = new Redis(opts);
    const bad = new Redis({ ...opts, password: 'nope' });
    const badErrors = [];
    bad.on('error', (e) => badErrors.push(e.message));
    const good = new Redis({ ...opts, password: 'pw' });
    try {
      await assert.rejects(anon.get('k'), /NOAUTH Authentication required/);
      // ioredis sends AUTH on connect, reports the reply as an 'error' event and
      // closes; a queued command sees either that reply or the closing (a race).
      await assert.rejects(bad.get('k'), /WRONGPASS invalid username-password pair|Connection is closed/);
      assert.ok(badErrors.includes('WRONGPASS invalid username-password pair or user is disabled.'), String(badErrors));
      assert.equal(await good.set('k', 'v'), 'OK');
      assert.equal(await good.get('k'), 'v');
    } finally {
      anon.disconnect();
      bad.disconnect();
      good.disconnect();
      await locked.stop();
    }
  });
});
