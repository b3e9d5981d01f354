// Hugging Face tokenizer.json: loading through the npm package `@huggingface/tokenizers` (Tokenizers.js,
// pure JS, no dependencies; byte-level BPE of GPT-2/OPT, SentencePiece-style BPE of LLaMA with Metaspace and
// byte fallback, and the rest of the tokenizers components), plus writers for the tokenizer.json files the
// project produces itself: the llama2.c tokenizer converted exactly (for `convert --to hf`) and a small
// GPT-2-style byte-level BPE (for fixtures).
//
// The llama2.c → tokenizer.json conversion follows transformers' LlamaConverter (legacy form):
// normalizer Prepend("▁") + Replace(" " → "▁"), BPE with byte_fallback, merges built as
// SentencePieceExtractor does (every split of a piece into two pieces, ranked by the merged piece's score,
// highest first). It encodes like llama2.c `encode` on every line of the TinyStories and WikiText-2 heads
// tested; the only divergences known are text containing "▁" (U+2581) itself, and ties between two splits
// of the same piece overlapping in one word (llama2.c takes the leftmost, BPE the lower rank).
import * as fs from 'fs';
import * as path from 'path';
import { ModelFormatError } from '../errors';
import { writeJsonAtomic } from '../io/atomic';
import type { Tokenizer as Llama2cTokenizer } from './tokenizer';

/** The tokenizer files of an HF checkpoint, as parsed JSON. */
export interface HfTokenizerFiles {
  /** tokenizer.json (the tokenizers library's serialisation). */
  tokenizer: Record<string, unknown>;
  /** tokenizer_config.json (special tokens, tokenizer class); optional. */
  config?: Record<string, unknown>;
}

export const HF_TOKENIZER_FILES = Object.freeze({ tokenizer: 'tokenizer.json', config: 'tokenizer_config.json' });

/** A loaded tokenizer with the project's encode/decode conventions. */
export interface HfTokenizer {
  /**
   * Token ids of `text` without the tokenizer's own post-processor, then BOS prepended when `bos`
   * (default true) and EOS appended when `eos` (default false): the same convention for every model.
   */
  encode(text: string, opts?: { bos?: boolean; eos?: boolean }): number[];
  /** Text of `ids`; special tokens (BOS, EOS, padding) are skipped unless `skipSpecial` is false. */
  decode(ids: readonly number[], opts?: { skipSpecial?: boolean }): string;
  bosId: number;
  eosId: number;
  /** Number of ids the tokenizer knows (added tokens included); may be below the model's padded vocab. */
  vocabSize: number;
  /** Id of a token string, if any. */
  tokenToId(token: string): number | undefined;
}

/** The part of Tokenizers.js used here. */
interface LibTokenizer {
  encode(text: string, options?: { add_special_tokens?: boolean }): { ids: number[] };
  decode(ids: number[], options?: { skip_special_tokens?: boolean; clean_up_tokenization_spaces?: boolean }): string;
  token_to_id(token: string): number | undefined;
  get_vocab(withAdded?: boolean): Map<string, number>;
}

function tokenizersLib(): { Tokenizer: new (json: object, config: object) => LibTokenizer } {
  try {
    return require('@huggingface/tokenizers');
  } catch (e) {
    throw new Error(
      `reading tokenizer.json needs the npm package @huggingface/tokenizers (pure JS, no dependencies): npm install @huggingface/tokenizers@0.2.0 (${(e as Error).message.split('\n')[0]})`,
    );
  }
}

