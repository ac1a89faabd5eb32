// The package as a user installs it: `npm pack` the built package, install
// the tarball into a fresh project, then use it from ES modules, CommonJS
// and TypeScript (automerge's "packaging tests").
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const wasmDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

describe('the packed tarball', () => {
  let dir;
  let project;
  let files;

  before(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'embedis-pack-'));
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], wasmDir));
    files = packed.files.map((f) => f.path);
    project = path.join(dir, 'app');
    run('mkdir', ['-p', project], dir);
    writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'app', version: '1.0.0', private: true }));
    run('npm', ['install', '--no-audit', '--no-fund', '--offline', path.join(dir, packed.filename)], project);
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  test('holds the builds, the types and the README, not the sources', () => {
    for (const f of ['pkg/node/embedis_bg.wasm', 'pkg/node/index.cjs', 'pkg/node/index.mjs', 'pkg/web/embedis_bg.wasm',
      'pkg/web/index.js', 'pkg/embedis.d.ts', 'README.md', 'package.json']) {
      assert.ok(files.includes(f), `${f} missing from ${files.join(', ')}`);
    }
    assert.ok(!files.some((f) => f.startsWith('src/') || f.startsWith('test/') || f.endsWith('.rs')), files.join(', '));
  });

  test('the public types never say any', () => {
    const dts = readFileSync(path.join(project, 'node_modules/embedis/pkg/embedis.d.ts'), 'utf8');
    const code = dts.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
    assert.doesNotMatch(code, /\bany\b/);
  });

  test('works with import (ESM)', () => {
    writeFileSync(path.join(project, 'esm.mjs'), `
      import { Embedis } from 'embedis';
      const db = new Embedis();
      db.set('k', 'v', { px: 60000 });
      const later = await db.commandAsync(['GET', 'k']);
      console.log(JSON.stringify([db.get('k'), later, db.pttl('k') > 0]));
      db.free();
    `);
    assert.equal(run('node', ['esm.mjs'], project).trim(), '["v","v",true]');
  });

  test('works with require (CommonJS), sharing the module with import', () => {
    writeFileSync(path.join(project, 'cjs.cjs'), `
      const { Embedis } = require('embedis');
      const db = new Embedis();
      db.mset({ a: '1', b: '2' });
      const copy = Embedis.restore(db.snapshot());
      import('embedis').then((esm) => {
        console.log(JSON.stringify([copy.mget(['a', 'b']), esm.Embedis === Embedis]));
      });
    `);
    assert.equal(run('node', ['cjs.cjs'], project).trim(), '[["1","2"],true]');
  });

  test('exits on its own: the expiry timer does not hold Node open', () => {
    writeFileSync(path.join(project, 'exit.mjs'), `
      import { Embedis } from 'embedis';
      const db = new Embedis();
      db.set('k', 'v', { ex: 1000 });
      console.log('done');
    `);
    const t0 = Date.now();
    assert.equal(run('node', ['exit.mjs'], project).trim(), 'done');
    assert.ok(Date.now() - t0 < 5000);
  });

  test('type-checks a TypeScript usage file (strict, nodenext)', () => {
    copyFileSync(path.join(wasmDir, 'test/types/usage.ts'), path.join(project, 'usage.ts'));
    writeFileSync(path.join(project, 'tsconfig.json'), JSON.stringify({
      compilerOptions: {
        strict: true, noEmit: true, target: 'es2022', module: 'nodenext', moduleResolution: 'nodenext',
        lib: ['es2022', 'dom'], types: ['node'], typeRoots: [path.join(wasmDir, 'node_modules/@types')],
      },
      files: ['usage.ts'],
    }));
    const tsc = path.join(wasmDir, 'node_modules/typescript/bin/tsc');
    try {
      run('node', [tsc, '-p', '.'], project);
    } catch (e) {
      assert.fail(`tsc failed:\n${e.stdout}${e.stderr}`);
    }
  });

  test('type-checks for bundlers too (moduleResolution bundler, browser condition)', () => {
    writeFileSync(path.join(project, 'browser.ts'), `
      import { Embedis } from 'embedis';
      export async function persisted(): Promise<string | null> {
        const db = await Embedis.loadIndexedDB('app');
        db.set('visits', String(Number(db.get('visits') ?? 0) + 1));
        await db.saveIndexedDB('app');
        return db.get('visits');
      }
    `);
    const tsc = path.join(wasmDir, 'node_modules/typescript/bin/tsc');
    // An old `lib` (no Symbol.dispose) and the newest (which declares it).
    for (const lib of [['es2020', 'dom'], ['esnext', 'dom']]) {
      writeFileSync(path.join(project, 'tsconfig.bundler.json'), JSON.stringify({
        compilerOptions: {
          strict: true, noEmit: true, target: 'es2020', module: 'esnext', moduleResolution: 'bundler', lib, types: [],
        },
        files: ['browser.ts'],
      }));
      try {
        run('node', [tsc, '-p', 'tsconfig.bundler.json'], project);
      } catch (e) {
        assert.fail(`tsc (lib ${lib}) failed:\n${e.stdout}${e.stderr}`);
      }
    }
  });
});
