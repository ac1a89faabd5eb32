// The JS API of the built package (wasm/pkg, imported by its own name), one
// describe per Redis command group. Replies are checked as a JS user sees
// them; the Redis semantics behind them are the core's and tested there.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { Embedis } from 'embedis';

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Asserts `f` throws Redis's `message` with `code`. */
function throwsRedis(f, message, code = message.split(' ')[0]) {
  assert.throws(f, (e) => {
    assert.ok(e instanceof Error);
    assert.equal(e.message, message);
    assert.equal(e.code, code);
    return true;
  });
}

describe('the issue example', () => {
  test('runs as written', async () => {
    const db = new Embedis();
    db.set('session:1', 'alice', { ex: 60 });
    assert.equal(db.get('session:1'), 'alice');
    db.hset('user:1', { name: 'alice', age: '30' });
    db.zadd('board', [[10, 'bob'], [20, 'eve']]);
    assert.deepEqual(db.zrange('board', 0, -1, { withScores: true }), [['bob', 10], ['eve', 20]]);
    const pending = db.blpop(['jobs'], 1.5);
    db.lpush('jobs', 'job-1');
    assert.deepEqual(await pending, ['jobs', 'job-1']);
    const messages = [];
    const off = db.subscribe('news', (msg, channel) => messages.push([msg, channel]));
    db.publish('news', 'hello');
    await sleep(0);
    assert.deepEqual(messages, [['hello', 'news']]);
    off();
    const bytes = db.snapshot();
    assert.ok(bytes instanceof Uint8Array);
    assert.equal(Embedis.restore(bytes).hget('user:1', 'name'), 'alice');
    db.free();
  });
});

describe('strings', () => {
  test('set options map to SET flags', () => {
    const db = new Embedis();
    assert.equal(db.set('k', 'a', { nx: true }), 'OK');
    assert.equal(db.set('k', 'b', { nx: true }), null);
    assert.equal(db.set('k', 'c', { xx: true, get: true }), 'a');
    assert.equal(db.set('k', 'd', { px: 100_000 }), 'OK');
    assert.ok(db.pttl('k') > 99_000);
    db.set('k', 'e', { keepTtl: true });
    assert.ok(db.pttl('k') > 0);
    throwsRedis(() => db.set('k', 'v', { ex: 1, px: 1 }), 'ERR syntax error');
    throwsRedis(() => db.set('k', 'v', { ex: 0 }), "ERR invalid expire time in 'set' command");
  });

  test('numbers in, numbers out', () => {
    const db = new Embedis();
    assert.equal(db.incr('n'), 1);
    assert.equal(db.incrby('n', 10), 11);
    assert.equal(db.decrby('n', 2), 9);
    assert.equal(db.decr('n'), 8);
    assert.equal(db.incrbyfloat('f', 1.5), 1.5);
    assert.equal(db.incrbyfloat('f', '0.25'), 1.75);
    db.set('s', 'abc');
    throwsRedis(() => db.incr('s'), 'ERR value is not an integer or out of range');
    db.set('big', 9007199254740993n);
    assert.equal(db.get('big'), '9007199254740993');
  });

  test('mset / mget / msetnx take objects, Maps and pairs', () => {
    const db = new Embedis();
    db.mset({ a: '1', b: 2 });
    db.mset(new Map([['c', '3']]));
    db.mset([['d', '4']]);
    assert.deepEqual(db.mget(['a', 'b', 'c', 'd', 'zz']), ['1', '2', '3', '4', null]);
    assert.equal(db.msetnx({ a: 'x', e: '5' }), false);
    assert.equal(db.exists('e'), 0);
  });

  test('append, strlen, getrange, setrange, getdel, getex, getset, lcs', () => {
    const db = new Embedis();
    assert.equal(db.append('s', 'hello'), 5);
    assert.equal(db.strlen('s'), 5);
    assert.equal(db.getrange('s', 1, -2), 'ell');
    assert.equal(db.setrange('s', 5, ' world'), 11);
    assert.equal(db.getset('s', 'new'), 'hello world');
    assert.equal(db.getex('s', { ex: 100 }), 'new');
    assert.ok(db.ttl('s') > 0);
    assert.equal(db.getex('s', { persist: true }), 'new');
    assert.equal(db.ttl('s'), -1);
    assert.equal(db.getdel('s'), 'new');
    assert.equal(db.get('s'), null);
    db.mset({ k1: 'ohmytext', k2: 'mynewtext' });
    assert.equal(db.lcs('k1', 'k2'), 'mytext');
  });

  test('bytes in and out', () => {
    const db = new Embedis();
    const raw = new Uint8Array([0, 255, 128, 10]);
    db.set(raw, raw);
    assert.deepEqual(db.getBytes(raw), raw);
    assert.equal(db.getBytes('missing'), null);
    db.set('buf', Buffer.from('héllo'));
    assert.equal(db.get('buf'), 'héllo');
    assert.equal(db.strlen('buf'), 6);
  });

  test('arguments of the wrong JS type are a TypeError', () => {
    const db = new Embedis();
    assert.throws(() => db.set('k', {}), TypeError);
    assert.throws(() => db.set('k', 'v', 'ex'), TypeError);
  });
});

