// The page's download: the same bytes as savePruned, in a zip that src/data/zip.ts reads back, loadable
// by loadModel; the page bundle builds without node built-ins and uses the browser backend.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { stories260K, tmpDir } from '../helpers';
import { savePruned, PRUNED_FORMAT, PRUNED_VERSION } from '../../src/model/pruned';
import { loadModel } from '../../src/model/load';
import { sliceModel } from '../../src/prune/slice';
import { moduleSpecs } from '../../src/prune/coupling';
import { extractZipMember } from '../../src/data/zip';
import * as web from '../../src/web/savedModel';
import { zipStore, crc32 } from '../../src/web/zipStore';
import { buildBrowserBundle, browserPlugin } from '../../src/web/build';

test("savedModelFiles gives savePruned's bytes; the stored zip round-trips and loads as a model", async () => {
  const loaded = await stories260K();
  assert.equal(web.PRUNED_FORMAT, PRUNED_FORMAT);
  assert.equal(web.PRUNED_VERSION, PRUNED_VERSION);
  // a pruned model: remove the first two units of every module
  const mask = Object.fromEntries(
    moduleSpecs(loaded.model.config, loaded.model.weights).map((s) => [s.id, Uint8Array.from(s.units, (_, u) => (u < 2 ? 1 : 0))]),
  );
  const model = sliceModel(loaded.model, mask);
  const report = { method: 'structprune', note: 'ünïcode ✓', n: 1.5 };
  const dir = tmpDir('web-saved');
  savePruned({ ...loaded, model }, dir, { report });
  const files = web.savedModelFiles(model, fs.readFileSync(path.join(dir, 'tokenizer.bin')), report);
  assert.deepEqual(Object.keys(files).sort(), fs.readdirSync(dir).sort());
  for (const [name, bytes] of Object.entries(files))
    assert.ok(Buffer.from(bytes).equals(fs.readFileSync(path.join(dir, name))), `${name} differs from savePruned's`);

  const zip = Buffer.from(zipStore(files));
  const out = tmpDir('web-unzipped');
  for (const name of Object.keys(files)) {
    const member = extractZipMember(zip, name);
    assert.ok(member.equals(Buffer.from(files[name])), name);
    fs.writeFileSync(path.join(out, name), member);
  }
  const back = await loadModel(out);
  assert.deepEqual(back.model.config, model.config);
  for (const k of Object.keys(model.weights)) assert.deepEqual(back.model.weights[k].data, model.weights[k].data);
  assert.equal(back.codec.decode(back.codec.encode('Once upon a time')), 'Once upon a time');
});

test('crc32 and zipStore headers', () => {
  assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
  assert.equal(crc32(new Uint8Array(0)), 0);
  const z = zipStore({ 'a.txt': new TextEncoder().encode('hello') });
  const dv = new DataView(z.buffer);
  assert.equal(dv.getUint32(0, true), 0x04034b50);
  assert.equal(dv.getUint32(z.length - 22, true), 0x06054b50);
  assert.equal(dv.getUint16(z.length - 12, true), 1); // one entry
  assert.equal(extractZipMember(Buffer.from(z), 'a.txt').toString(), 'hello');
});

test('the page bundle builds with the browser backend, and a node built-in in our sources fails the build', async () => {
  const js = await buildBrowserBundle({ minify: false });
  assert.ok(js.length > 100_000);
  assert.ok(!js.includes('STRUCTPRUNE_BACKEND'), 'src/backend.ts was bundled instead of the browser backend');
  assert.ok(js.includes('WASM_HAS_MULTITHREAD_SUPPORT'));
  const esbuild = await import('esbuild');
  await assert.rejects(
    esbuild.build({
      stdin: {
        contents: "import { readFileSync } from 'fs'; console.log(readFileSync);",
        resolveDir: path.join(__dirname, '..', '..', 'src', 'web'),
        sourcefile: 'bad.ts',
        loader: 'ts',
      },
      bundle: true,
      write: false,
      platform: 'browser',
      logLevel: 'silent',
      plugins: [browserPlugin()],
    }),
    /node built-in "fs" imported by .* cannot run in the browser/,
  );
});
