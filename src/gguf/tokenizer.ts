// Tokenizer metadata for GGUF (`tokenizer.ggml.*`), model `llama` (SentencePiece BPE with byte fallback,
// llama.cpp's SPM tokenizer): tokens with "▁" for spaces, scores (merge priority: higher merges first),
// token types (1 normal, 2 unknown, 3 control, 5 unused, 6 byte), BOS/EOS/UNK ids.
// - llama2.c tokenizer.bin → exactly what llama.cpp's convert-llama2c-to-ggml writes: its pieces and scores,
//   "<unk>", "<s>", "</s>" as specials, "<0xXX>" as byte tokens.
// - Hugging Face tokenizer.json → only the SentencePiece-style BPE of LLaMA/LLaMA-2 (byte_fallback, "▁" for
//   spaces); a token's score is minus the rank of the first merge that makes it. Byte-level BPE (GPT-2 style,
//   LLaMA-3), WordPiece, Unigram: refused with the reason.
// Rows of the embedding beyond the tokenizer's vocabulary (padded vocabularies) become unused tokens.
import * as fs from 'node:fs';
import { TokenizerSource } from '../model/codec';
import { loadTokenizer } from '../model/tokenizer';
import { GgufValue, gv } from './format';
import { GgufExportError } from './plan';

const SPIECE = '\u2581';
export const TOKEN_TYPE = { normal: 1, unknown: 2, control: 3, userDefined: 4, unused: 5, byte: 6 } as const;

/** What the exporter writes as `tokenizer.ggml.*`. */
export interface GgufVocab {
  tokens: string[];
  scores: number[];
  types: number[];
  bosId: number;
  eosId: number;
  unkId: number;
}

const BYTE_RE = /^<0x[0-9A-F]{2}>$/;

/** Pad a vocabulary to `vocabSize` rows with unused tokens (never produced by the tokenizer). */
function pad(v: GgufVocab, vocabSize: number): GgufVocab {
  if (v.tokens.length > vocabSize) throw new GgufExportError(`the tokenizer has ${v.tokens.length} tokens but the model only ${vocabSize} embedding rows`);
  for (let i = v.tokens.length; i < vocabSize; i++) {
    v.tokens.push(`[PAD${i}]`);
    v.scores.push(0);
    v.types.push(TOKEN_TYPE.unused);
  }
  return v;
}

/** The llama2.c tokenizer as llama.cpp's llama2.c converter maps it. */
export function llama2cVocab(file: string, vocabSize: number): GgufVocab {
  const tok = loadTokenizer(file, vocabSize);
  const v: GgufVocab = { tokens: [], scores: [], types: [], bosId: tok.bosId, eosId: tok.eosId, unkId: 0 };
  tok.pieces.forEach((p, i) => {
    const t = p.trim();
    let text: string;
    let type: number = TOKEN_TYPE.normal;
    if (i === 0 && t === '<unk>') [text, type] = [t, TOKEN_TYPE.unknown];
    else if ((i === tok.bosId && t === '<s>') || (i === tok.eosId && t === '</s>')) [text, type] = [t, TOKEN_TYPE.control];
    else if (BYTE_RE.test(p)) [text, type] = [p, TOKEN_TYPE.byte];
    else {
      text = Buffer.from(p, 'latin1').toString('utf8');
      if (Buffer.from(text, 'utf8').toString('latin1') !== p)
        throw new GgufExportError(`${file}: piece ${i} is not valid UTF-8: GGUF tokens are UTF-8 strings`);
      text = text.replace(/ /g, SPIECE);
    }
    v.tokens.push(text);
    v.scores.push(tok.scores[i]);
    v.types.push(type);
  });
  return pad(v, vocabSize);
}

interface HfJson {
  model?: { type?: string; vocab?: Record<string, number>; merges?: (string | [string, string])[]; byte_fallback?: boolean; unk_token?: string };
  normalizer?: unknown;
  pre_tokenizer?: unknown;
  added_tokens?: { id: number; content: string; special?: boolean }[];
}