// get(string) and set(string, string) go through js/fast.js and the scratch
// buffer (src/scratch.rs) to the core's typed Db::get / Db::set; each case is
// checked against the GET / SET commands run by name, with values long enough
// to grow the buffer and wasm memory, and past 1 MiB (the buffer is released
// after such a call). (Lazy expiry through
// this path: 'activeExpiry: false leaves expiry to reads' below, and with a
// manual clock in src/commands/string.rs.)
describe('get and set with string arguments', () => {
  const texts = ['', 'v', 'héllo', '日本語', '😀 and 𝄞', 'nul\u0000inside', '\ufeffBOM first', 'lone \ud800 surrogate',
    'x'.repeat(100_000), 'é'.repeat(300_000), 'ü'.repeat(600_000), '😀'.repeat(70_000), 'after the big ones'];

  test('store the bytes SET stores and read what GET reads', () => {
    const fast = new Embedis();
    const byName = new Embedis();
    for (const [i, text] of texts.entries()) {
      for (const key of [`k${i}`, `clé ${i} ${text.slice(0, 20)}`]) {
        assert.equal(fast.set(key, text), 'OK');
        assert.equal(byName.command(['SET', key, text]), 'OK');
        assert.deepEqual(fast.commandBytes(['GET', key]), byName.commandBytes(['GET', key]), key);
        assert.equal(fast.get(key), byName.command(['GET', key]), key);
        assert.equal(fast.get(key), byName.get(key), key);
      }
    }
    assert.equal(fast.get('k7'), 'lone \ufffd surrogate'); // as TextEncoder sends it
    assert.equal(fast.get('missing'), null);
    assert.equal(fast.get('missing'), fast.command(['GET', 'missing']));
  });

  test('short values (built from their bytes when ASCII) read as GET reads them', () => {
    const db = new Embedis();
    const ascii = 'a\u0000\u007f~ 9Zq!0123456789';
    const values = [];
    for (let n = 0; n <= 17; n++) values.push(ascii.slice(0, n), ascii.slice(0, Math.max(0, n - 1)) + 'é');
    values.push('€', 'a€b', '\u0080');
    for (const value of values) {
      db.set('short', value);
      assert.equal(db.get('short'), value, JSON.stringify(value));
      assert.equal(db.get('short'), db.command(['GET', 'short']), JSON.stringify(value));
    }
    db.set('raw', new Uint8Array([0x41, 0x80])); // ASCII then a stray byte: not ASCII
    assert.equal(db.get('raw'), 'A\ufffd');
  });

  test('values that are not UTF-8 read as GET reads them (U+FFFD)', () => {
    const db = new Embedis();
    for (const bytes of [[0xff], [0x41, 0xe2, 0x82], [0xc0, 0xaf, 0x41], [0xed, 0xa0, 0x80], [0xf0, 0x9f, 0x98]]) {
      db.set('raw', new Uint8Array(bytes));
      assert.equal(db.get('raw'), db.command(['GET', 'raw']), JSON.stringify(bytes));
    }
    db.set('raw', new Uint8Array([0xff, 0x41, 0xe2, 0x82]));
    assert.equal(db.get('raw'), '\ufffdA\ufffd');
  });

  test('get of another type is WRONGTYPE; set replaces any type and drops the TTL', () => {
    const db = new Embedis();
    db.lpush('l', 'a');
    const wrongtype = 'WRONGTYPE Operation against a key holding the wrong kind of value';
    throwsRedis(() => db.get('l'), wrongtype);
    throwsRedis(() => db.command(['GET', 'l']), wrongtype);
    assert.equal(db.set('l', 'v'), 'OK');
    assert.equal(db.type('l'), 'string');
    db.set('t', 'v', { ex: 100 });
    assert.equal(db.ttl('t'), 100);
    db.set('t', 'w');
    assert.equal(db.ttl('t'), -1);
    assert.equal(db.get('t'), 'w');
  });

  test('other argument types and options take the general method', () => {
    const db = new Embedis();
    assert.equal(db.set('n', 42), 'OK');
    assert.equal(db.get('n'), '42');
    assert.equal(db.set(new Uint8Array([107]), 'by bytes'), 'OK');
    assert.equal(db.get('k'), 'by bytes');
    assert.equal(db.get(new Uint8Array([107])), 'by bytes');
    assert.equal(db.set('k', 'other', { nx: true }), null);
    assert.equal(db.set('k', 'other', { get: true }), 'by bytes');
    assert.equal(db.set('k', 'again', null), 'OK');
    assert.equal(db.set('k', 'again', undefined), 'OK');
    assert.throws(() => db.get({}), TypeError);
  });

  test('each handle reads and writes its own database', () => {
    const db = new Embedis();
    const one = db.database(1);
    one.set('k', 'in 1');
    db.set('k', 'in 0');
    assert.equal(one.get('k'), 'in 1');
    assert.equal(db.get('k'), 'in 0');
    db.select(1);
    assert.equal(db.get('k'), 'in 1');
  });
});

