// Text ↔ ids for a model, whatever its tokenizer format, and where that tokenizer lives.
import { Model } from './model';
import { Tokenizer, loadTokenizer, encode, decode } from './tokenizer';
import { loadHfTokenizer } from './hfTokenizer';

export interface TextCodec {
  /** ids of `text`, with BOS first unless `bos: false`. */
  encode(text: string, opts?: { bos?: boolean }): number[];
  decode(ids: readonly number[]): string;
  bosId: number;
  eosId: number;
}

/** Where a model's tokenizer lives (so a saved model can carry a copy). */
export type TokenizerSource = { kind: 'llama2c'; file: string } | { kind: 'hf'; dir: string; files: string[] };

/** A model with its codec: what every loader returns. */
export interface LoadedModel {
  model: Model;
  codec: TextCodec;
  tokenizerSource?: TokenizerSource;
}

export function llama2cCodec(tok: Tokenizer): TextCodec {
  return { encode: (t, o) => encode(tok, t, { bos: o?.bos ?? true }), decode: (ids) => decode(tok, ids), bosId: tok.bosId, eosId: tok.eosId };
}

export function codecFromSource(src: TokenizerSource, vocabSize: number): TextCodec {
  if (src.kind === 'llama2c') return llama2cCodec(loadTokenizer(src.file, vocabSize));
  const t = loadHfTokenizer(src.dir);
  return { encode: (text, o) => t.encode(text, { bos: o?.bos ?? true }), decode: (ids) => t.decode(ids), bosId: t.bosId, eosId: t.eosId };
}
