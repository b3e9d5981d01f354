// The one model configuration, with normalised names. Foreign names (llama2.c header fields, Hugging Face
// config.json keys) appear only in the loaders that map them.

export type Arch = 'llama' | 'opt';

/** Widths of one block after structured pruning (original unit indices that were kept). */
export interface LayerShape {
  /** Kept FFN hidden units (original indices, ascending). */
  ffn: number[];
  /** Kept query heads (original indices, ascending). */
  heads: number[];
  /** Kept key/value heads (original indices, ascending); a KV head goes once every query head sharing it is gone. */
  kvHeads: number[];
}

export interface ModelConfig {
  arch: Arch;
  dModel: number;
  nLayers: number;
  /** Query heads of the dense model. */
  nHeads: number;
  /** Key/value heads of the dense model (GQA when < nHeads). */
  nKvHeads: number;
  dHead: number;
  /** FFN hidden width of the dense model. */
  dFF: number;
  vocabSize: number;
  /** Context length. */
  maxSeq: number;
  normEps: number;
  /** RoPE base (LLaMA); unused by OPT. */
  ropeTheta: number;
  /** 'swiglu': down(silu(gate x) ⊙ up x) (LLaMA); 'relu': fc2(relu(fc1 x)) (OPT). */
  activation: 'swiglu' | 'relu';
  norm: 'rms' | 'layer';
  /** Linear layers carry biases (OPT). */
  biases: boolean;
  /** LM head shares the token embedding. */
  tiedEmbeddings: boolean;
  /** 'rope' (LLaMA, interleaved pairs as llama2.c) or 'learned' (OPT). */
  positions: 'rope' | 'learned';
  /** OPT's learned-position offset (2); 0 otherwise. */
  positionOffset: number;
  /** Pre-LayerNorm blocks (OPT do_layer_norm_before; always true for LLaMA). */
  preNorm: boolean;
  /** OPT-350M style projection dimension of the embeddings (undefined = dModel). */
  embedDim?: number;
  bosId: number;
  eosId: number;
  /** Per-layer kept units after pruning; absent for a dense model. */
  layers?: LayerShape[];
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** The kept units of block `l` (all of them for a dense model). */
export function layerShape(cfg: ModelConfig, l: number): LayerShape {
  if (cfg.layers) return cfg.layers[l];
  return { ffn: range(cfg.dFF), heads: range(cfg.nHeads), kvHeads: range(cfg.nKvHeads) };
}

/** Query heads per KV head in the dense model. */
export function gqaGroup(cfg: ModelConfig): number {
  return cfg.nHeads / cfg.nKvHeads;
}

/** For each kept query head of block `l`, the position of its KV head among the kept KV heads. */
export function kvIndexOfHeads(cfg: ModelConfig, shape: LayerShape): number[] {
  const g = gqaGroup(cfg);
  return shape.heads.map((h) => {
    const kv = Math.floor(h / g);
    const at = shape.kvHeads.indexOf(kv);
    if (at < 0) throw new Error(`query head ${h} kept but its KV head ${kv} was removed`);
    return at;
  });
}

/** Options of {@link validateConfig}. */
export interface ValidateConfigOptions {
  /**
   * Allow nHeads·dHead ≠ dModel (default false). Only a Hugging Face LLaMA config that states `head_dim`
   * explicitly may do so; everywhere else such a config is a mistake that gives wrong results silently.
   */
  headDimFree?: boolean;
}

const ENUMS = {
  arch: ['llama', 'opt'],
  activation: ['swiglu', 'relu'],
  norm: ['rms', 'layer'],
  positions: ['rope', 'learned'],
} as const;
const BOOLEANS = ['biases', 'tiedEmbeddings', 'preNorm'] as const;

/**
 * Check that `cfg` is a complete, consistent ModelConfig; throws an Error naming the field, what it holds
 * and what is expected (never a raw TypeError on a missing key).
 */
export function validateConfig(cfg: ModelConfig, opts: ValidateConfigOptions = {}): void {
  if (typeof cfg !== 'object' || cfg === null || Array.isArray(cfg)) throw new Error(`config must be an object, got ${JSON.stringify(cfg)}`);
  const show = (v: unknown) => (v === undefined ? 'nothing (missing)' : JSON.stringify(v));
  for (const [k, allowed] of Object.entries(ENUMS)) {
    const v = (cfg as unknown as Record<string, unknown>)[k];
    if (!(allowed as readonly unknown[]).includes(v)) throw new Error(`config.${k} must be one of ${allowed.join('|')}, got ${show(v)}`);
  }
  for (const k of BOOLEANS) if (typeof cfg[k] !== 'boolean') throw new Error(`config.${k} must be true or false, got ${show(cfg[k])}`);
  for (const k of ['normEps', 'ropeTheta'] as const) {
    if (typeof cfg[k] !== 'number' || !(cfg[k] > 0) || !Number.isFinite(cfg[k])) throw new Error(`config.${k} must be a positive number, got ${show(cfg[k])}`);
  }
  for (const k of ['positionOffset', 'bosId', 'eosId'] as const) {
    if (!Number.isSafeInteger(cfg[k]) || cfg[k] < 0) throw new Error(`config.${k} must be an integer ≥ 0, got ${show(cfg[k])}`);
  }
  const pos = ['dModel', 'nLayers', 'nHeads', 'nKvHeads', 'dHead', 'dFF', 'vocabSize', 'maxSeq'] as const;
  for (const k of pos) {
    if (!Number.isSafeInteger(cfg[k]) || cfg[k] <= 0) throw new Error(`config.${k} must be a positive integer, got ${show(cfg[k])}`);
  }
  if (cfg.embedDim !== undefined && (!Number.isSafeInteger(cfg.embedDim) || cfg.embedDim <= 0))
    throw new Error(`config.embedDim must be a positive integer when present, got ${show(cfg.embedDim)}`);
  if (cfg.bosId >= cfg.vocabSize || cfg.eosId >= cfg.vocabSize)
    throw new Error(`config.bosId ${cfg.bosId} / eosId ${cfg.eosId} must be below vocabSize ${cfg.vocabSize}`);
  if (cfg.nHeads % cfg.nKvHeads !== 0) throw new Error(`config.nHeads (${cfg.nHeads}) must be a multiple of nKvHeads (${cfg.nKvHeads})`);
  if (!opts.headDimFree && cfg.nHeads * cfg.dHead !== cfg.dModel) {
    throw new Error(
      `config.nHeads × dHead (${cfg.nHeads} × ${cfg.dHead} = ${cfg.nHeads * cfg.dHead}) must equal dModel (${cfg.dModel}): the heads split the model width`,
    );
  }
  if (cfg.positions === 'rope' && cfg.dHead % 2 !== 0) throw new Error(`config.dHead (${cfg.dHead}) must be even for rotary positions`);
  if (cfg.layers !== undefined) {
    if (!Array.isArray(cfg.layers)) throw new Error(`config.layers must be a list of per-layer kept units, got ${show(cfg.layers)}`);
    if (cfg.layers.length !== cfg.nLayers) throw new Error(`config.layers has ${cfg.layers.length} entries, nLayers is ${cfg.nLayers}`);
    cfg.layers.forEach((s, l) => {
      const check = (xs: unknown, n: number, what: string) => {
        if (!Array.isArray(xs)) throw new Error(`config.layers[${l}].${what} must be a list of kept indices, got ${show(xs)}`);
        xs.forEach((x, i) => {
          if (!Number.isInteger(x) || x < 0 || x >= n || (i > 0 && x <= xs[i - 1]))
            throw new Error(`config.layers[${l}].${what} must be ascending indices in [0, ${n}), got ${JSON.stringify(xs)}`);
        });
      };
      if (typeof s !== 'object' || s === null) throw new Error(`config.layers[${l}] must be {ffn, heads, kvHeads}, got ${show(s)}`);
      check(s.ffn, cfg.dFF, 'ffn');
      check(s.heads, cfg.nHeads, 'heads');
      check(s.kvHeads, cfg.nKvHeads, 'kvHeads');
      kvIndexOfHeads(cfg, s);
    });
  }
}
