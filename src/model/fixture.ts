// Seeded random Hugging Face checkpoints (LLaMA or OPT) written by the project itself: no OPT weights can be
// downloaded here, so OPT support is built and tested on these. Same options ⇒ byte-identical files.
import { Arch, ModelConfig, validateConfig } from './config';
import { HostWeights } from './hostTensor';
import { Model } from './model';
import { hfTensorPlan, HF_SAVE_BASE, OPT_LAYER_NORM_EPS, ARCH_CONSTANTS } from './hfNames';
import { saveHfModel } from './hf';
import { byteLevelBpeTokenizer, HfTokenizerFiles, llama2cToHfTokenizer } from './hfTokenizer';
import type { Tokenizer as Llama2cTokenizer } from './tokenizer';
import { createRng } from '../util/rng';

/** Options of {@link fixtureModel} / {@link writeFixture}; sizes are counts, defaults in brackets. */
export interface FixtureOptions {
  arch: Arch;
  /** Number of blocks. */
  layers: number;
  dModel: number;
  /** Query heads [max(1, dModel / 16)]. */
  nHeads?: number;
  /** KV heads, LLaMA only [nHeads]. */
  nKvHeads?: number;
  /** FFN width [OPT 4·dModel; LLaMA 8·dModel/3 rounded up to a multiple of 8]. */
  dFF?: number;
  /** Embedding rows [512]; the tokenizer (276 OPT, 349 LLaMA tokens) is padded to it, as real configs pad theirs. */
  vocabSize?: number;
  /** Context length [128]. */
  maxSeq?: number;
  /** Seed of every random draw. */
  seed: number;
  /** OPT-350M style word_embed_proj_dim ≠ dModel (embeddings and head in this width; proj_in/proj_out). */
  wordEmbedProjDim?: number;
  /** OPT do_layer_norm_before [true]; false gives OPT-350M's post-norm blocks without a final LayerNorm. */
  doLayerNormBefore?: boolean;
  /** LM head tied to the embedding [OPT true, LLaMA false]. */
  tiedEmbeddings?: boolean;
  /** Standard deviation of weights and biases [0.02]; norm gains are 1 + N(0, std²). */
  std?: number;
  /** Write tokenizer.json/tokenizer_config.json when the vocabulary holds the tokenizer [true]. */
  tokenizer?: boolean;
}

/** A dense model with seeded N(0, std²) weights (norm gains ≈ 1), in the project's layout. */
export function fixtureModel(opts: Omit<FixtureOptions, 'tokenizer'>): Model {
  const { arch, layers, dModel: d } = opts;
  if (arch !== 'llama' && arch !== 'opt') throw new Error(`fixture: arch must be "llama" or "opt", got ${JSON.stringify(arch)}`);
  const nHeads = opts.nHeads ?? Math.max(1, Math.floor(d / 16));
  if (d % nHeads !== 0) throw new Error(`fixture: dModel ${d} must be divisible by nHeads ${nHeads}`);
  if (arch === 'llama' && (d / nHeads) % 2 !== 0) throw new Error(`fixture: LLaMA head dim dModel/nHeads = ${d / nHeads} must be even (RoPE pairs)`);
  if (arch === 'opt' && opts.nKvHeads !== undefined && opts.nKvHeads !== nHeads) throw new Error('fixture: OPT has no GQA (leave nKvHeads unset)');
  if (arch === 'llama' && (opts.wordEmbedProjDim !== undefined || opts.doLayerNormBefore !== undefined)) {
    throw new Error('fixture: wordEmbedProjDim and doLayerNormBefore are OPT options');
  }
  const std = opts.std ?? 0.02;
  if (!(std > 0)) throw new Error(`fixture: std must be positive, got ${std}`);
  const preNorm = opts.doLayerNormBefore ?? true;
  const cfg: ModelConfig = {
    arch,
    dModel: d,
    nLayers: layers,
    nHeads,
    nKvHeads: opts.nKvHeads ?? nHeads,
    dHead: d / nHeads,
    dFF: opts.dFF ?? (arch === 'opt' ? 4 * d : 8 * Math.ceil((8 * d) / 3 / 8)),
    vocabSize: opts.vocabSize ?? 512,
    maxSeq: opts.maxSeq ?? 128,
    normEps: arch === 'opt' ? OPT_LAYER_NORM_EPS : 1e-5,
    ropeTheta: 10000,
    ...ARCH_CONSTANTS[arch],
    biases: arch === 'opt',
    tiedEmbeddings: opts.tiedEmbeddings ?? arch === 'opt',
    preNorm,
    bosId: arch === 'opt' ? 2 : 1,
    eosId: 2,
  };
  if (opts.wordEmbedProjDim !== undefined && opts.wordEmbedProjDim !== d) cfg.embedDim = opts.wordEmbedProjDim;
  validateConfig(cfg);
  const rng = createRng(opts.seed);
  const weights: HostWeights = {};
  // One draw order for all: the HF tensor plan (globals, then blocks), so files are reproducible.
  for (const p of hfTensorPlan(cfg, HF_SAVE_BASE, arch === 'llama' || preNorm)) {
    const data = rng.fillNormal(new Float32Array(p.shape.reduce((a, b) => a * b, 1)), std);
    if (/(^|\.)(attn_norm|ffn_norm|norm_f)$/.test(p.key)) for (let i = 0; i < data.length; i++) data[i] += 1;
    weights[p.key] = { shape: p.shape, data };
  }
  return { config: cfg, weights, source: { name: `fixture-${arch}-L${layers}-d${d}-seed${opts.seed}`, format: 'synthetic' } };
}

