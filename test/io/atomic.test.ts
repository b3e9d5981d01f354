import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { atomicTempPath, isAtomicTempName, writeFileAtomic, writeFileAtomicWith, writeFullySync, writeJsonAtomic } from '../../src/io/atomic';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'structprune-atomic-'));
after(() => fs.rmSync(root, { recursive: true, force: true }));

let dirCount = 0;
/** A fresh empty directory per test, so listings show exactly what the writer left. */
function freshDir(): string {
  const d = path.join(root, `t${dirCount++}`);
  fs.mkdirSync(d);
  return d;
}

test('writeFileAtomic creates the file and leaves no temp file', () => {
  const dir = freshDir();
  const target = path.join(dir, 'out.bin');
  writeFileAtomic(target, new Uint8Array([1, 2, 3, 255]));
  assert.deepEqual([...fs.readFileSync(target)], [1, 2, 3, 255]);
  writeFileAtomic(path.join(dir, 'note.txt'), 'héllo\n');
  assert.equal(fs.readFileSync(path.join(dir, 'note.txt'), 'utf8'), 'héllo\n');
  assert.deepEqual(fs.readdirSync(dir).sort(), ['note.txt', 'out.bin']);
});

test('writeFileAtomic replaces an existing file and keeps its permission bits', () => {
  const dir = freshDir();
  const target = path.join(dir, 'cfg.json');
  fs.writeFileSync(target, 'old');
  fs.chmodSync(target, 0o600);
  writeFileAtomic(target, 'new content');
  assert.equal(fs.readFileSync(target, 'utf8'), 'new content');
  if (process.platform !== 'win32') assert.equal(fs.statSync(target).mode & 0o777, 0o600);
  assert.deepEqual(fs.readdirSync(dir), ['cfg.json']);
});

test('a writer that throws mid-write leaves the old target intact and no temp file', () => {
  const dir = freshDir();
  const target = path.join(dir, 'model.bin');
  fs.writeFileSync(target, 'previous complete file');
  const boom = new Error('disk on fire');
  assert.throws(
    () =>
      writeFileAtomicWith(target, (fd) => {
        writeFullySync(fd, new Uint8Array(1 << 16).fill(7)); // half of a new file
        throw boom;
      }),
    (err) => err === boom, // the original error, unchanged
  );
  assert.equal(fs.readFileSync(target, 'utf8'), 'previous complete file');
  assert.deepEqual(fs.readdirSync(dir), ['model.bin']);
});

test('a writer that throws on a new target creates nothing', () => {
  const dir = freshDir();
  const target = path.join(dir, 'fresh.bin');
  assert.throws(
    () =>
      writeFileAtomicWith(target, () => {
        throw new RangeError('bad input');
      }),
    RangeError,
  );
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('rename failure (target is a directory) cleans up the temp file', () => {
  const dir = freshDir();
  const target = path.join(dir, 'sub');
  fs.mkdirSync(target);
  fs.writeFileSync(path.join(target, 'keep.txt'), 'x');
  assert.throws(() => writeFileAtomic(target, 'data'));
  assert.deepEqual(fs.readdirSync(dir), ['sub']);
  assert.deepEqual(fs.readdirSync(target), ['keep.txt']);
});

test('a missing directory fails before anything is written', () => {
  const dir = freshDir();
  assert.throws(() => writeFileAtomic(path.join(dir, 'no', 'such', 'f.txt'), 'x'), /ENOENT/);
  assert.deepEqual(fs.readdirSync(dir), []);
});

test('writeJsonAtomic writes indented JSON with a trailing newline', () => {
  const dir = freshDir();
  const target = path.join(dir, 'report.json');
  const value = { a: 1, b: [true, null, 'x'], nested: { y: 2.5 } };
  writeJsonAtomic(target, value);
  const text = fs.readFileSync(target, 'utf8');
  assert.equal(text, JSON.stringify(value, null, 2) + '\n');
  assert.deepEqual(JSON.parse(text), value);
  writeJsonAtomic(target, [1, 2], { indent: 0 });
  assert.equal(fs.readFileSync(target, 'utf8'), '[1,2]\n');
});

test('writeJsonAtomic rejects values without a JSON form and leaves the target alone', () => {
  const dir = freshDir();
  const target = path.join(dir, 'r.json');
  fs.writeFileSync(target, '{"kept":true}');
  assert.throws(() => writeJsonAtomic(target, undefined), /r\.json.*no JSON form/);
  const cyclic: Record<string, unknown> = {};
  cyclic.self = cyclic;
  assert.throws(() => writeJsonAtomic(target, cyclic), TypeError);
  assert.equal(fs.readFileSync(target, 'utf8'), '{"kept":true}');
  assert.deepEqual(fs.readdirSync(dir), ['r.json']);
});

test('temp names sit next to the target and are recognisable', () => {
  const t = path.join('/some/dir', 'model.safetensors');
  const a = atomicTempPath(t);
  const b = atomicTempPath(t);
  assert.equal(path.dirname(a), '/some/dir');
  assert.notEqual(a, b);
  assert.ok(isAtomicTempName(path.basename(a), 'model.safetensors'));
  assert.ok(!isAtomicTempName('model.safetensors', 'model.safetensors'));
});
