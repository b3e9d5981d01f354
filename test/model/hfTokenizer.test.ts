// tokenizer.json: hand-built byte-level BPE (GPT-2/OPT) and SentencePiece-style BPE (LLaMA) with ids worked
// out by hand, the llama2.c tok512 converted to tokenizer.json encoding exactly like llama2.c, and errors.
// Loading needs the npm package @huggingface/tokenizers; those tests are skipped when it is absent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  byteLevelBpeTokenizer,
  bytesToUnicode,
  hfTokenizerFromJson,
  llama2cToHfTokenizer,
  loadHfTokenizer,
  writeHfTokenizerFiles,
  HfTokenizerFiles,
} from '../../src/model/hfTokenizer';
import { encode as llamaEncode, decode as llamaDecode, loadTokenizer, Tokenizer } from '../../src/model/tokenizer';
import { loadLlama2c } from '../../src/model/llama2c';
import { saveHfModel } from '../../src/model/hf';
import { REFERENCE_DATA } from '../referenceData';

const hasLib = (() => {
  try {
    require.resolve('@huggingface/tokenizers');
    return true;
  } catch {
    return false;
  }
})();
const needLib = { skip: hasLib ? false : 'needs the npm package @huggingface/tokenizers' };
const DATA = REFERENCE_DATA;
const TOK512 = path.join(DATA, 'stories260K/tok512.bin');
const needTok512 = { skip: !hasLib ? needLib.skip : fs.existsSync(TOK512) ? false : `needs ${TOK512}` };
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'hftok-test-'));

test('bytesToUnicode: GPT-2 table (printable bytes map to themselves, space → Ġ, newline → Ċ, 256 distinct)', () => {
  const t = bytesToUnicode();
  assert.equal(new Set(t).size, 256);
  assert.equal(t[0x41], 'A');
  assert.equal(t[0x20], 'Ġ');
  assert.equal(t[0x0a], 'Ċ');
  assert.equal(t[0x00], 'Ā');
  assert.equal(t[0xad], 'Ń'); // the soft hyphen is not printable in GPT-2's table: 256 + 67
});

// Byte-level vocabulary: 0..3 specials, 4 + b for byte b, then one id per merge from 260.
const BYTE = byteLevelBpeTokenizer({
  merges: [
    ['Ġ', 't'],
    ['h', 'e'],
    ['Ġt', 'he'],
    ['Ġ', 'c'],
    ['a', 't'],
    ['Ġc', 'at'],
  ],
});

