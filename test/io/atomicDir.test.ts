import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { writeDirAtomic, recoverDir, acquireOutputLock, lockFileOf } from '../../src/io/atomicDir';
import { OutputPathError } from '../../src/io/outputPath';
import { tmpDir } from '../helpers';

/** The pid of a process that has exited. */
function deadPid(): number {
  const r = spawnSync(process.execPath, ['-e', 'process.stdout.write(String(process.pid))'], { encoding: 'utf8' });
  return Number(r.stdout);
}

const write = (files: Record<string, string>) => (tmp: string) => {
  for (const [n, v] of Object.entries(files)) fs.writeFileSync(path.join(tmp, n), v);
};

test('writeDirAtomic replaces a folder as a whole and leaves no sibling behind', () => {
  const d = tmpDir('sp-swap-');
  const target = path.join(d, 'model');
  writeDirAtomic(target, write({ 'a.json': 'old', 'b.bin': 'old' }));
  writeDirAtomic(target, write({ 'a.json': 'new' }));
  assert.deepEqual(fs.readdirSync(target), ['a.json']);
  assert.equal(fs.readFileSync(path.join(target, 'a.json'), 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(d), ['model']);
  // a failing writer leaves the old folder untouched and removes its partial copy
  assert.throws(
    () =>
      writeDirAtomic(target, (tmp) => {
        fs.writeFileSync(path.join(tmp, 'a.json'), 'half');
        throw new Error('disk full');
      }),
    /disk full/,
  );
  assert.equal(fs.readFileSync(path.join(target, 'a.json'), 'utf8'), 'new');
  assert.deepEqual(fs.readdirSync(d), ['model']);
});

test("a swap killed between its two renames is undone by the next write; dead writers' .part folders are removed", () => {
  const d = tmpDir('sp-swap-kill-');
  const target = path.join(d, 'model');
  const pid = deadPid();
  // state after a kill: the old model renamed aside, the new one still a .part
  const old = path.join(d, `.model.${pid}.0123456789ab.old`);
  const part = path.join(d, `.model.${pid}.ba9876543210.part`);
  fs.mkdirSync(old);
  fs.writeFileSync(path.join(old, 'config.json'), 'old model');
  fs.mkdirSync(part);
  fs.writeFileSync(path.join(part, 'config.json'), 'half-written');
  assert.equal(recoverDir(target), true);
  assert.equal(fs.readFileSync(path.join(target, 'config.json'), 'utf8'), 'old model');
  assert.deepEqual(fs.readdirSync(d), ['model']);
  // a live writer's .part is left alone
  const live = path.join(d, `.model.${process.pid}.0123456789ab.part`);
  fs.mkdirSync(live);
  assert.equal(recoverDir(target), false);
  assert.ok(fs.existsSync(live));
});

test("the output lock refuses a second writer while the first lives and takes over a dead one's lock", () => {
  const d = tmpDir('sp-lock-');
  const target = path.join(d, 'out');
  const lock = acquireOutputLock(target);
  assert.throws(
    () => acquireOutputLock(target),
    (e: unknown) => e instanceof OutputPathError && e.problem === 'locked' && /another run \(pid \d+/.test(e.message),
  );
  lock.release();
  lock.release();
  assert.ok(!fs.existsSync(lockFileOf(target)));
  fs.writeFileSync(lockFileOf(target), String(deadPid()));
  const again = acquireOutputLock(target);
  assert.equal(fs.readFileSync(lockFileOf(target), 'utf8'), String(process.pid));
  again.release();
});

test('two processes saving to one folder: exactly one succeeds while the other holds the lock', () => {
  const d = tmpDir('sp-lock2-');
  const target = path.join(d, 'out');
  const lock = acquireOutputLock(target);
  const child = spawnSync(
    process.execPath,
    [
      '--import',
      'tsx',
      '-e',
      `
    const { acquireOutputLock } = require(${JSON.stringify(path.resolve(__dirname, '../../src/io/atomicDir.ts'))});
    try { acquireOutputLock(${JSON.stringify(target)}); console.log('acquired'); } catch (e) { console.log(e.problem); }`,
    ],
    { encoding: 'utf8' },
  );
  lock.release();
  assert.equal(child.stdout.trim(), 'locked', child.stderr);
});
