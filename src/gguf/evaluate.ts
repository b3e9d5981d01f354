// Perplexity of a GGUF file run by llama.cpp, with the same protocol as the project's own (METHOD.md §7):
// ids = [BOS] + encode(text) with the llama2.c SentencePiece algorithm on the file's own vocabulary
// (tokenizer.ggml.*), windows ids[i·L : (i+1)·L], NLL of positions 1..L−1, ppl = exp(mean NLL).
import { TextCodec, llama2cCodec } from '../model/codec';
import { Tokenizer } from '../model/tokenizer';
import { corpusIds } from '../data/corpusIds';
import { CorpusName } from '../data/corpora';
import { DataDirOptions } from '../data/datadir';
import { PerplexityOptions, PerplexityResult } from '../eval/perplexity';
import { readGguf } from './format';
import { TOKEN_TYPE } from './tokenizer';
import { LlamaCppOptions, llamaCppNll } from './llamaCpp';

/** The GGUF file's `llama` (SentencePiece) tokenizer as a codec, plus its context length. */
export function ggufCodec(file: string): { codec: TextCodec; contextLength: number; vocabSize: number } {
  const { kv } = readGguf(file, { tensors: false });
  const arch = kv['general.architecture'] as string;
  if (kv['tokenizer.ggml.model'] !== 'llama')
    throw new Error(`${file}: tokenizer model ${JSON.stringify(kv['tokenizer.ggml.model'])} is not supported (only "llama", SentencePiece)`);
  const tokens = kv['tokenizer.ggml.tokens'] as string[];
  const types = (kv['tokenizer.ggml.token_type'] as number[] | undefined) ?? tokens.map(() => TOKEN_TYPE.normal);
  const scoreList = (kv['tokenizer.ggml.scores'] as number[] | undefined) ?? tokens.map(() => 0);
  // pieces as llama2.c keeps them: UTF-8 bytes in a latin1 string, spaces as " "
  const pieces = tokens.map((t) => Buffer.from(t.replace(/\u2581/g, ' '), 'utf8').toString('latin1'));
  const lookup = new Map<string, number>();
  pieces.forEach((p, i) => {
    const ty = types[i];
    if (ty !== TOKEN_TYPE.control && ty !== TOKEN_TYPE.unused && ty !== TOKEN_TYPE.unknown && !lookup.has(p)) lookup.set(p, i);
  });
  const tok: Tokenizer = {
    pieces,
    scores: Float32Array.from(scoreList),
    maxTokenLength: Math.max(...pieces.map((p) => p.length)),
    bosId: Number(kv['tokenizer.ggml.bos_token_id'] ?? 1),
    eosId: Number(kv['tokenizer.ggml.eos_token_id'] ?? 2),
    lookup,
  };
  return { codec: llama2cCodec(tok), contextLength: Number(kv[`${arch}.context_length`]), vocabSize: tokens.length };
}

/** Perplexity of `file` in llama.cpp on a token stream (ids start with BOS); windows as the project's perplexity. */
export async function llamaCppPerplexity(
  file: string,
  ids: readonly number[],
  opts: PerplexityOptions & LlamaCppOptions & { contextLength?: number } = {},
): Promise<PerplexityResult> {
  const ctx = opts.contextLength ?? ggufCodec(file).contextLength;
  const L = opts.seqlen ?? ctx;
  if (!Number.isInteger(L) || L < 2) throw new RangeError(`seqlen must be an integer ≥ 2, got ${L}`);
  if (L > ctx) throw new RangeError(`seqlen ${L} exceeds the model's context length ${ctx}`);
  let n = Math.floor(ids.length / L);
  if (opts.maxWindows !== undefined) n = Math.min(n, opts.maxWindows);
  if (n < 1) throw new RangeError(`text has ${ids.length} tokens: not one window of ${L}`);
  const windows = Array.from({ length: n }, (_, i) => ids.slice(i * L, (i + 1) * L));
  const t0 = performance.now();
  const sums = await llamaCppNll(file, windows, { ...opts, contextSize: opts.contextSize ?? L + 1 });
  opts.onProgress?.(n, n);
  const tokens = n * (L - 1);
  const nll = sums.reduce((a, b) => a + b, 0) / tokens;
  return { ppl: Math.exp(nll), nll, windows: n, tokens, seqlen: L, seconds: (performance.now() - t0) / 1000 };
}

/** Perplexity of a GGUF file in llama.cpp on a named corpus (METHOD.md §7). */
export async function evaluateGguf(
  file: string,
  dataset: CorpusName,
  opts: PerplexityOptions & LlamaCppOptions & DataDirOptions = {},
): Promise<PerplexityResult & { dataset: CorpusName }> {
  const { codec, contextLength } = ggufCodec(file);
  const ids = await corpusIds(codec, dataset, opts);
  return { dataset, ...(await llamaCppPerplexity(file, ids, { ...opts, contextLength })) };
}
