// The console page (wasm/www) driven in headless Chromium (Debian's, through
// playwright-core): commands typed as in redis-cli, replies checked on the
// screen, history keys, persistence across reloads, and snapshots exchanged
// with embedis-server both ways. Saves a screenshot to .test-artifacts/.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import Redis from 'ioredis';

const wasmDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const repo = path.resolve(wasmDir, '..');
const www = path.join(wasmDir, 'www');
const artifacts = path.join(repo, '.test-artifacts');
const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
const FLAGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
  '--disable-component-update', '--disable-sync', '--disable-dev-shm-usage'];
const TYPES = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.wasm': 'application/wasm', '.json': 'application/json' };

/** Serves wasm/www on 127.0.0.1. */
function serve() {
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://localhost');
    let file = path.normalize(path.join(www, decodeURIComponent(url.pathname)));
    if (!file.startsWith(www)) { res.writeHead(403).end(); return; }
    if (url.pathname.endsWith('/')) file = path.join(file, 'index.html');
    if (!existsSync(file)) { res.writeHead(404).end(); return; }
    res.writeHead(200, { 'content-type': TYPES[path.extname(file)] ?? 'application/octet-stream' });
    res.end(readFileSync(file));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

function freePort() {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** Starts target/debug/embedis-server on a free port; resolves once it accepts clients. */
async function startServer(dir) {
  const bin = path.join(repo, 'target/debug/embedis-server');
  assert.ok(existsSync(bin), `${bin} is missing: build it with cargo build -p embedis-server`);
  const port = await freePort();
  const proc = spawn(bin, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--save', ''], { stdio: 'ignore' });
  for (let i = 0; i < 100; i++) {
    const up = await new Promise((resolve) => {
      const s = net.connect(port, '127.0.0.1', () => { s.destroy(); resolve(true); });
      s.on('error', () => resolve(false));
    });
    if (up) return { proc, port };
    await new Promise((r) => setTimeout(r, 100));
  }
  proc.kill();
  throw new Error('embedis-server did not start');
}

describe('console page in Chromium', () => {
  let http_;
  let browser;
  let page;
  let base;

  before(async () => {
    assert.ok(existsSync(path.join(www, 'pkg/index.js')), 'www/pkg is missing: run wasm/build.sh');
    http_ = await serve();
    base = `http://127.0.0.1:${http_.address().port}/`;
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: FLAGS });
    page = await browser.newPage({ viewport: { width: 1000, height: 720 } });
    page.on('pageerror', (e) => console.error('page error:', e));
    await page.goto(base);
    await page.waitForSelector('body[data-ready="true"]');
  });

  after(async () => {
    await browser?.close();
    http_?.close();
  });

  /** Types `line`, presses Enter, and returns the replies printed for it. */
  async function type(line, replies = 1) {
    const before_ = await page.locator('#screen .entry').count();
    await page.fill('#input', line);
    await page.press('#input', 'Enter');
    await page.waitForFunction(([n, k]) => document.querySelectorAll('#screen .entry').length >= n + 1 + k, [before_, replies]);
    const texts = await page.locator('#screen .entry').allTextContents();
    return texts.slice(before_ + 1);
  }

  test('replies look like redis-cli output', async () => {
    assert.deepEqual(await type('SET greeting "hello world"'), ['OK']);
    assert.deepEqual(await type('GET greeting'), ['"hello world"']);
    assert.deepEqual(await type('RPUSH jobs a b c'), ['(integer) 3']);
    assert.deepEqual(await type('LRANGE jobs 0 -1'), ['1) "a"\n2) "b"\n3) "c"']);
    assert.deepEqual(await type('HSET user:1 name alice age 30'), ['(integer) 2']);
    assert.deepEqual(await type('HGETALL user:1'), ['1) "name"\n2) "alice"\n3) "age"\n4) "30"']);
    assert.deepEqual(await type('GET nothing'), ['(nil)']);
    assert.deepEqual(await type('PING'), ['PONG']);
    assert.deepEqual(await type('INCR greeting'), ['(error) ERR value is not an integer or out of range']);
    assert.equal(await page.locator('#screen .entry.error').last().textContent(), '(error) ERR value is not an integer or out of range');
  });

  test('client-session commands: SELECT changes the prompt, MULTI/EXEC', async () => {
    assert.deepEqual(await type('SELECT 2'), ['OK']);
    assert.equal(await page.textContent('#prompt'), 'embedis[2]>');
    assert.deepEqual(await type('SELECT 0'), ['OK']);
    assert.equal(await page.textContent('#prompt'), 'embedis>');
    assert.deepEqual(await type('MULTI'), ['OK']);
    assert.deepEqual(await type('INCR visits'), ['QUEUED']);
    assert.deepEqual(await type('EXEC'), ['1) (integer) 1']);
  });

  test('a BLPOP typed in the console is served by a push from page code', async () => {
    const count = await page.locator('#screen .entry').count();
    await page.fill('#input', 'BLPOP queue 10');
    await page.press('#input', 'Enter');
    await page.evaluate(() => window.embedis.db.rpush('queue', 'from-js'));
    await page.waitForFunction((n) => document.querySelectorAll('#screen .entry').length >= n + 2, count);
    assert.equal(await page.locator('#screen .entry').last().textContent(), '1) "queue"\n2) "from-js"');
  });

  test('arrow keys walk the history', async () => {
    await page.fill('#input', '');
    await page.press('#input', 'ArrowUp');
    assert.equal(await page.inputValue('#input'), 'BLPOP queue 10');
    await page.press('#input', 'ArrowUp');
    assert.equal(await page.inputValue('#input'), 'EXEC');
    await page.press('#input', 'ArrowDown');
    assert.equal(await page.inputValue('#input'), 'BLPOP queue 10');
    await page.press('#input', 'ArrowDown');
    assert.equal(await page.inputValue('#input'), '');
    mkdirSync(artifacts, { recursive: true });
    await page.screenshot({ path: path.join(artifacts, 'console.png') });
  });

  test('get and set with string arguments (js/fast.js, TextDecoder here) agree with GET and SET', async () => {
    const got = await page.evaluate(() => {
      const db = new window.embedis.Embedis({ activeExpiry: false });
      const texts = ['', 'v', 'héllo', '😀 and 𝄞', 'nul\u0000inside', '\ufeffBOM first', 'x'.repeat(100_000), 'é'.repeat(300_000)];
      const same = texts.map((t, i) => {
        db.set(`k${i}`, t);
        return db.get(`k${i}`) === t && db.command(['GET', `k${i}`]) === t;
      });
      db.set('lone', 'a\ud800b');
      db.set('raw', new Uint8Array([0xff, 0x41, 0xe2, 0x82]));
      db.lpush('list', 'a');
      let error = null;
      try {
        db.get('list');
      } catch (e) {
        error = `${e.code}: ${e.message}`;
      }
      const out = { same, lone: db.get('lone'), raw: [db.get('raw'), db.command(['GET', 'raw'])], missing: db.get('nope'), error };
      db.free();
      return out;
    });
    assert.deepEqual(got, {
      same: Array(8).fill(true),
      lone: 'a\ufffdb',
      raw: ['\ufffdA\ufffd', '\ufffdA\ufffd'],
      missing: null,
      error: 'WRONGTYPE: WRONGTYPE Operation against a key holding the wrong kind of value',
    });
  });

  test('the data is back after a reload (IndexedDB)', async () => {
    await page.evaluate(() => window.embedis.saved());
    await page.reload();
    await page.waitForSelector('body[data-ready="true"]');
    assert.deepEqual(await type('GET greeting'), ['"hello world"']);
    assert.deepEqual(await type('LRANGE jobs 0 -1'), ['1) "a"\n2) "b"\n3) "c"']);
    await page.press('#input', 'ArrowUp');
    assert.equal(await page.inputValue('#input'), 'LRANGE jobs 0 -1');
  });

  test('a snapshot from the page loads in embedis-server, and the reverse', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'embedis-interop-'));
    let server;
    let client;
    try {
      const bytes = await page.evaluate(() => Array.from(window.embedis.db.snapshot()));
      writeFileSync(path.join(dir, 'dump.embedis'), Buffer.from(bytes));
      server = await startServer(dir);
      client = new Redis({ port: server.port, host: '127.0.0.1' });
      assert.equal(await client.get('greeting'), 'hello world');
      assert.deepEqual(await client.lrange('jobs', 0, -1), ['a', 'b', 'c']);
      assert.deepEqual(await client.hgetall('user:1'), { name: 'alice', age: '30' });

      await client.set('from-server', 'yes');
      await client.zadd('board', 1.5, 'bob');
      assert.equal(await client.save(), 'OK');
      await page.setInputFiles('#upload', path.join(dir, 'dump.embedis'));
      await page.waitForFunction(() => [...document.querySelectorAll('#screen .entry')].some((e) => e.textContent.startsWith('Loaded dump.embedis')));
      assert.deepEqual(await type('GET from-server'), ['"yes"']);
      assert.deepEqual(await type('ZSCORE board bob'), ['"1.5"']);
    } finally {
      client?.disconnect();
      server?.proc.kill();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