/** A Hugging Face tokenizer.json in SentencePiece-BPE form (else GgufExportError saying why). */
export function hfVocab(dir: string, files: string[], vocabSize: number, ids: { bosId: number; eosId: number }): GgufVocab {
  const file = files.find((f) => f.endsWith('tokenizer.json'));
  if (!file) throw new GgufExportError(`${dir}: no tokenizer.json to export`);
  const j = JSON.parse(fs.readFileSync(file, 'utf8')) as HfJson;
  const m = j.model;
  const spm = JSON.stringify([j.normalizer ?? null, j.pre_tokenizer ?? null]).includes(SPIECE);
  if (!m || m.type !== 'BPE' || !m.byte_fallback || !spm || !m.vocab) {
    const kind = !m ? 'no model' : m.type !== 'BPE' ? `model type ${m.type}` : !m.byte_fallback || !spm ? 'byte-level BPE (GPT-2/LLaMA-3 style)' : 'no vocab';
    throw new GgufExportError(
      `${file}: ${kind} is not exported: only SentencePiece-style BPE tokenizers (LLaMA/LLaMA-2: byte fallback, "▁" for spaces) map exactly to GGUF's "llama" tokenizer`,
    );
  }
  const n = Math.max(-1, ...Object.values(m.vocab), ...(j.added_tokens ?? []).map((t) => t.id)) + 1;
  const tokens = new Array<string | undefined>(n);
  for (const [t, id] of Object.entries(m.vocab)) tokens[id] = t;
  const special = new Set<number>();
  for (const a of j.added_tokens ?? []) {
    tokens[a.id] = a.content;
    if (a.special) special.add(a.id);
  }
  const merges = m.merges ?? [];
  const rank = new Map<string, number>();
  merges.forEach((mg, r) => {
    const [a, b] = Array.isArray(mg) ? mg : mg.split(' ');
    const t = a + b;
    if (!rank.has(t)) rank.set(t, r);
  });
  const v: GgufVocab = {
    tokens: [],
    scores: [],
    types: [],
    bosId: ids.bosId,
    eosId: ids.eosId,
    unkId: m.unk_token !== undefined ? (m.vocab[m.unk_token] ?? 0) : 0,
  };
  for (let i = 0; i < n; i++) {
    const t = tokens[i] ?? `[PAD${i}]`;
    v.tokens.push(t);
    v.scores.push(rank.has(t) ? -rank.get(t)! : -merges.length - 1);
    v.types.push(
      tokens[i] === undefined
        ? TOKEN_TYPE.unused
        : i === v.unkId && t === m.unk_token
          ? TOKEN_TYPE.unknown
          : special.has(i)
            ? TOKEN_TYPE.control
            : BYTE_RE.test(t)
              ? TOKEN_TYPE.byte
              : TOKEN_TYPE.normal,
    );
  }
  return pad(v, vocabSize);
}

/** The vocabulary of a model's tokenizer source. */
export function ggufVocab(src: TokenizerSource | undefined, vocabSize: number, ids: { bosId: number; eosId: number }): GgufVocab {
  if (!src) throw new GgufExportError('the model has no tokenizer: GGUF files carry one (load the model with its tokenizer)');
  return src.kind === 'llama2c' ? llama2cVocab(src.file, vocabSize) : hfVocab(src.dir, src.files, vocabSize, ids);
}

/** `tokenizer.ggml.*` metadata. */
export function vocabMetadata(v: GgufVocab): Record<string, GgufValue> {
  return {
    'tokenizer.ggml.model': gv.str('llama'),
    'tokenizer.ggml.tokens': gv.arr('str', v.tokens),
    'tokenizer.ggml.scores': gv.arr('f32', v.scores),
    'tokenizer.ggml.token_type': gv.arr('i32', v.types),
    'tokenizer.ggml.bos_token_id': gv.u32(v.bosId),
    'tokenizer.ggml.eos_token_id': gv.u32(v.eosId),
    'tokenizer.ggml.unknown_token_id': gv.u32(v.unkId),
    'tokenizer.ggml.add_bos_token': gv.bool(true),
    'tokenizer.ggml.add_eos_token': gv.bool(false),
  };
}