function readJsonFile(file: string): Record<string, unknown> {
  let v: unknown;
  try {
    v = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(file, `cannot read JSON: ${(e as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new ModelFormatError(file, 'must be a JSON object');
  return v as Record<string, unknown>;
}

/** A special-token field of tokenizer_config.json: a string or {content}. */
function tokenString(v: unknown): string | undefined {
  if (typeof v === 'string') return v;
  if (typeof v === 'object' && v !== null && typeof (v as { content?: unknown }).content === 'string') return (v as { content: string }).content;
  return undefined;
}

/** Ids to use for BOS/EOS when known from elsewhere (config.json). */
export interface SpecialIds {
  bosId?: number;
  eosId?: number;
}

/**
 * Build a tokenizer from parsed files. BOS/EOS: `ids` (config.json's bos/eos_token_id) first, else
 * tokenizer_config.json's bos_token/eos_token looked up in the vocabulary. `label` names the source in errors.
 */
export function hfTokenizerFromJson(files: HfTokenizerFiles, ids: SpecialIds = {}, label: string = HF_TOKENIZER_FILES.tokenizer): HfTokenizer {
  const model = files.tokenizer.model as { type?: unknown } | undefined;
  if (typeof model !== 'object' || model === null) throw new ModelFormatError(label, 'no "model" section: not a tokenizers tokenizer.json');
  const { Tokenizer } = tokenizersLib();
  const cfg = files.config ?? {};
  let lib: LibTokenizer;
  try {
    lib = new Tokenizer(files.tokenizer, cfg);
  } catch (e) {
    throw new ModelFormatError(label, `cannot build the tokenizer (model type ${JSON.stringify(model.type)}): ${(e as Error).message}`);
  }
  const vocabSize = Math.max(...lib.get_vocab(true).values()) + 1;
  const resolve = (which: 'bos' | 'eos'): number => {
    const given = which === 'bos' ? ids.bosId : ids.eosId;
    if (given !== undefined) return given;
    const name = tokenString(cfg[`${which}_token`]);
    const id = name === undefined ? undefined : lib.token_to_id(name);
    if (id === undefined) {
      throw new ModelFormatError(
        label,
        `cannot tell the ${which.toUpperCase()} id: add "${which}_token_id" to config.json or "${which}_token" to tokenizer_config.json`,
      );
    }
    return id;
  };
  const bosId = resolve('bos');
  const eosId = resolve('eos');
  const cleanUp = typeof cfg.clean_up_tokenization_spaces === 'boolean' ? cfg.clean_up_tokenization_spaces : false;
  return {
    bosId,
    eosId,
    vocabSize,
    tokenToId: (t) => lib.token_to_id(t),
    encode(text, opts = {}) {
      const out = lib.encode(text, { add_special_tokens: false }).ids.slice();
      if (opts.bos ?? true) out.unshift(bosId);
      if (opts.eos) out.push(eosId);
      return out;
    },
    decode(list, opts = {}) {
      for (const id of list)
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new RangeError(`token id ${id} outside the tokenizer's [0, ${vocabSize})`);
      return lib.decode([...list], { skip_special_tokens: opts.skipSpecial ?? true, clean_up_tokenization_spaces: cleanUp });
    },
  };
}

/**
 * Load `dir/tokenizer.json` (+ tokenizer_config.json and config.json's bos/eos_token_id when present).
 * Needs the npm package @huggingface/tokenizers; throws ModelFormatError naming the file otherwise wrong.
 */
export function loadHfTokenizer(dir: string): HfTokenizer {
  const file = path.join(dir, HF_TOKENIZER_FILES.tokenizer);
  if (!fs.existsSync(file)) throw new ModelFormatError(file, 'not found (a tokenizer.json from the tokenizers library is needed)');
  const tokenizer = readJsonFile(file);
  const cfgFile = path.join(dir, HF_TOKENIZER_FILES.config);
  const config = fs.existsSync(cfgFile) ? readJsonFile(cfgFile) : undefined;
  const modelCfg = path.join(dir, 'config.json');
  const ids: SpecialIds = {};
  if (fs.existsSync(modelCfg)) {
    const m = readJsonFile(modelCfg);
    const first = (v: unknown) => (Array.isArray(v) ? v[0] : v);
    const b = first(m.bos_token_id);
    const e = first(m.eos_token_id);
    if (Number.isSafeInteger(b)) ids.bosId = b as number;
    if (Number.isSafeInteger(e)) ids.eosId = e as number;
  }
  return hfTokenizerFromJson({ tokenizer, config }, ids, file);
}