/** Merges of the OPT fixture's byte-level tokenizer (common English pairs; "Ġ" is GPT-2's space). */
const BYTE_MERGES: [string, string][] = [
  ['Ġ', 't'],
  ['h', 'e'],
  ['Ġ', 'a'],
  ['i', 'n'],
  ['Ġt', 'he'],
  ['e', 'r'],
  ['o', 'n'],
  ['Ġ', 's'],
  ['e', 'd'],
  ['a', 'n'],
  ['Ġ', 'w'],
  ['n', 'd'],
  ['Ġa', 'nd'],
  ['o', 'u'],
  ['i', 't'],
  ['Ġ', 'o'],
];

/** Pieces of the LLaMA fixture's SentencePiece-style tokenizer: merged pieces by descending score, then characters. */
const SP_MERGED = [' t', 'he', ' a', 'in', ' the', 'er', 'on', ' s', 'ed', 'an', ' w', 'nd', ' and', 'ou', 'it', ' o'];
const SP_CHARS = ' etaoinshrdlcumwfgypbvkjxqzETAOINSHRDLCUMWFGYPBVKJXQZ0123456789.,!?\'"-:;()';

/** The fixture tokenizer of `arch` (OPT: byte-level BPE, 276 tokens; LLaMA: SentencePiece BPE with byte fallback, 349 tokens). */
export function fixtureTokenizer(arch: Arch): HfTokenizerFiles {
  if (arch === 'opt') return byteLevelBpeTokenizer({ merges: BYTE_MERGES });
  const pieces = ['<unk>', '\n<s>\n', '\n</s>\n'];
  for (let b = 0; b < 256; b++) pieces.push(`<0x${b.toString(16).toUpperCase().padStart(2, '0')}>`);
  const scores = [0, 0, 0, ...new Array(256).fill(0)];
  SP_MERGED.forEach((p, i) => {
    pieces.push(p);
    scores.push(-i);
  });
  Array.from(SP_CHARS).forEach((c, i) => {
    pieces.push(c);
    scores.push(-1000 - i);
  });
  const lookup = new Map<string, number>();
  pieces.forEach((p, i) => lookup.set(p, i));
  const tok: Llama2cTokenizer = { pieces, scores: Float32Array.from(scores), maxTokenLength: 6, bosId: 1, eosId: 2, lookup };
  return llama2cToHfTokenizer(tok);
}

/**
 * Write a seeded random HF checkpoint into `out`: config.json, model.safetensors (F32) and, when `tokenizer`
 * (default true) and the vocabulary holds it, tokenizer.json + tokenizer_config.json. Returns the model as
 * generated (project layout) and the files written.
 */
export function writeFixture(opts: FixtureOptions & { out: string }): { model: Model; files: string[] } {
  const model = fixtureModel(opts);
  let tokenizer: HfTokenizerFiles | undefined;
  if (opts.tokenizer ?? true) {
    const t = fixtureTokenizer(opts.arch);
    const size = Object.keys((t.tokenizer.model as { vocab: object }).vocab).length;
    if (size <= model.config.vocabSize) tokenizer = t;
  }
  const { files } = saveHfModel(model, opts.out, { tokenizer });
  model.source.path = opts.out;
  return { model, files };
}
