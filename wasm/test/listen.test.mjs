// db.listen(): real Node Redis clients (ioredis, node-redis) against an
// in-process store over TCP on 127.0.0.1, sharing data, pub/sub and blocked
// clients with the JS API of the same store.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import Redis from 'ioredis';
import { createClient } from 'redis';
import { Embedis } from 'embedis';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Sends raw RESP and returns what comes back: everything until the server
 * closes the connection or stays quiet for 100 ms after replying (3 s at most). */
function raw(port, bytes) {
  return new Promise((resolve, reject) => {
    const s = net.connect(port, '127.0.0.1');
    let got = '';
    let quiet;
    const done = () => { clearTimeout(quiet); clearTimeout(limit); s.destroy(); resolve(got); };
    const limit = setTimeout(done, 3000);
    s.on('data', (d) => {
      got += d.toString('latin1');
      clearTimeout(quiet);
      quiet = setTimeout(done, 100);
    });
    s.on('close', done);
    s.on('error', (e) => { clearTimeout(limit); reject(e); });
    s.on('connect', () => s.write(bytes));
  });
}

describe('listen: raw RESP', () => {
  let db;
  let server;
  before(async () => {
    db = new Embedis();
    server = await db.listen({ port: 0 });
  });
  after(async () => {
    await server.close();
    db.free();
  });

  test('binds 127.0.0.1 on a free port by default', () => {
    assert.equal(server.host, '127.0.0.1');
    assert.ok(server.port > 0);
  });

  test('a pipelined batch gets its replies in order, inline commands too', async () => {
    const out = await raw(server.port, '*3\r\n$3\r\nSET\r\n$1\r\nk\r\n$1\r\nv\r\n*2\r\n$3\r\nGET\r\n$1\r\nk\r\nPING\r\n');
    assert.equal(out, '+OK\r\n$1\r\nv\r\n+PONG\r\n');
    assert.equal(db.get('k'), 'v');
  });

  test('HELLO 3 switches the connection to RESP3', async () => {
    db.hset('h', 'f', 'v');
    const out = await raw(server.port, 'HELLO 3\r\nHGETALL h\r\n');
    assert.ok(out.startsWith('%'), out);
    assert.ok(out.endsWith('%1\r\n$1\r\nf\r\n$1\r\nv\r\n'), out);
  });

  test('malformed input gets a protocol error and the connection closes', async () => {
    const out = await raw(server.port, '*1\r\n$x\r\n');
    assert.equal(out, '-ERR Protocol error: invalid bulk length\r\n');
  });
});

describe('listen: ioredis', () => {
  let db;
  let server;
  let client;
  before(async () => {
    db = new Embedis();
    server = await db.listen();
    client = new Redis({ port: server.port, host: server.host, maxRetriesPerRequest: 1 });
  });
  after(async () => {
    client.disconnect();
    await server.close();
    db.free();
  });

  test('commands share data with the JS API', async () => {
    assert.equal(await client.set('a', '1'), 'OK');
    assert.equal(db.get('a'), '1');
    db.hset('user:1', { name: 'alice', age: '30' });
    assert.deepEqual(await client.hgetall('user:1'), { name: 'alice', age: '30' });
    assert.equal(await client.incrby('n', 5), 5);
    await client.zadd('board', 10, 'bob', 20, 'eve');
    assert.deepEqual(db.zrange('board', 0, -1, { withScores: true }), [['bob', 10], ['eve', 20]]);
    await assert.rejects(client.lpush('a', 'x'), /WRONGTYPE/);
  });

  test('pipeline', async () => {
    const res = await client.pipeline().set('p', 'x').get('p').rpush('pl', 'a', 'b').lrange('pl', 0, -1).exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 'x'], [null, 2], [null, ['a', 'b']]]);
  });

  test('MULTI/EXEC and WATCH', async () => {
    const res = await client.multi().set('m', '1').incr('m').get('m').exec();
    assert.deepEqual(res, [[null, 'OK'], [null, 2], [null, '2']]);
    await client.watch('w');
    db.set('w', 'changed by JS');
    assert.equal(await client.multi().set('w', 'from client').exec(), null);
    assert.equal(db.get('w'), 'changed by JS');
  });

  test('pub/sub both ways', async () => {
    const sub = new Redis({ port: server.port });
    try {
      const got = [];
      sub.on('message', (channel, message) => got.push([channel, message]));
      await sub.subscribe('news');
      const fromClient = [];
      const off = db.subscribe('news', (message) => fromClient.push(message));
      assert.equal(db.publish('news', 'from js'), 2);
      assert.equal(await client.publish('news', 'from ioredis'), 2);
      await sleep(50);
      assert.deepEqual(got, [['news', 'from js'], ['news', 'from ioredis']]);
      assert.deepEqual(fromClient, ['from js', 'from ioredis']);
      off();
    } finally {
      sub.disconnect();
    }
  });

  test('a BLPOP is woken by a push from JS code', async () => {
    const blocked = new Redis({ port: server.port });
    try {
      const pending = blocked.blpop('jobs', 5);
      await sleep(50);
      db.lpush('jobs', 'job-1');
      assert.deepEqual(await pending, ['jobs', 'job-1']);
      assert.equal(await blocked.blpop('jobs', 0.1), null);
    } finally {
      blocked.disconnect();
    }
  });

  test('a JS blpop is woken by a push from ioredis', async () => {
    const pending = db.blpop('q', 5);
    await client.rpush('q', 'x');
    assert.deepEqual(await pending, ['q', 'x']);
  });
});

