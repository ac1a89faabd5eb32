// Starts a real `embedis-server` process for the client suites: the binary
// from $EMBEDIS_SERVER, else target/release or target/debug (build it with
// `cargo build -p embedis-server` first), on 127.0.0.1 and a port the server
// picks itself (`--port 0`; we read it back from its "Listening on" line).
//
// CLIENT_SUITE_ORACLE=redis-server runs the same suites against a real
// redis-server instead, to check the suites themselves.

import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

function binary() {
  if (process.env.EMBEDIS_SERVER) return process.env.EMBEDIS_SERVER;
  for (const profile of ['release', 'debug']) {
    const p = join(root, 'target', profile, 'embedis-server');
    if (existsSync(p)) return p;
  }
  throw new Error('embedis-server not built: run `cargo build -p embedis-server` first');
}

function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

function canConnect(port) {
  return new Promise((resolve) => {
    const c = connect(port, '127.0.0.1');
    c.once('connect', () => { c.destroy(); resolve(true); });
    c.once('error', () => resolve(false));
  });
}

/**
 * Starts a server with extra command-line arguments (e.g. `--requirepass x`).
 * @returns {Promise<{port: number, stop: () => Promise<void>}>}
 */
export async function startServer(...extra) {
  const dir = mkdtempSync(join(tmpdir(), 'embedis-node-'));
  const oracle = process.env.CLIENT_SUITE_ORACLE === 'redis-server';
  let child;
  let port;
  if (oracle) {
    port = await freePort();
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra], { stdio: 'ignore' });
    const deadline = Date.now() + 10000;
    while (!(await canConnect(port))) {
      if (Date.now() > deadline) throw new Error('redis-server did not start');
      await new Promise((r) => setTimeout(r, 20));
    }
  } else {
    child = spawn(binary(), ['--port', '0', '--bind', '127.0.0.1', '--save', '', '--dir', dir, ...extra], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    port = await new Promise((resolve, reject) => {
      let log = '';
      const timer = setTimeout(() => reject(new Error(`embedis-server did not start:\n${log}`)), 20000);
      const onData = (chunk) => {
        log += chunk;
        const m = /Listening on 127\.0\.0\.1:(\d+)/.exec(log);
        if (m) {
          clearTimeout(timer);
          resolve(Number(m[1]));
        }
      };
      child.stdout.on('data', onData);
      child.stderr.on('data', onData);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`embedis-server exited with ${code}:\n${log}`));
      });
    });
    // Keep reading its log so the pipes never fill.
    child.stdout.resume();
    child.stderr.resume();
  }
  return {
    port,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Polls `predicate` until it is true (for up to `ms`). */
export async function waitFor(predicate, what, ms = 5000) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await predicate()) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Number of blocked clients, from INFO clients. */
export function blockedClients(info) {
  const m = /blocked_clients:(\d+)/.exec(info);
  return m ? Number(m[1]) : -1;
}