/** Write tokenizer.json (and tokenizer_config.json when present) into `dir`, atomically; returns the paths. */
export function writeHfTokenizerFiles(dir: string, files: HfTokenizerFiles): string[] {
  fs.mkdirSync(dir, { recursive: true });
  const out = [path.join(dir, HF_TOKENIZER_FILES.tokenizer)];
  writeJsonAtomic(out[0], files.tokenizer, { indent: 0 });
  if (files.config) {
    out.push(path.join(dir, HF_TOKENIZER_FILES.config));
    writeJsonAtomic(out[1], files.config);
  }
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// Writers
// ---------------------------------------------------------------------------------------------------------

const SPIECE = '\u2581'; // "▁", SentencePiece's space

function addedToken(id: number, content: string) {
  return { id, content, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
}

/**
 * Convert a llama2.c tokenizer (tokenizer.ts; pieces as raw bytes, spaces as " ") into LLaMA-style
 * tokenizer.json + tokenizer_config.json files that encode the same ids (see the file header for the
 * recipe and its two known divergences). Throws when the tokenizer cannot be expressed exactly: byte tokens
 * not at ids 3..258 (llama2.c's byte fallback assumes them there), no " " piece (the dummy prefix),
 * duplicate pieces, or a piece that is not valid UTF-8.
 */
export function llama2cToHfTokenizer(tok: Llama2cTokenizer): HfTokenizerFiles {
  const n = tok.pieces.length;
  const specials = new Map<number, string>();
  tok.pieces.forEach((p, i) => {
    const t = p.trim();
    if (t === '<unk>' || t === '<s>' || t === '</s>') specials.set(i, t);
  });
  if (specials.get(tok.bosId) !== '<s>' || specials.get(tok.eosId) !== '</s>') {
    throw new Error(`llama2cToHfTokenizer: expected BOS "<s>" at id ${tok.bosId} and EOS "</s>" at id ${tok.eosId}`);
  }
  for (let b = 0; b < 256; b++) {
    const want = `<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`;
    if (tok.pieces[b + 3] !== want)
      throw new Error(`llama2cToHfTokenizer: byte token ${want} must be id ${b + 3} (llama2.c byte fallback), found ${JSON.stringify(tok.pieces[b + 3])}`);
  }
  if (!tok.lookup.has(' ')) throw new Error('llama2cToHfTokenizer: no " " piece: llama2.c adds no dummy prefix then, which tokenizer.json cannot express');
  const pieces = tok.pieces.map((p, i) => {
    const sp = specials.get(i);
    if (sp) return sp;
    const text = Buffer.from(p, 'latin1').toString('utf8');
    if (Buffer.from(text, 'utf8').toString('latin1') !== p) throw new Error(`llama2cToHfTokenizer: piece ${i} is not valid UTF-8`);
    return text.replace(/ /g, SPIECE);
  });
  const vocab: Record<string, number> = {};
  pieces.forEach((p, i) => {
    if (Object.prototype.hasOwnProperty.call(vocab, p)) throw new Error(`llama2cToHfTokenizer: piece ${JSON.stringify(p)} occurs at ids ${vocab[p]} and ${i}`);
    vocab[p] = i;
  });
  // SentencePieceExtractor: every split of a piece into two pieces; by the piece's score (highest first),
  // then the piece's id, then the split's (left id, right id).
  const merges: { a: string; b: string; score: number; id: number }[] = [];
  const isByte = (i: number) => i >= 3 && i < 259;
  for (let i = 0; i < n; i++) {
    if (specials.has(i) || isByte(i)) continue;
    const cps = Array.from(pieces[i]);
    const local: { a: string; b: string; score: number; id: number }[] = [];
    for (let k = 1; k < cps.length; k++) {
      const a = cps.slice(0, k).join('');
      const b = cps.slice(k).join('');
      if (Object.prototype.hasOwnProperty.call(vocab, a) && Object.prototype.hasOwnProperty.call(vocab, b)) local.push({ a, b, score: tok.scores[i], id: i });
    }
    local.sort((x, y) => vocab[x.a] - vocab[y.a] || vocab[x.b] - vocab[y.b]);
    merges.push(...local);
  }
  merges.sort((x, y) => y.score - x.score || x.id - y.id); // stable: keeps the split order within a piece
  const bos = '<s>';
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [...specials.entries()].sort((x, y) => x[0] - y[0]).map(([id, c]) => addedToken(id, c)),
    normalizer: {
      type: 'Sequence',
      normalizers: [
        { type: 'Prepend', prepend: SPIECE },
        { type: 'Replace', pattern: { String: ' ' }, content: SPIECE },
      ],
    },
    pre_tokenizer: null,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [
        { SpecialToken: { id: bos, type_id: 0 } },
        { Sequence: { id: 'A', type_id: 0 } },
        { SpecialToken: { id: bos, type_id: 1 } },
        { Sequence: { id: 'B', type_id: 1 } },
      ],
      special_tokens: { [bos]: { id: bos, ids: [tok.bosId], tokens: [bos] } },
    },
    decoder: {
      type: 'Sequence',
      decoders: [
        { type: 'Replace', pattern: { String: SPIECE }, content: ' ' },
        { type: 'ByteFallback' },
        { type: 'Fuse' },
        { type: 'Strip', content: ' ', start: 1, stop: 0 },
      ],
    },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: '<unk>',
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: true,
      byte_fallback: true,
      ignore_merges: false,
      vocab,
      merges: merges.map((m) => `${m.a} ${m.b}`),
    },
  };
  const config = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: '<s>',
    eos_token: '</s>',
    unk_token: '<unk>',
    add_bos_token: true,
    add_eos_token: false,
    clean_up_tokenization_spaces: false,
    legacy: true,
  };
  return { tokenizer, config };
}