describe('keyspace', () => {
  test('del, exists, type, rename, copy, move, keys, scan', () => {
    const db = new Embedis();
    db.mset({ a: '1', b: '2', c: '3' });
    assert.equal(db.exists(['a', 'a', 'zz']), 2);
    assert.equal(db.del(['a', 'zz']), 1);
    assert.equal(db.type('b'), 'string');
    assert.equal(db.type('a'), 'none');
    db.rename('b', 'b2');
    assert.equal(db.renamenx('b2', 'c'), false);
    throwsRedis(() => db.rename('nope', 'x'), 'ERR no such key');
    assert.equal(db.copy('c', 'c2'), true);
    assert.equal(db.copy('c', 'c2'), false);
    assert.equal(db.copy('c', 'c2', { replace: true }), true);
    assert.equal(db.move('c2', 3), true);
    assert.equal(db.database(3).get('c2'), '3');
    assert.deepEqual(db.keys('*').sort(), ['b2', 'c']);
    const seen = new Set();
    let cursor = '0';
    do {
      const [next, keys] = db.scan(cursor, { match: '*', count: 1 });
      keys.forEach((k) => seen.add(k));
      cursor = next;
    } while (cursor !== '0');
    assert.deepEqual([...seen].sort(), ['b2', 'c']);
    assert.equal(db.dbsize(), 2);
    db.flushdb();
    assert.equal(db.dbsize(), 0);
    assert.equal(db.randomkey(), null);
  });

  test('expire family with conditions', () => {
    const db = new Embedis();
    db.set('k', 'v');
    assert.equal(db.ttl('k'), -1);
    assert.equal(db.ttl('missing'), -2);
    assert.equal(db.expire('k', 100), true);
    assert.equal(db.expire('k', 50, { gt: true }), false);
    assert.equal(db.expire('k', 200, { gt: true }), true);
    assert.equal(db.expire('k', 10, { nx: true }), false);
    throwsRedis(() => db.expire('k', 10, { nx: true, xx: true }), 'ERR NX and XX, GT or LT options at the same time are not compatible');
    const at = Math.floor(Date.now() / 1000) + 1000;
    assert.equal(db.expireat('k', at), true);
    assert.equal(db.expiretime('k'), at);
    assert.equal(db.pexpiretime('k'), at * 1000);
    assert.equal(db.persist('k'), true);
    assert.equal(db.pexpire('k', 5000), true);
    assert.ok(db.pttl('k') <= 5000 && db.pttl('k') > 4000);
  });

  test('keys expire by themselves, without being read', async () => {
    const db = new Embedis();
    db.set('t', 'v', { px: 30 });
    db.set('keep', 'v');
    assert.equal(db.dbsize(), 2);
    await sleep(300);
    assert.equal(db.dbsize(), 1);
    db.free();
  });

  test('activeExpiry: false leaves expiry to reads', async () => {
    const db = new Embedis({ activeExpiry: false });
    db.set('t', 'v', { px: 20 });
    await sleep(200);
    assert.equal(db.dbsize(), 1);
    assert.equal(db.get('t'), null);
    assert.equal(db.dbsize(), 0);
  });

  test('sort', () => {
    const db = new Embedis();
    db.rpush('l', ['3', '1', '2']);
    assert.deepEqual(db.sort('l'), ['1', '2', '3']);
    assert.deepEqual(db.sort('l', { desc: true, limit: { offset: 0, count: 2 } }), ['3', '2']);
    assert.equal(db.sort('l', { store: 'dst' }), 3);
    assert.deepEqual(db.lrange('dst', 0, -1), ['1', '2', '3']);
  });

  test('select and database() address other databases; 16 by default', () => {
    const db = new Embedis();
    const one = db.database(1);
    one.set('k', 'in-1');
    assert.equal(db.get('k'), null);
    db.select(1);
    assert.equal(db.index, 1);
    assert.equal(db.get('k'), 'in-1');
    throwsRedis(() => db.select(16), 'ERR DB index is out of range');
    const small = new Embedis({ databases: 2 });
    throwsRedis(() => small.select(2), 'ERR DB index is out of range');
    db.swapdb(0, 1);
    db.select(0);
    assert.equal(db.get('k'), 'in-1');
    db.flushall();
    assert.equal(one.dbsize(), 0);
  });
});

