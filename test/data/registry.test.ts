import assert from 'node:assert/strict';
import { readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { UsageError } from '../../src/errors';
import { DATA_FILE_IDS, KNOWN_FILES, knownFile } from '../../src/data/registry';
import { REFERENCE_DATA, needsReferenceData } from '../referenceData';

const SHARED = REFERENCE_DATA;
const README = path.join(SHARED, 'README.md');
const skip = needsReferenceData('README.md');

interface Row {
  path: string;
  bytes: string;
  sha256: string;
  license: string;
}

function readmeRows(): Row[] {
  return readFileSync(README, 'utf8')
    .split('\n')
    .filter((l) => /^\| [a-z0-9_-]+\/\S+ \|/i.test(l))
    .map((l) => {
      const cells = l.split('|').map((c) => c.trim());
      // cells: '', path, what, bytes, sha256, license, ''
      return { path: cells[1], bytes: cells[3], sha256: cells[4], license: cells[5] };
    });
}

const norm = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

test('registry rows match the README table (bytes, sha256, license) and the files on disk', { skip }, () => {
  const rows = readmeRows().filter((r) => /^[0-9a-f]{64}$/.test(r.sha256));
  assert.equal(rows.length, KNOWN_FILES.length, 'every checksummed README row is registered, and nothing else');
  for (const row of rows) {
    const f = KNOWN_FILES.find((k) => k.path === row.path);
    assert.ok(f, `README row ${row.path} missing from the registry`);
    assert.equal(f.bytes, Number(row.bytes.replace(/,/g, '')), `${row.path} bytes`);
    assert.equal(f.sha256, row.sha256, `${row.path} sha256`);
    assert.equal(norm(f.license), norm(row.license), `${row.path} license`);
    assert.equal(statSync(path.join(SHARED, ...f.path.split('/'))).size, f.bytes, `${row.path} size on disk`);
  }
});

test('registry ids and paths are unique; sources are public https URLs', () => {
  assert.equal(new Set(DATA_FILE_IDS).size, KNOWN_FILES.length);
  assert.equal(new Set(KNOWN_FILES.map((f) => f.path)).size, KNOWN_FILES.length);
  for (const f of KNOWN_FILES) {
    assert.match(f.sha256, /^[0-9a-f]{64}$/);
    assert.ok(Number.isInteger(f.bytes) && f.bytes > 0);
    const url = new URL(f.source.url);
    assert.equal(url.protocol, 'https:', f.id);
    assert.doesNotMatch(url.hostname, /npmjs|debian|yarnpkg/, f.id);
    if (f.source.extract.kind === 'headBytes') assert.equal(f.source.extract.bytes, f.bytes, f.id);
  }
  const tiny = knownFile('tok512');
  assert.equal(tiny.source.url, 'https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/tok512.bin');
  assert.equal(knownFile('stories260K').source.url, 'https://huggingface.co/karpathy/tinyllamas/resolve/main/stories260K/stories260K.bin');
});

test('knownFile finds by id or path and rejects unknown names with the list of ids', () => {
  assert.equal(knownFile('wikitext2-test').path, 'wikitext-2-raw/wiki.test.raw');
  assert.equal(knownFile('ptb/ptb.test.txt').id, 'ptb-test');
  assert.throws(
    () => knownFile('nope'),
    (e: unknown) => e instanceof UsageError && /nope/.test(e.message) && /tok512/.test(e.message),
  );
});
