import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import { stories260K, golden } from '../helpers';
import { parseTokenizer, encode, decode } from '../../src/model/tokenizer';
import { dataPath } from '../../src/data/datadir';
import { ModelFormatError } from '../../src/errors';

test('every golden encode example encodes exactly', async () => {
  const { codec } = await stories260K();
  for (const ex of golden().encode_examples) assert.deepEqual(codec.encode(ex.text), ex.ids_with_bos, JSON.stringify(ex.text));
});

test('decode(encode(text)) round-trips text, unicode and byte fallback', async () => {
  const { codec } = await stories260K();
  for (const t of ['Hello world!', 'Café naïve — 😀\tTab', '  leading spaces', 'a\nb\n\nc', '日本語のテキスト', '']) {
    assert.equal(codec.decode(codec.encode(t)), t);
  }
});

test('the heap BPE equals the quadratic reference merge loop of run.c', () => {
  const tok = parseTokenizer(fs.readFileSync(dataPath('stories260K/tok512.bin')), 512, 'tok512.bin');
  // run.c's loop: repeatedly merge the best-scoring adjacent pair, leftmost on ties.
  const reference = (text: string): number[] => {
    const ids: number[] = [];
    const bytes = Buffer.from(text, 'utf8');
    if (bytes.length) ids.push(tok.lookup.get(' ')!);
    for (let i = 0; i < bytes.length;) {
      let j = i + 1;
      while (j < bytes.length && (bytes[j] & 0xc0) === 0x80 && j - i < 4) j++;
      const id = tok.lookup.get(bytes.subarray(i, j).toString('latin1'));
      if (id !== undefined) ids.push(id);
      else for (let b = i; b < j; b++) ids.push(bytes[b] + 3);
      i = j;
    }
    for (;;) {
      let best = -1e10;
      let at = -1;
      let bestId = -1;
      for (let i = 0; i + 1 < ids.length; i++) {
        const id = tok.lookup.get(tok.pieces[ids[i]] + tok.pieces[ids[i + 1]]);
        if (id !== undefined && tok.scores[id] > best) {
          best = tok.scores[id];
          at = i;
          bestId = id;
        }
      }
      if (at < 0) break;
      ids.splice(at, 2, bestId);
    }
    return ids;
  };
  const text = fs.readFileSync(dataPath('tinystories/tinystories_validation_head.txt'), 'utf8').slice(0, 3000);
  for (const t of [text, 'the the the the', 'aaaaaaaaaaaaaaaaaaaa', ' = Robert Boulter = \n']) assert.deepEqual(encode(tok, t, { bos: false }), reference(t));
});

test('tokenizer parser rejects truncated and oversized files', () => {
  const buf = fs.readFileSync(dataPath('stories260K/tok512.bin'));
  assert.throws(() => parseTokenizer(buf.subarray(0, buf.length - 3), 512, 't.bin'), ModelFormatError);
  assert.throws(() => parseTokenizer(buf, 511, 't.bin'), /trailing bytes/);
  assert.throws(() => parseTokenizer(buf.subarray(0, 2), 512, 't.bin'), ModelFormatError);
});

test('decode rejects ids outside the vocabulary', async () => {
  const tok = parseTokenizer(fs.readFileSync(dataPath('stories260K/tok512.bin')), 512, 't');
  assert.throws(() => decode(tok, [1, 9999]), RangeError);
});
