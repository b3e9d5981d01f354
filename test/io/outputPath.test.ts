import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as path from 'path';
import { checkOutputFile, checkOutputDir, isLeftover, OutputPathError } from '../../src/io/outputPath';
import { tmpDir } from '../helpers';

const problem = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    assert.ok(e instanceof OutputPathError, String(e));
    return e.problem;
  }
  return 'ok';
};

test('output files: new ok (missing parents allowed), existing only with force, never the input or a folder', () => {
  const d = tmpDir('sp-out-');
  const model = path.join(d, 'model.safetensors');
  fs.writeFileSync(model, 'weights');
  assert.equal(
    problem(() => checkOutputFile(path.join(d, 'a', 'b', 'trace.jsonl'))),
    'ok',
  );
  assert.equal(
    problem(() => checkOutputFile(model)),
    'exists',
  );
  assert.equal(
    problem(() => checkOutputFile(model, { inputs: [model], force: true })),
    'is-input',
    'force never overwrites the input',
  );
  assert.equal(
    problem(() => checkOutputFile(model, { inputs: [d], force: true })),
    'is-input',
    'a file inside the input model folder',
  );
  assert.equal(
    problem(() => checkOutputFile(model, { force: true })),
    'ok',
  );
  assert.equal(
    problem(() => checkOutputFile(d, { force: true })),
    'is-directory',
  );
  assert.equal(
    problem(() => checkOutputFile(path.join(model, 'x.html'))),
    'parent-not-directory',
  );
  assert.match(
    String(
      (() => {
        try {
          checkOutputFile(model);
        } catch (e) {
          return (e as Error).message;
        }
      })(),
    ),
    /exists; pass force: true/,
  );
  assert.equal(fs.readFileSync(model, 'utf8'), 'weights', 'checks never write');
});

test('output folders: new, empty or ours; foreign non-empty folders and inputs refused; leftovers ignored', () => {
  const d = tmpDir('sp-outdir-');
  const ours = (dir: string) => fs.existsSync(path.join(dir, 'ours.json'));
  assert.deepEqual(checkOutputDir(path.join(d, 'new'), ours).replaces, false);
  const empty = path.join(d, 'empty');
  fs.mkdirSync(empty);
  fs.writeFileSync(path.join(empty, '.model.safetensors.123.0123456789ab.tmp'), 'half');
  assert.equal(isLeftover('.model.safetensors.123.0123456789ab.tmp'), true);
  assert.deepEqual(checkOutputDir(empty, ours).replaces, false, "a killed write's temp file does not make a folder foreign");
  const saved = path.join(d, 'saved');
  fs.mkdirSync(saved);
  fs.writeFileSync(path.join(saved, 'ours.json'), '{}');
  assert.deepEqual(checkOutputDir(saved, ours).replaces, true);
  const foreign = path.join(d, 'foreign');
  fs.mkdirSync(foreign);
  fs.writeFileSync(path.join(foreign, 'config.json'), '{"mine": true}');
  assert.equal(
    problem(() => checkOutputDir(foreign, ours)),
    'foreign',
  );
  assert.equal(
    problem(() => checkOutputDir(foreign, ours, { force: true })),
    'foreign',
    'force does not delete foreign files',
  );
  assert.equal(
    problem(() => checkOutputDir(saved, ours, { inputs: [saved] })),
    'is-input',
  );
  assert.equal(
    problem(() => checkOutputDir(d, ours, { inputs: [path.join(saved, 'ours.json')] })),
    'contains-input',
  );
  const file = path.join(d, 'file');
  fs.writeFileSync(file, 'x');
  assert.equal(
    problem(() => checkOutputDir(file, ours)),
    'not-directory',
  );
});