describe('lists', () => {
  test('push, pop, range, index, insert, rem, trim, move, pos', () => {
    const db = new Embedis();
    assert.equal(db.rpush('l', ['a', 'b', 'c']), 3);
    assert.equal(db.lpush('l', 'z'), 4);
    assert.deepEqual(db.lrange('l', 0, -1), ['z', 'a', 'b', 'c']);
    assert.deepEqual(db.lrangeBytes('l', 0, 0), [new Uint8Array([122])]);
    assert.equal(db.lpop('l'), 'z');
    assert.deepEqual(db.rpop('l', 2), ['c', 'b']);
    assert.equal(db.lpop('missing'), null);
    assert.equal(db.lpop('missing', 2), null);
    assert.equal(db.rpushx('missing', 'x'), 0);
    db.rpush('l', ['b', 'a']);
    assert.equal(db.llen('l'), 3);
    assert.equal(db.lindex('l', -1), 'a');
    assert.equal(db.linsert('l', 'before', 'b', 'x'), 4);
    assert.equal(db.lpos('l', 'a'), 0);
    assert.deepEqual(db.lpos('l', 'a', { count: 0 }), [0, 3]);
    assert.equal(db.lrem('l', 0, 'a'), 2);
    db.lset('l', 0, 'X');
    throwsRedis(() => db.lset('l', 10, 'X'), 'ERR index out of range');
    db.ltrim('l', 0, 0);
    assert.deepEqual(db.lrange('l', 0, -1), ['X']);
    assert.equal(db.lmove('l', 'm', 'left', 'RIGHT'), 'X');
    assert.equal(db.rpoplpush('m', 'l'), 'X');
    db.rpush('q2', ['1', '2', '3']);
    assert.deepEqual(db.lmpop(['q1', 'q2'], 'left', 2), ['q2', ['1', '2']]);
    assert.equal(db.lmpop(['q1'], 'left'), null);
    db.set('s', 'v');
    throwsRedis(() => db.lpush('s', 'x'), 'WRONGTYPE Operation against a key holding the wrong kind of value');
  });

  test('blpop resolves at once when data is there', async () => {
    const db = new Embedis();
    db.rpush('q', ['a', 'b']);
    assert.deepEqual(await db.blpop(['empty', 'q'], 1), ['q', 'a']);
    assert.deepEqual(await db.brpop('q', 1), ['q', 'b']);
  });

  test('blpop is resolved by a later push, first come first served', async () => {
    const db = new Embedis();
    const first = db.blpop('q', 5);
    const second = db.brpop(['other', 'q'], 5);
    db.rpush('q', ['1', '2']);
    assert.deepEqual(await first, ['q', '1']);
    assert.deepEqual(await second, ['q', '2']);
    assert.equal(db.exists('q'), 0);
  });

  test('blpop resolves null after its timeout and forgets the waiter', async () => {
    const db = new Embedis();
    const t0 = Date.now();
    assert.equal(await db.blpop('q', 0.1), null);
    assert.ok(Date.now() - t0 >= 90);
    db.rpush('q', 'x');
    assert.equal(db.llen('q'), 1);
  });

  test('blmove, brpoplpush and blmpop wait too', async () => {
    const db = new Embedis();
    const moved = db.blmove('src', 'dst', 'left', 'left', 5);
    const popped = db.blmpop(['a', 'b'], 'right', 5, 2);
    db.rpush('src', 'x');
    db.rpush('b', ['1', '2', '3']);
    assert.equal(await moved, 'x');
    assert.deepEqual(await popped, ['b', ['3', '2']]);
    assert.deepEqual(db.lrange('dst', 0, -1), ['x']);
    assert.equal(await db.brpoplpush('none', 'dst', 0.05), null);
  });

  test('a timed-out blocking call lets Node exit; free() settles waiters', async () => {
    const db = new Embedis();
    const forever = db.blpop('never', 0);
    db.free();
    assert.equal(await forever, null);
  });

  test('errors of blocking commands reject the Promise', async () => {
    const db = new Embedis();
    await assert.rejects(db.blpop('q', -1), { message: 'ERR timeout is negative', code: 'ERR' });
    db.set('s', 'v');
    await assert.rejects(db.blpop('s', 1), { code: 'WRONGTYPE' });
  });
});