test('byte-level BPE (OPT style): hand-worked ids, BOS </s> = 2, exact round trips', needLib, () => {
  const tk = hfTokenizerFromJson(BYTE);
  assert.equal(tk.bosId, 2);
  assert.equal(tk.eosId, 2);
  assert.equal(tk.vocabSize, 266);
  const b = (ch: string) => 4 + ch.charCodeAt(0);
  // "the" (no leading space: t + he), " cat" → Ġcat, " sat" → Ġ s at
  assert.deepEqual(tk.encode('the cat sat'), [2, b('t'), 261, 265, b(' '), b('s'), 264]);
  assert.deepEqual(tk.encode(' the cat', { bos: false, eos: true }), [262, 265, 2]);
  // 'é' is two UTF-8 bytes, each its own token
  assert.deepEqual(tk.encode('é', { bos: false }), [4 + 0xc3, 4 + 0xa9]);
  for (const s of ['the cat sat', "I'm 12 ok\n\n  x", 'héllo 😀\tend', ' leading and trailing ', '']) {
    assert.equal(tk.decode(tk.encode(s)), s, JSON.stringify(s));
  }
  assert.equal(tk.decode([2, 262], { skipSpecial: false }), '</s> the');
  assert.throws(() => tk.decode([266]), /token id 266 outside the tokenizer's \[0, 266\)/);
});

/** A tiny llama2.c-style tokenizer: specials, 256 byte tokens, then scored pieces. */
function tinySentencePiece(extra: [string, number][]): Tokenizer {
  const pieces = ['<unk>', '\n<s>\n', '\n</s>\n'];
  const scores = [0, 0, 0];
  for (let b = 0; b < 256; b++) {
    pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
    scores.push(0);
  }
  for (const [p, s] of extra) {
    pieces.push(Buffer.from(p, 'utf8').toString('latin1'));
    scores.push(s);
  }
  const lookup = new Map<string, number>();
  pieces.forEach((p, i) => lookup.set(p, i));
  return { pieces, scores: Float32Array.from(scores), maxTokenLength: 8, bosId: 1, eosId: 2, lookup };
}

test('SentencePiece BPE (LLaMA style): hand-worked ids with the dummy prefix, scores and byte fallback', needLib, () => {
  // ids: ' ' 259, 'a' 260, 'b' 261, 'ab' 262 (score −1), ' a' 263 (−2), ' ab' 264 (−3)
  const sp = tinySentencePiece([
    [' ', -10],
    ['a', -11],
    ['b', -12],
    ['ab', -1],
    [' a', -2],
    [' ab', -3],
  ]);
  const files = llama2cToHfTokenizer(sp);
  const tk = hfTokenizerFromJson(files);
  assert.equal(tk.bosId, 1);
  // "ab ab" → ▁ a b ▁ a b; 'ab' (best score) merges twice, then ▁+ab → ' ab' twice
  assert.deepEqual(tk.encode('ab ab'), [1, 264, 264]);
  // "ba" → ▁ b a: only ' '+'b' is not a piece, so no merge
  assert.deepEqual(tk.encode('ba', { bos: false }), [259, 261, 260]);
  // 'é' is not a piece: byte fallback <0xC3> <0xA9> (id = byte + 3)
  assert.deepEqual(tk.encode('aé', { bos: false }), [263, 3 + 0xc3, 3 + 0xa9]);
  for (const s of ['ab ab', 'ba', 'aé', 'b  a']) {
    assert.deepEqual(tk.encode(s), llamaEncode(sp, s), `same ids as llama2.c for ${JSON.stringify(s)}`);
    assert.equal(tk.decode(tk.encode(s)), s);
  }
  assert.deepEqual(tk.encode(''), [1]);
});

test('llama2cToHfTokenizer refuses what tokenizer.json cannot express exactly', () => {
  const sp = tinySentencePiece([
    [' ', -1],
    ['a', -2],
  ]);
  const swapped = { ...sp, pieces: sp.pieces.slice() };
  [swapped.pieces[3], swapped.pieces[4]] = [swapped.pieces[4], swapped.pieces[3]];
  assert.throws(() => llama2cToHfTokenizer(swapped), /byte token <0x00> must be id 3/);
  const noSpace = tinySentencePiece([['a', -2]]);
  assert.throws(() => llama2cToHfTokenizer(noSpace), /no " " piece/);
  const dup = tinySentencePiece([
    [' ', -1],
    ['a', -2],
    ['a', -3],
  ]);
  assert.throws(() => llama2cToHfTokenizer(dup), /piece "a" occurs at ids 260 and 261/);
  assert.throws(() => llama2cToHfTokenizer({ ...sp, bosId: 0 }), /expected BOS "<s>" at id 0/);
});

/**
 * The same tokenizer in the newer LLaMA form (legacy=false): Metaspace pre-tokenizer (prepend "first", no
 * split), no normalizer. It differs from llama2.c only on text that starts with a space.
 */
function metaspaceForm(files: HfTokenizerFiles): HfTokenizerFiles {
  const t = JSON.parse(JSON.stringify(files.tokenizer));
  t.normalizer = null;
  t.pre_tokenizer = { type: 'Metaspace', replacement: '▁', prepend_scheme: 'first', split: false };
  return { tokenizer: t, config: files.config };
}

test('stories260K tok512 → tokenizer.json encodes and decodes exactly like llama2.c (both LLaMA tokenizer.json forms)', needTok512, () => {
  const tok = loadTokenizer(TOK512, 512);
  const files = llama2cToHfTokenizer(tok);
  const golden = JSON.parse(fs.readFileSync(path.join(DATA, 'stories260K/golden.json'), 'utf8'));
  const legacy = hfTokenizerFromJson(files);
  const modern = hfTokenizerFromJson(metaspaceForm(files));
  for (const ex of golden.encode_examples as { text: string; ids_with_bos: number[] }[]) {
    assert.deepEqual(legacy.encode(ex.text), ex.ids_with_bos, JSON.stringify(ex.text));
    // The Metaspace form adds no "▁" to text that already starts with one (tokenizers' Metaspace, legacy=false).
    if (!ex.text.startsWith(' ')) assert.deepEqual(modern.encode(ex.text), ex.ids_with_bos, `metaspace form: ${JSON.stringify(ex.text)}`);
    else assert.deepEqual(modern.encode(ex.text), [1, ...ex.ids_with_bos.slice(2)], 'metaspace form: no second prefix');
    assert.equal(legacy.decode(ex.ids_with_bos), llamaDecode(tok, ex.ids_with_bos));
  }
  const lines = fs.readFileSync(path.join(DATA, 'wikitext-2-raw/wiki.test.raw'), 'utf8').split('\n').slice(0, 300);
  for (const line of lines) assert.deepEqual(legacy.encode(line), llamaEncode(tok, line), JSON.stringify(line));
  const greedy: number[] = golden.greedy_from_bos.token_ids;
  assert.equal(legacy.decode(greedy), llamaDecode(tok, greedy));
});

test('convert: stories260K saved with its tokenizer loads back through loadHfTokenizer (ids from config.json)', needTok512, () => {
  const dir = tmp();
  const model = loadLlama2c(path.join(DATA, 'stories260K/stories260K.bin'));
  const files = saveHfModel(model, dir, { tokenizer: llama2cToHfTokenizer(loadTokenizer(TOK512, 512)) }).files.map((f) => path.basename(f));
  assert.deepEqual(files, ['model.safetensors', 'tokenizer.json', 'tokenizer_config.json', 'config.json']);
  const tk = loadHfTokenizer(dir);
  assert.equal(tk.bosId, 1);
  assert.equal(tk.eosId, 2);
  assert.deepEqual(
    tk.encode('Once upon a time, there was a little girl named Lily.'),
    [1, 403, 407, 261, 378, 432, 383, 286, 261, 376, 298, 315, 421, 395, 317, 426],
  );
  fs.rmSync(dir, { recursive: true, force: true });
});

test('loadHfTokenizer: BOS/EOS from config.json, else tokenizer_config.json; clear errors', needLib, () => {
  const dir = tmp();
  assert.throws(() => loadHfTokenizer(dir), /tokenizer\.json: not found/);
  writeHfTokenizerFiles(dir, BYTE);
  assert.equal(loadHfTokenizer(dir).bosId, 2); // tokenizer_config.json: bos_token "</s>"
  fs.writeFileSync(path.join(dir, 'config.json'), JSON.stringify({ bos_token_id: 0, eos_token_id: [3, 2] }));
  const tk = loadHfTokenizer(dir);
  assert.deepEqual([tk.bosId, tk.eosId], [0, 3]);
  fs.rmSync(path.join(dir, 'config.json'));
  fs.rmSync(path.join(dir, 'tokenizer_config.json'));
  assert.throws(() => loadHfTokenizer(dir), /cannot tell the BOS id: add "bos_token_id" to config\.json or "bos_token" to tokenizer_config\.json/);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"model": ');
  assert.throws(() => loadHfTokenizer(dir), /tokenizer\.json: cannot read JSON/);
  fs.writeFileSync(path.join(dir, 'tokenizer.json'), '{"version": "1.0"}');
  assert.throws(() => loadHfTokenizer(dir), /no "model" section/);
  fs.rmSync(dir, { recursive: true, force: true });
});
