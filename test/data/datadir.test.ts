import assert from 'node:assert/strict';
import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { checkFile, sha256File } from '../../src/data/checksum';
import { DataFileError, dataFile, dataPath, locateDataDir, projectRoot, resolveDataDir } from '../../src/data/datadir';
import { KNOWN_FILES, knownFile } from '../../src/data/registry';
import { REFERENCE_DATA, needsReferenceData } from '../referenceData';

const SHARED = REFERENCE_DATA;
const skip = needsReferenceData();
/** The default location, used when neither the option nor STRUCTPRUNE_DATA is given. */
const DEFAULT_SHARED = path.resolve(projectRoot(), '..', 'shared', 'datasets');
const tmp = mkdtempSync(path.join(tmpdir(), 'sp-datadir-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

test('projectRoot is the folder with this package.json, found from the module location', () => {
  const root = projectRoot();
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { name: string };
  assert.equal(pkg.name, 'structprune-ts');
  assert.equal(root, path.resolve(__dirname, '..', '..'));
});

test('resolveDataDir precedence: option > STRUCTPRUNE_DATA > ../shared/datasets > ./datasets', () => {
  const root = path.join(tmp, 'proj');
  mkdirSync(root, { recursive: true });
  const env = { STRUCTPRUNE_DATA: path.join(tmp, 'fromenv') };
  assert.deepEqual(locateDataDir({ dataDir: path.join(tmp, 'opt'), env, projectRoot: root }), { dir: path.join(tmp, 'opt'), source: 'option' });
  assert.deepEqual(locateDataDir({ env, projectRoot: root }), { dir: path.join(tmp, 'fromenv'), source: 'env' });
  assert.deepEqual(locateDataDir({ env: { STRUCTPRUNE_DATA: '' }, projectRoot: root }), { dir: path.join(root, 'datasets'), source: 'local' });
  mkdirSync(path.join(tmp, 'shared', 'datasets'), { recursive: true });
  assert.deepEqual(locateDataDir({ env: {}, projectRoot: root }), { dir: path.join(tmp, 'shared', 'datasets'), source: 'shared' });
  // Relative values resolve against the cwd.
  assert.equal(resolveDataDir({ dataDir: 'rel/dir' }), path.resolve(process.cwd(), 'rel/dir'));
  assert.equal(resolveDataDir({ env: { STRUCTPRUNE_DATA: 'rel2' } }), path.resolve(process.cwd(), 'rel2'));
  assert.equal(dataPath('a/b.txt', { dataDir: tmp }), path.join(tmp, 'a', 'b.txt'));
});

test(
  'default data directory is ../shared/datasets relative to the project root when it exists',
  { skip: existsSync(DEFAULT_SHARED) ? false : `no ${DEFAULT_SHARED}` },
  () => {
    assert.deepEqual(locateDataDir({ env: {} }), { dir: DEFAULT_SHARED, source: 'shared' });
  },
);

test('dataFile verifies every known file of the reference data directory', { skip }, async () => {
  for (const f of KNOWN_FILES) {
    const p = await dataFile(f.id, { dataDir: SHARED });
    assert.equal(p, path.join(SHARED, ...f.path.split('/')));
  }
});

test('a missing file gives a DataFileError naming the file, the sha256, the data dir and the fix', async () => {
  const dir = path.join(tmp, 'empty');
  mkdirSync(dir, { recursive: true });
  await assert.rejects(dataFile('tok512', { dataDir: dir }), (e: unknown) => {
    assert.ok(e instanceof DataFileError);
    assert.equal(e.kind, 'missing');
    assert.equal(e.file, path.join(dir, 'stories260K', 'tok512.bin'));
    for (const s of ['stories260K/tok512.bin', knownFile('tok512').sha256, dir, 'structprune data fetch', 'STRUCTPRUNE_DATA', 'from the dataDir option']) {
      assert.ok(e.message.includes(s), `message lacks ${s}:\n${e.message}`);
    }
    return true;
  });
  // verify: false skips the check and just returns the path.
  assert.equal(await dataFile('tok512', { dataDir: dir, verify: false }), path.join(dir, 'stories260K', 'tok512.bin'));
});

test('an altered file (one flipped byte, or one extra byte) gives a checksum DataFileError', { skip }, async () => {
  const dir = path.join(tmp, 'altered');
  mkdirSync(path.join(dir, 'stories260K'), { recursive: true });
  const dst = path.join(dir, 'stories260K', 'tok512.bin');
  copyFileSync(path.join(SHARED, 'stories260K', 'tok512.bin'), dst);
  assert.equal(await dataFile('tok512', { dataDir: dir }), dst); // good copy passes (and is memoised)
  const buf = readFileSync(dst);
  buf[100] ^= 0x01;
  writeFileSync(dst, buf);
  const expected = knownFile('tok512').sha256;
  await assert.rejects(dataFile('tok512', { dataDir: dir }), (e: unknown) => {
    assert.ok(e instanceof DataFileError);
    assert.equal(e.kind, 'checksum');
    assert.equal(e.actualBytes, buf.length);
    assert.ok(e.actualSha256 && e.actualSha256 !== expected);
    assert.ok(e.message.includes(expected) && e.message.includes(e.actualSha256) && e.message.includes(dst), e.message);
    return true;
  });
  buf[100] ^= 0x01;
  writeFileSync(dst, buf);
  appendFileSync(dst, Buffer.from([0]));
  await assert.rejects(
    dataFile('tok512', { dataDir: dir }),
    (e: unknown) => e instanceof DataFileError && e.kind === 'checksum' && e.actualBytes === buf.length + 1,
  );
});

test('verification is memoised per file identity and redone after a write', async () => {
  const file = path.join(tmp, 'memo.bin');
  writeFileSync(file, Buffer.from('hello world'));
  const expected = { bytes: 11, sha256: await sha256File(file) };
  let hashes = 0;
  const counting = async (f: string): Promise<string> => {
    hashes++;
    return sha256File(f);
  };
  assert.equal((await checkFile(file, expected, counting)).ok, true);
  assert.equal((await checkFile(file, expected, counting)).ok, true);
  assert.equal(hashes, 1, 'second check is served by the memo');
  writeFileSync(file, Buffer.from('hello worle'));
  const bad = await checkFile(file, expected, counting);
  assert.equal(hashes, 2);
  assert.equal(bad.ok, false);
  assert.equal(bad.reason, 'sha256');
  assert.deepEqual(await checkFile(path.join(tmp, 'absent'), expected), { ok: false, reason: 'missing' });
});