describe('listen: node-redis', () => {
  let db;
  let server;
  let client;
  before(async () => {
    db = new Embedis();
    server = await db.listen({ port: 0, host: '127.0.0.1' });
    client = createClient({ url: `redis://127.0.0.1:${server.port}` });
    client.on('error', () => {});
    await client.connect();
  });
  after(async () => {
    await client.quit();
    await server.close();
    db.free();
  });

  test('commands', async () => {
    assert.equal(await client.set('k', 'v', { EX: 60 }), 'OK');
    assert.ok(db.ttl('k') > 0);
    assert.deepEqual({ ...(await client.hGetAll('missing')) }, {});
    db.sadd('s', ['a', 'b']);
    assert.deepEqual((await client.sMembers('s')).sort(), ['a', 'b']);
  });

  test('pipeline and MULTI/EXEC', async () => {
    const pipe = await client.multi().set('a', '1').incr('a').execAsPipeline();
    assert.deepEqual(pipe, ['OK', 2]);
    const tx = await client.multi().incr('a').get('a').exec();
    assert.deepEqual(tx, [3, '3']);
  });

  test('pub/sub with a duplicate client', async () => {
    const sub = client.duplicate();
    sub.on('error', () => {});
    await sub.connect();
    try {
      const got = [];
      await sub.subscribe('ch', (message, channel) => got.push([channel, message]));
      db.publish('ch', 'hello');
      await sleep(50);
      assert.deepEqual(got, [['ch', 'hello']]);
      await sub.unsubscribe('ch');
    } finally {
      await sub.quit();
    }
  });

  test('a BLPOP is woken by a push from JS code', async () => {
    const blocked = client.duplicate();
    blocked.on('error', () => {});
    await blocked.connect();
    try {
      const pending = blocked.blPop('jobs', 5);
      await sleep(50);
      db.rpush('jobs', 'job-2');
      assert.deepEqual(await pending, { key: 'jobs', element: 'job-2' });
    } finally {
      await blocked.quit();
    }
  });
});

describe('listen: requirepass and close', () => {
  test('clients must AUTH; close() disconnects them', async () => {
    const db = new Embedis();
    const server = await db.listen({ requirepass: 'secret' });
    assert.equal(await raw(server.port, 'GET k\r\n'), '-NOAUTH Authentication required.\r\n');
    const client = new Redis({ port: server.port, password: 'secret', maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    assert.equal(await client.ping(), 'PONG');
    const closed = new Promise((resolve) => client.once('end', resolve));
    await server.close();
    await closed;
    await assert.rejects(raw(server.port, 'PING\r\n'), /ECONNREFUSED/);
    db.free();
  });
});