describe('hashes', () => {
  test('hset forms, hgetall as an object, numbers', () => {
    const db = new Embedis();
    assert.equal(db.hset('h', { name: 'alice', age: '30' }), 2);
    assert.equal(db.hset('h', 'city', 'paris'), 1);
    assert.equal(db.hset('h', new Map([['age', 31]])), 0);
    assert.equal(db.hset('h', [['x', '1']]), 1);
    assert.deepEqual(db.hgetall('h'), { name: 'alice', age: '31', city: 'paris', x: '1' });
    assert.deepEqual(db.hgetall('missing'), {});
    assert.equal(db.hget('h', 'name'), 'alice');
    assert.deepEqual(db.hgetBytes('h', 'x'), new Uint8Array([49]));
    assert.deepEqual(db.hgetallBytes('h').x, new Uint8Array([49]));
    assert.deepEqual(db.hmget('h', ['name', 'nope']), ['alice', null]);
    assert.equal(db.hexists('h', 'city'), true);
    assert.equal(db.hdel('h', ['city', 'nope']), 1);
    assert.equal(db.hlen('h'), 3);
    assert.equal(db.hstrlen('h', 'name'), 5);
    assert.deepEqual(db.hkeys('h').sort(), ['age', 'name', 'x']);
    assert.deepEqual(db.hvals('h').sort(), ['1', '31', 'alice']);
    assert.equal(db.hincrby('h', 'age', 1), 32);
    assert.equal(db.hincrbyfloat('h', 'age', 0.5), 32.5);
    throwsRedis(() => db.hincrby('h', 'name', 1), 'ERR hash value is not an integer');
    assert.equal(db.hsetnx('h', 'name', 'bob'), false);
  });

  test('a field named __proto__ is an ordinary key', () => {
    const db = new Embedis();
    db.hset('h', '__proto__', 'x');
    const all = db.hgetall('h');
    assert.deepEqual(Object.keys(all), ['__proto__']);
    assert.equal(Object.getPrototypeOf(all), Object.prototype);
  });

  test('hrandfield and hscan', () => {
    const db = new Embedis();
    db.hset('h', { a: '1', b: '2' });
    assert.ok(['a', 'b'].includes(db.hrandfield('h')));
    assert.equal(db.hrandfield('h', 5).length, 2);
    assert.deepEqual(db.hrandfield('h', 5, true).sort(), [['a', '1'], ['b', '2']]);
    assert.equal(db.hrandfield('missing'), null);
    const [cursor, entries] = db.hscan('h', 0);
    assert.equal(cursor, '0');
    assert.deepEqual(entries.sort(), [['a', '1'], ['b', '2']]);
  });
});

describe('sets', () => {
  test('members, algebra, cardinalities', () => {
    const db = new Embedis();
    assert.equal(db.sadd('a', ['1', '2', '3']), 3);
    assert.equal(db.sadd('b', [2, 3, 4]), 3);
    assert.deepEqual(db.smembers('a').sort(), ['1', '2', '3']);
    assert.equal(db.sismember('a', '1'), true);
    assert.deepEqual(db.smismember('a', ['1', '9']), [true, false]);
    assert.deepEqual(db.sinter(['a', 'b']).sort(), ['2', '3']);
    assert.deepEqual(db.sunion(['a', 'b']).sort(), ['1', '2', '3', '4']);
    assert.deepEqual(db.sdiff(['a', 'b']), ['1']);
    assert.equal(db.sinterstore('i', ['a', 'b']), 2);
    assert.equal(db.sunionstore('u', ['a', 'b']), 4);
    assert.equal(db.sdiffstore('d', ['a', 'b']), 1);
    assert.equal(db.sintercard(['a', 'b']), 2);
    assert.equal(db.sintercard(['a', 'b'], { limit: 1 }), 1);
    assert.equal(db.scard('u'), 4);
    assert.equal(db.smove('a', 'b', '1'), true);
    assert.equal(db.srem('a', ['2', '9']), 1);
    assert.deepEqual(db.smembers('a'), ['3']);
    assert.equal(db.spop('a'), '3');
    assert.equal(db.spop('a'), null);
    assert.deepEqual(db.spop('a', 2), []);
    assert.equal(db.srandmember('u', -5).length, 5);
    assert.deepEqual(db.smembersBytes('d'), [new Uint8Array([49])]);
    const [cursor, members] = db.sscan('u', '0', { count: 100 });
    assert.equal(cursor, '0');
    assert.equal(members.length, 4);
  });
});