/** GPT-2's byte → printable character table (`bytes_to_unicode` of openai/gpt-2 encoder.py). */
export function bytesToUnicode(): string[] {
  const bs: number[] = [];
  for (let b = 33; b <= 126; b++) bs.push(b);
  for (let b = 161; b <= 172; b++) bs.push(b);
  for (let b = 174; b <= 255; b++) bs.push(b);
  const printable = new Set(bs);
  const cs = bs.slice();
  let extra = 0;
  for (let b = 0; b < 256; b++) {
    if (!printable.has(b)) {
      bs.push(b);
      cs.push(256 + extra++);
    }
  }
  const out: string[] = new Array(256);
  bs.forEach((b, i) => (out[b] = String.fromCodePoint(cs[i])));
  return out;
}

/** Options of {@link byteLevelBpeTokenizer}. */
export interface ByteLevelBpeOptions {
  /** Special tokens, given ids 0..k−1 in order (default OPT's: <s>, <pad>, </s>, <unk>). */
  specials?: string[];
  /** Merges in rank order, over byte-level characters (e.g. ["Ġ", "t"]); each adds its result to the vocab. */
  merges: [string, string][];
  /** BOS and EOS token strings (default OPT's: "</s>" for both). */
  bos?: string;
  eos?: string;
}

/**
 * A GPT-2/OPT-style byte-level BPE tokenizer: ids 0..k−1 the specials, then the 256 byte characters in byte
 * order, then one token per merge. Pre-tokenizer ByteLevel with GPT-2's regex, no prefix space, as OPT.
 */
export function byteLevelBpeTokenizer(opts: ByteLevelBpeOptions): HfTokenizerFiles {
  const specials = opts.specials ?? ['<s>', '<pad>', '</s>', '<unk>'];
  const bos = opts.bos ?? '</s>';
  const eos = opts.eos ?? '</s>';
  const vocab: Record<string, number> = {};
  const add = (t: string) => {
    if (!Object.prototype.hasOwnProperty.call(vocab, t)) vocab[t] = Object.keys(vocab).length;
  };
  specials.forEach(add);
  bytesToUnicode().forEach(add);
  for (const [a, b] of opts.merges) {
    if (!(a in vocab) || !(b in vocab)) throw new Error(`byteLevelBpeTokenizer: merge "${a} ${b}" uses a token not yet in the vocabulary`);
    add(a + b);
  }
  if (!(bos in vocab) || !(eos in vocab)) throw new Error(`byteLevelBpeTokenizer: bos ${bos} / eos ${eos} must be among the specials`);
  const byteLevel = { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true };
  const tokenizer = {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map((c) => addedToken(vocab[c], c)),
    normalizer: null,
    pre_tokenizer: byteLevel,
    post_processor: {
      type: 'TemplateProcessing',
      single: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }],
      pair: [{ SpecialToken: { id: bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 1 } }],
      special_tokens: { [bos]: { id: bos, ids: [vocab[bos]], tokens: [bos] } },
    },
    decoder: byteLevel,
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: '',
      end_of_word_suffix: '',
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges: opts.merges.map(([a, b]) => `${a} ${b}`),
    },
  };
  const config: Record<string, unknown> = {
    tokenizer_class: 'PreTrainedTokenizerFast',
    bos_token: bos,
    eos_token: eos,
    add_bos_token: true,
    clean_up_tokenization_spaces: false,
  };
  if (specials.includes('<unk>')) config.unk_token = '<unk>';
  if (specials.includes('<pad>')) config.pad_token = '<pad>';
  return { tokenizer, config };
}