describe('sorted sets', () => {
  test('zadd forms and options, scores as numbers', () => {
    const db = new Embedis();
    assert.equal(db.zadd('z', [[1, 'a'], [2, 'b']]), 2);
    assert.equal(db.zadd('z', { c: 3 }), 1);
    assert.equal(db.zadd('z', new Map([['d', 4]])), 1);
    assert.equal(db.zadd('z', [[10, 'a']], { xx: true, ch: true }), 1);
    assert.equal(db.zadd('z', [[0, 'a']], { gt: true, ch: true }), 0);
    assert.equal(db.zscore('z', 'a'), 10);
    assert.equal(db.zscore('z', 'nope'), null);
    assert.deepEqual(db.zmscore('z', ['a', 'nope']), [10, null]);
    assert.equal(db.zincrby('z', 0.5, 'b'), 2.5);
    db.zadd('z', [['+inf', 'top'], [-Infinity, 'bottom']]);
    assert.equal(db.zscore('z', 'top'), Infinity);
    assert.equal(db.zscore('z', 'bottom'), -Infinity);
    throwsRedis(() => db.zadd('z', [['x', 'a']]), 'ERR value is not a valid float');
    throwsRedis(() => db.zadd('z', [[1, 'a']], { nx: true, xx: true }), 'ERR XX and NX options at the same time are not compatible');
  });

  test('ranges by rank, score and lex, with and without scores', () => {
    const db = new Embedis();
    db.zadd('z', [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd']]);
    assert.deepEqual(db.zrange('z', 0, 1), ['a', 'b']);
    assert.deepEqual(db.zrange('z', 0, 1, { withScores: true }), [['a', 1], ['b', 2]]);
    assert.deepEqual(db.zrange('z', '(1', 3, { by: 'score' }), ['b', 'c']);
    assert.deepEqual(db.zrange('z', '+inf', '-inf', { by: 'score', rev: true, limit: { offset: 1, count: 2 } }), ['c', 'b']);
    assert.deepEqual(db.zrange('z', '[b', '(d', { by: 'lex' }), ['b', 'c']);
    assert.deepEqual(db.zrevrange('z', 0, 0, { withScores: true }), [['d', 4]]);
    assert.deepEqual(db.zrangebyscore('z', 2, '+inf', { limit: { offset: 0, count: 2 } }), ['b', 'c']);
    assert.deepEqual(db.zrevrangebyscore('z', 4, 3, { withScores: true }), [['d', 4], ['c', 3]]);
    assert.deepEqual(db.zrangebylex('z', '-', '[b'), ['a', 'b']);
    assert.deepEqual(db.zrevrangebylex('z', '+', '[c'), ['d', 'c']);
    assert.equal(db.zcount('z', '(1', '+inf'), 3);
    assert.equal(db.zlexcount('z', '-', '+'), 4);
    assert.equal(db.zrank('z', 'c'), 2);
    assert.equal(db.zrevrank('z', 'c'), 1);
    assert.equal(db.zrank('z', 'nope'), null);
    assert.equal(db.zcard('z'), 4);
    assert.equal(db.zrangestore('dst', 'z', 0, 1), 2);
    assert.deepEqual(db.zrange('dst', 0, -1), ['a', 'b']);
  });

  test('removal, pops, combinations, random members, scan', () => {
    const db = new Embedis();
    db.zadd('z', [[1, 'a'], [2, 'b'], [3, 'c'], [4, 'd'], [5, 'e']]);
    assert.equal(db.zrem('z', ['e', 'nope']), 1);
    assert.deepEqual(db.zpopmin('z'), [['a', 1]]);
    assert.deepEqual(db.zpopmax('z', 2), [['d', 4], ['c', 3]]);
    assert.deepEqual(db.zmpop(['none', 'z'], 'min'), ['z', [['b', 2]]]);
    assert.equal(db.zmpop(['none'], 'max'), null);
    db.zadd('x', [[1, 'a'], [2, 'b'], [3, 'c']]);
    db.zadd('y', [[10, 'b'], [20, 'c'], [30, 'd']]);
    assert.deepEqual(db.zunion(['x', 'y'], { withScores: true }), [['a', 1], ['b', 12], ['c', 23], ['d', 30]]);
    assert.deepEqual(db.zinter(['x', 'y'], { aggregate: 'max', withScores: true }), [['b', 10], ['c', 20]]);
    assert.deepEqual(db.zinter(['x', 'y'], { weights: [2, 0] }), ['b', 'c']);
    assert.deepEqual(db.zdiff(['x', 'y']), ['a']);
    assert.deepEqual(db.zdiff(['x', 'y'], { withScores: true }), [['a', 1]]);
    assert.equal(db.zunionstore('u', ['x', 'y'], { weights: [1, 2] }), 4);
    assert.equal(db.zscore('u', 'd'), 60);
    assert.equal(db.zinterstore('i', ['x', 'y']), 2);
    assert.equal(db.zdiffstore('d', ['x', 'y']), 1);
    assert.equal(db.zintercard(['x', 'y']), 2);
    assert.equal(db.zintercard(['x', 'y'], { limit: 1 }), 1);
    assert.equal(db.zremrangebyrank('u', 0, 0), 1);
    assert.equal(db.zremrangebyscore('u', '-inf', '(30'), 1);
    assert.equal(db.zremrangebylex('x', '[a', '[a'), 1);
    assert.ok(['b', 'c'].includes(db.zrandmember('x')));
    assert.equal(db.zrandmember('missing'), null);
    assert.deepEqual(db.zrandmember('x', 5, true).sort(), [['b', 2], ['c', 3]]);
    const [cursor, entries] = db.zscan('x', '0');
    assert.equal(cursor, '0');
    assert.deepEqual(entries, [['b', 2], ['c', 3]]);
  });

  test('bzpopmin, bzpopmax and bzmpop are Promises', async () => {
    const db = new Embedis();
    const min = db.bzpopmin(['z'], 5);
    db.zadd('z', [[1.5, 'a'], [7, 'b']]);
    assert.deepEqual(await min, ['z', 'a', 1.5]);
    assert.deepEqual(await db.bzpopmax('z', 1), ['z', 'b', 7]);
    const m = db.bzmpop(['z2'], 'max', 5, 10);
    db.zadd('z2', { x: 1, y: 2 });
    assert.deepEqual(await m, ['z2', [['y', 2], ['x', 1]]]);
    assert.equal(await db.bzpopmin('z', 0.05), null);
  });
});

describe('pub/sub', () => {
  test('subscribe delivers in order, asynchronously, until unsubscribed', async () => {
    const db = new Embedis();
    const got = [];
    const off = db.subscribe(['a', 'b'], (message, channel) => got.push(`${channel}:${message}`));
    assert.equal(db.publish('a', '1'), 1);
    assert.equal(db.publish('b', 2), 1);
    assert.deepEqual(got, []);
    await sleep(0);
    assert.deepEqual(got, ['a:1', 'b:2']);
    assert.deepEqual(db.pubsubNumsub(['a', 'c']), { a: 1, c: 0 });
    assert.deepEqual(db.pubsubChannels().sort(), ['a', 'b']);
    off();
    off();
    assert.equal(db.publish('a', '3'), 0);
    await sleep(0);
    assert.equal(got.length, 2);
  });

  test('psubscribe passes the pattern; a throwing handler does not stop delivery', async () => {
    const db = new Embedis();
    const got = [];
    const errors = [];
    const original = console.error;
    console.error = (e) => errors.push(e);
    try {
      const off = db.psubscribe('news.*', (message, channel, pattern) => {
        got.push([message, channel, pattern]);
        if (message === 'boom') throw new Error('handler failed');
      });
      assert.equal(db.pubsubNumpat(), 1);
      db.publish('news.eu', 'boom');
      db.publish('news.us', 'ok');
      db.publish('sports', 'no');
      await sleep(0);
      assert.deepEqual(got, [['boom', 'news.eu', 'news.*'], ['ok', 'news.us', 'news.*']]);
      assert.equal(errors.length, 1);
      off();
      assert.equal(db.pubsubNumpat(), 0);
    } finally {
      console.error = original;
    }
  });
});

describe('command, commandAsync, commandBytes, multi', () => {
  test('command runs anything by name, in RESP2 shapes', () => {
    const db = new Embedis();
    assert.equal(db.command(['SET', 'k', 'v']), 'OK');
    assert.equal(db.command(['get', 'k']), 'v');
    assert.equal(db.command(['RPUSH', 'l', 'a', 'b']), 2);
    assert.deepEqual(db.command(['LRANGE', 'l', 0, -1]), ['a', 'b']);
    assert.equal(db.command(['GET', 'nope']), null);
    db.hset('h', { f: 'v' });
    assert.deepEqual(db.command(['HGETALL', 'h']), ['f', 'v']);
    db.zadd('z', [[1.5, 'm']]);
    assert.equal(db.command(['ZSCORE', 'z', 'm']), '1.5');
    assert.deepEqual(db.commandBytes(['GET', 'k']), new Uint8Array([118]));
    throwsRedis(() => db.command(['GET']), "ERR wrong number of arguments for 'get' command");
    throwsRedis(() => db.command(['NOPE', 'a', 'b']), "ERR unknown command 'NOPE', with args beginning with: 'a' 'b' ");
    // A blocking command that would wait gives its timeout reply at once.
    assert.equal(db.command(['BLPOP', 'empty', '0']), null);
  });

  test('commandAsync waits for blocking commands', async () => {
    const db = new Embedis();
    const p = db.commandAsync(['BLPOP', 'q', '5']);
    db.rpush('q', 'x');
    assert.deepEqual(await p, ['q', 'x']);
    await assert.rejects(db.commandAsync(['GET']), { code: 'ERR' });
  });

  test('multi runs commands atomically, errors in place', () => {
    const db = new Embedis();
    const out = db.multi([['SET', 'n', '1'], ['INCR', 'n'], ['LPUSH', 'n', 'x'], ['GET', 'n']]);
    assert.equal(out[0], 'OK');
    assert.equal(out[1], 2);
    assert.ok(out[2] instanceof Error);
    assert.equal(out[2].code, 'WRONGTYPE');
    assert.equal(out[3], '2');
  });
});

describe('snapshots and persistence', () => {
  test('restore gives back every database, type and TTL', () => {
    const db = new Embedis();
    db.set('s', 'v', { ex: 1000 });
    db.rpush('l', ['a', 'b']);
    db.hset('h', { f: 'v' });
    db.sadd('set', ['x']);
    db.zadd('z', [[1.5, 'm']]);
    db.database(5).set('five', '5');
    const copy = Embedis.restore(db.snapshot());
    assert.equal(copy.get('s'), 'v');
    assert.ok(copy.ttl('s') > 990);
    assert.deepEqual(copy.lrange('l', 0, -1), ['a', 'b']);
    assert.deepEqual(copy.hgetall('h'), { f: 'v' });
    assert.deepEqual(copy.smembers('set'), ['x']);
    assert.equal(copy.zscore('z', 'm'), 1.5);
    assert.equal(copy.database(5).get('five'), '5');
  });

  test('a damaged snapshot is refused with the reason', () => {
    const bytes = new Embedis().snapshot();
    assert.throws(() => Embedis.restore(new Uint8Array([1, 2, 3])), (e) => e.code === 'SNAPSHOT' && /magic|truncated/.test(e.message));
    const flipped = bytes.slice();
    flipped[flipped.length - 1] ^= 0xff;
    assert.throws(() => Embedis.restore(flipped), (e) => e.code === 'SNAPSHOT' && /checksum/i.test(e.message));
  });

  test('saveFile / loadFile round trip; a missing file gives an empty store', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'embedis-'));
    try {
      const file = path.join(dir, 'dump.embedis');
      const empty = await Embedis.loadFile(file);
      assert.equal(empty.dbsize(), 0);
      const db = new Embedis();
      db.set('k', 'v');
      await db.saveFile(file);
      assert.equal((await Embedis.loadFile(file)).get('k'), 'v');
      await writeFile(file, 'not a snapshot');
      await assert.rejects(Embedis.loadFile(file), { code: 'SNAPSHOT' });
      await assert.rejects(db.saveIndexedDB(), /IndexedDB/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('lifetime', () => {
  test('each store runs one expiry timer, cleared by free()', () => {
    const live = new Set();
    const { setInterval: set, clearInterval: clear } = globalThis;
    globalThis.setInterval = (...args) => { const id = set(...args); live.add(id); return id; };
    globalThis.clearInterval = (id) => { live.delete(id); clear(id); };
    try {
      const stores = Array.from({ length: 5 }, () => new Embedis());
      const other = stores[0].database(1);
      assert.equal(live.size, 5);
      stores.forEach((s) => s.free());
      assert.equal(live.size, 1, 'a second handle keeps its store alive');
      other.free();
      assert.equal(live.size, 0);
      new Embedis({ activeExpiry: false }).free();
      assert.equal(live.size, 0);
    } finally {
      globalThis.setInterval = set;
      globalThis.clearInterval = clear;
    }
  });

  test('free() releases the store; Symbol.dispose is free where it exists', () => {
    const db = new Embedis();
    db.free();
    assert.throws(() => db.get('k'), /null pointer|moved|freed/);
    if (typeof Symbol.dispose === 'symbol') {
      const other = new Embedis();
      assert.equal(other[Symbol.dispose], other.free);
      other[Symbol.dispose]();
      assert.throws(() => other.get('k'));
    }
  });
});
