// Hugging Face checkpoints: config.json ↔ ModelConfig (tables in hfNames.ts), and a directory of
// config.json + model.safetensors (or a sharded model.safetensors.index.json) ↔ Model.
//
// Layout conversions, stated once: HF stores torch Linear weights [out, in]; we store [in, out]
// (hostTensor.ts), so every 'linear' tensor is transposed on load and save. HF LLaMA q/k rows follow the
// rotate_half RoPE convention (rotated pairs (i, i + dh/2) of each head), ours the interleaved pairs
// (2i, 2i+1) of llama2.c; transformers' convert_llama_weights_to_hf.py `permute` maps ours to HF:
//   HF row h·dh + c·dh/2 + i  =  our row h·dh + 2i + c   (head h, pair i < dh/2, c ∈ {0, 1}),
// so both forwards give the same logits. Every tensor's shape is asserted against config.json
// (nanoGPT from_pretrained style); unknown tensors are an error, not silently dropped.
import * as fs from 'fs';
import * as path from 'path';
import { Arch, ModelConfig, validateConfig } from './config';
import { HostTensor, HostWeights, transpose2d } from './hostTensor';
import { Model } from './model';
import { ModelFormatError } from '../errors';
import { openSafetensors, SafetensorsHandle, writeSafetensors } from '../io/safetensors';
import { writeJsonAtomic } from '../io/atomic';
import {
  ARCH_CONSTANTS, HF_ARCHITECTURES, HF_BASE_PREFIXES, HF_CLASS, HF_CONFIG_KEYS, HF_GLOBAL_TENSORS, HF_IGNORED_TENSORS,
  HF_OPT_REMOVE_FINAL_NORM, HF_REQUIRED_VALUES, HF_ROPE_PERMUTED, HF_SAVE_BASE, HfConfigKey, OPT_LAYER_NORM_EPS,
  hfResolve, hfTensorPlan, HfTensorPlanEntry,
} from './hfNames';
import { HfTokenizerFiles, writeHfTokenizerFiles } from './hfTokenizer';

/** File names of an HF checkpoint directory. */
export const HF_FILES = Object.freeze({
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
});

// ---------------------------------------------------------------------------------------------------------
// config.json ↔ ModelConfig
// ---------------------------------------------------------------------------------------------------------

type Json = Record<string, unknown>;

function isObject(x: unknown): x is Json {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

const show = (v: unknown) => (v === undefined ? 'undefined' : JSON.stringify(v));

/** The architecture of an HF config: `architectures[0]`-style class name, else `model_type`. */
export function hfArch(json: unknown, file = 'config.json'): Arch {
  if (!isObject(json)) throw new ModelFormatError(file, `must be a JSON object, got ${show(json)?.slice(0, 80)}`);
  const archs = Array.isArray(json.architectures) ? json.architectures : [];
  const known = (name: unknown): name is string => typeof name === 'string' && Object.prototype.hasOwnProperty.call(HF_ARCHITECTURES, name);
  for (const a of archs) if (known(a)) return HF_ARCHITECTURES[a];
  if (known(json.model_type)) return HF_ARCHITECTURES[json.model_type];
  const supported = Object.values(HF_CLASS).map((c) => c.architecture).join(', ');
  throw new ModelFormatError(file, `architectures ${show(json.architectures)} / model_type ${show(json.model_type)} is not supported; supported: ${supported}`);
}

function readKey(json: Json, spec: HfConfigKey, file: string, field: string): number | boolean {
  let v = json[spec.key];
  let from = spec.key;
  if ((v === undefined || v === null) && spec.fallback) {
    v = json[spec.fallback];
    from = spec.fallback;
  }
  if (v === undefined || v === null) {
    if (spec.default === undefined) throw new ModelFormatError(file, `missing required key "${spec.key}"${spec.fallback ? ` (or "${spec.fallback}")` : ''}`);
    return spec.default;
  }
  // Newer configs may list several EOS ids; the first is the one generation stops on by default.
  if (Array.isArray(v) && (field === 'eosId' || field === 'bosId') && v.length > 0) v = v[0];
  if (spec.type === 'bool') {
    if (typeof v !== 'boolean') throw new ModelFormatError(file, `"${from}" must be true or false, got ${show(v)}`);
    return v;
  }
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new ModelFormatError(file, `"${from}" must be a number, got ${show(v)}`);
  if (spec.type === 'int') {
    const min = field === 'bosId' || field === 'eosId' ? 0 : 1;
    if (!Number.isSafeInteger(v) || v < min) throw new ModelFormatError(file, `"${from}" must be an integer ≥ ${min}, got ${show(v)}`);
  } else if (!(v > 0)) {
    throw new ModelFormatError(file, `"${from}" must be positive, got ${show(v)}`);
  }
  return v;
}

/**
 * Map a Hugging Face config.json object (`LlamaForCausalLM` or `OPTForCausalLM`) to the project's
 * ModelConfig. transformers' defaults apply to absent keys (LLaMA: rms_norm_eps 1e-6, rope_theta 10000,
 * untied head, bos 1 / eos 2, no GQA; OPT: pre-norm, biases, tied head, bos = eos = 2, LayerNorm eps 1e-5,
 * learned positions with offset 2). `word_embed_proj_dim` ≠ `hidden_size` (OPT-350M) sets `embedDim`.
 * Unsupported variants (LLaMA rope_scaling, biases, non-SiLU; OPT non-ReLU) throw ModelFormatError naming
 * `file` and the key. Whether OPT has a final LayerNorm is weight-level: see {@link hfHasFinalNorm}.
 */
export function hfConfigToModelConfig(json: unknown, file = 'config.json'): ModelConfig {
  const arch = hfArch(json, file);
  const j = json as Json;
  for (const r of HF_REQUIRED_VALUES[arch]) {
    const v = j[r.key] === undefined ? r.default : j[r.key];
    if (!r.allowed.some((a) => a === v)) {
      throw new ModelFormatError(file, `"${r.key}": ${show(v)} is not supported for ${HF_CLASS[arch].architecture} (supported: ${r.allowed.map(show).join(', ')})`);
    }
  }
  const keys = HF_CONFIG_KEYS[arch];
  const got: Record<string, number | boolean | undefined> = {};
  for (const [field, spec] of Object.entries(keys)) {
    if (field === 'dHead' && (j[spec!.key] === undefined || j[spec!.key] === null)) continue; // derived below
    got[field] = readKey(j, spec!, file, field);
  }
  const dModel = got.dModel as number;
  const nHeads = got.nHeads as number;
  if (got.dHead === undefined) {
    if (dModel % nHeads !== 0) {
      throw new ModelFormatError(file, `"hidden_size" ${dModel} is not divisible by "num_attention_heads" ${nHeads}${arch === 'llama' ? ' (set "head_dim")' : ''}`);
    }
    got.dHead = dModel / nHeads;
  }
  const nKvHeads = (got.nKvHeads as number | undefined) ?? nHeads;
  if (nHeads % nKvHeads !== 0) {
    throw new ModelFormatError(file, `"num_attention_heads" ${nHeads} is not a multiple of "num_key_value_heads" ${nKvHeads}`);
  }
  const embedDim = got.embedDim as number | undefined;
  const cfg: ModelConfig = {
    arch,
    dModel,
    nLayers: got.nLayers as number,
    nHeads,
    nKvHeads,
    dHead: got.dHead as number,
    dFF: got.dFF as number,
    vocabSize: got.vocabSize as number,
    maxSeq: got.maxSeq as number,
    normEps: (got.normEps as number | undefined) ?? OPT_LAYER_NORM_EPS,
    ropeTheta: (got.ropeTheta as number | undefined) ?? 10000,
    ...ARCH_CONSTANTS[arch],
    biases: (got.biases as boolean | undefined) ?? false,
    tiedEmbeddings: got.tiedEmbeddings as boolean,
    preNorm: (got.preNorm as boolean | undefined) ?? true,
    bosId: got.bosId as number,
    eosId: got.eosId as number,
  };
  if (embedDim !== undefined && embedDim !== dModel) cfg.embedDim = embedDim;
  if (cfg.bosId >= cfg.vocabSize || cfg.eosId >= cfg.vocabSize) {
    throw new ModelFormatError(file, `bos_token_id ${cfg.bosId} / eos_token_id ${cfg.eosId} outside vocab_size ${cfg.vocabSize}`);
  }
  try {
    validateConfig(cfg);
  } catch (e) {
    throw new ModelFormatError(file, (e as Error).message);
  }
  return cfg;
}

/**
 * Whether the checkpoint has a final norm: always for LLaMA; for OPT only with do_layer_norm_before and
 * without `_remove_final_layer_norm` (transformers OPTDecoder; OPT-350M has none).
 */
export function hfHasFinalNorm(json: unknown, file = 'config.json'): boolean {
  const arch = hfArch(json, file);
  if (arch === 'llama') return true;
  const cfg = hfConfigToModelConfig(json, file);
  const remove = (json as Json)[HF_OPT_REMOVE_FINAL_NORM];
  if (remove !== undefined && typeof remove !== 'boolean') throw new ModelFormatError(file, `"${HF_OPT_REMOVE_FINAL_NORM}" must be true or false, got ${show(remove)}`);
  return cfg.preNorm && remove !== true;
}

/** Options of {@link modelConfigToHfConfig}. */
export interface HfConfigOptions {
  /** Whether the model has a final norm (default true; OPT post-norm models have none). */
  finalNorm?: boolean;
  /** Storage dtype recorded as `torch_dtype` (default 'F32'). */
  dtype?: 'F32' | 'F16' | 'BF16';
}

const TORCH_DTYPE = { F32: 'float32', F16: 'float16', BF16: 'bfloat16' } as const;

/**
 * The config.json object transformers needs to load a dense model of `cfg` (inverse of
 * {@link hfConfigToModelConfig}). Throws for configs HF cannot express: a pruned model (`cfg.layers`), an
 * OPT LayerNorm eps other than 1e-5, LLaMA with biases, a post-norm OPT with a final norm.
 */
export function modelConfigToHfConfig(cfg: ModelConfig, opts: HfConfigOptions = {}): Record<string, unknown> {
  if (cfg.layers) throw new Error('modelConfigToHfConfig: a pruned model (config.layers set) has per-layer widths HF configs cannot express; save it in the project format');
  validateConfig(cfg);
  const finalNorm = opts.finalNorm ?? true;
  const arch = cfg.arch;
  const fixed = ARCH_CONSTANTS[arch];
  for (const k of Object.keys(fixed) as (keyof typeof fixed)[]) {
    if (cfg[k] !== fixed[k]) throw new Error(`modelConfigToHfConfig: ${arch} needs config.${k} = ${show(fixed[k])}, got ${show(cfg[k])}`);
  }
  if (arch === 'llama' && cfg.biases) throw new Error('modelConfigToHfConfig: LLaMA with biases is not supported (attention_bias/mlp_bias)');
  if (arch === 'llama' && !cfg.preNorm) throw new Error('modelConfigToHfConfig: LLaMA is always pre-norm (config.preNorm must be true)');
  if (arch === 'llama' && !finalNorm) throw new Error('modelConfigToHfConfig: LLaMA always has a final norm (weight norm_f)');
  if (arch === 'opt' && cfg.normEps !== OPT_LAYER_NORM_EPS) throw new Error(`modelConfigToHfConfig: HF OPT's LayerNorm eps is fixed at ${OPT_LAYER_NORM_EPS}, config.normEps is ${cfg.normEps}`);
  if (arch === 'opt' && cfg.nKvHeads !== cfg.nHeads) throw new Error(`modelConfigToHfConfig: OPT has no GQA (nKvHeads ${cfg.nKvHeads} ≠ nHeads ${cfg.nHeads})`);
  if (arch === 'opt' && cfg.dHead * cfg.nHeads !== cfg.dModel) throw new Error(`modelConfigToHfConfig: OPT needs nHeads·dHead = dModel (${cfg.nHeads}·${cfg.dHead} ≠ ${cfg.dModel})`);
  if (arch === 'opt' && !cfg.preNorm && finalNorm) throw new Error('modelConfigToHfConfig: a post-norm OPT (do_layer_norm_before false) cannot have a final LayerNorm in HF');
  const out: Record<string, unknown> = { architectures: [HF_CLASS[arch].architecture], model_type: HF_CLASS[arch].modelType };
  for (const [field, spec] of Object.entries(HF_CONFIG_KEYS[arch])) {
    const v = field === 'embedDim' ? (cfg.embedDim ?? cfg.dModel) : cfg[field as keyof ModelConfig];
    out[spec!.key] = v;
  }
  for (const r of HF_REQUIRED_VALUES[arch]) out[r.key] = r.allowed[0];
  if (arch === 'opt') out[HF_OPT_REMOVE_FINAL_NORM] = cfg.preNorm && !finalNorm;
  out.torch_dtype = TORCH_DTYPE[opts.dtype ?? 'F32'];
  return out;
}

// ---------------------------------------------------------------------------------------------------------
// RoPE row order
// ---------------------------------------------------------------------------------------------------------

/**
 * Reorder the rows of a q or k weight (or bias: cols = 1) stored [rows = nHeads·dh, cols] between HF's
 * rotate_half order and our interleaved-pair order (see the file header). 'fromHf': HF → ours; 'toHf': the
 * inverse (transformers' `permute`). Returns a new array.
 */
export function permuteRopeRows(data: Float32Array, nHeads: number, dh: number, cols: number, direction: 'fromHf' | 'toHf'): Float32Array {
  if (dh % 2 !== 0) throw new Error(`permuteRopeRows: head dim ${dh} must be even`);
  if (data.length !== nHeads * dh * cols) throw new Error(`permuteRopeRows: ${data.length} values ≠ nHeads ${nHeads} · dh ${dh} · cols ${cols}`);
  const out = new Float32Array(data.length);
  const half = dh / 2;
  for (let h = 0; h < nHeads; h++) {
    for (let i = 0; i < half; i++) {
      for (let c = 0; c < 2; c++) {
        const ours = (h * dh + 2 * i + c) * cols;
        const hf = (h * dh + c * half + i) * cols;
        const [from, to] = direction === 'fromHf' ? [hf, ours] : [ours, hf];
        out.set(data.subarray(from, from + cols), to);
      }
    }
  }
  return out;
}

/** Heads of a RoPE-permuted tensor (query heads for q, KV heads for k). */
function ropeHeads(cfg: ModelConfig, which: 'q' | 'k'): number {
  return which === 'q' ? cfg.nHeads : cfg.nKvHeads;
}

// ---------------------------------------------------------------------------------------------------------
// Tensor sources: one file or a sharded index
// ---------------------------------------------------------------------------------------------------------

interface TensorSource {
  /** Every tensor name, over all shards. */
  names: string[];
  /** Shape as stored, and the file holding it. */
  info(name: string): { shape: number[]; file: string };
  read(name: string): HostTensor;
  close(): void;
}

function openSingle(file: string): TensorSource {
  const h = openSafetensors(file);
  return {
    names: h.entries.map((e) => e.name),
    info: (name) => ({ shape: h.entry(name).shape.slice(), file }),
    read: (name) => h.read(name),
    close: () => h.close(),
  };
}

function openSharded(dir: string, indexFile: string): TensorSource {
  let index: unknown;
  try {
    index = JSON.parse(fs.readFileSync(indexFile, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(indexFile, `cannot read the shard index: ${(e as Error).message}`);
  }
  const map = (index as { weight_map?: unknown })?.weight_map;
  if (typeof map !== 'object' || map === null || Array.isArray(map)) throw new ModelFormatError(indexFile, '"weight_map" must be an object {tensor name: shard file}');
  const entries = Object.entries(map as Record<string, unknown>);
  if (entries.length === 0) throw new ModelFormatError(indexFile, '"weight_map" is empty');
  const handles = new Map<string, SafetensorsHandle>();
  const close = () => handles.forEach((h) => h.close());
  try {
    for (const [name, shard] of entries) {
      if (typeof shard !== 'string' || shard !== path.basename(shard) || shard === '..' || shard === '.') {
        throw new ModelFormatError(indexFile, `weight_map["${name}"] must be a file name inside the checkpoint directory, got ${JSON.stringify(shard)}`);
      }
      if (!handles.has(shard)) handles.set(shard, openSafetensors(path.join(dir, shard)));
      if (!handles.get(shard)!.has(name)) throw new ModelFormatError(path.join(dir, shard), `tensor "${name}" listed in ${HF_FILES.index} is not in this shard`);
    }
  } catch (e) {
    close();
    throw e;
  }
  const where = new Map(entries as [string, string][]);
  const handle = (name: string) => {
    const shard = where.get(name);
    if (!shard) throw new ModelFormatError(indexFile, `tensor "${name}" is not in weight_map`);
    return { h: handles.get(shard)!, file: path.join(dir, shard) };
  };
  return {
    names: [...where.keys()],
    info: (name) => {
      const { h, file } = handle(name);
      return { shape: h.entry(name).shape.slice(), file };
    },
    read: (name) => handle(name).h.read(name),
    close,
  };
}

/** Open the weights of an HF directory: model.safetensors, else model.safetensors.index.json (as transformers). */
function openTensors(dir: string): TensorSource {
  const single = path.join(dir, HF_FILES.weights);
  const index = path.join(dir, HF_FILES.index);
  if (fs.existsSync(single)) return openSingle(single);
  if (fs.existsSync(index)) return openSharded(dir, index);
  const bin = ['pytorch_model.bin', 'pytorch_model.bin.index.json'].find((f) => fs.existsSync(path.join(dir, f)));
  throw new ModelFormatError(
    dir,
    bin
      ? `only ${bin} found: PyTorch pickles are not read (unsafe, and no torch here); convert once with transformers: AutoModelForCausalLM.from_pretrained(dir).save_pretrained(dir, safe_serialization=True)`
      : `no ${HF_FILES.weights} or ${HF_FILES.index} in this directory`,
  );
}

// ---------------------------------------------------------------------------------------------------------
// Load
// ---------------------------------------------------------------------------------------------------------

function readJson(file: string): unknown {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (e) {
    throw new ModelFormatError(file, `cannot read: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new ModelFormatError(file, `invalid JSON: ${(e as Error).message}`);
  }
}

/** Options of {@link loadHfModel}. */
export interface LoadHfOptions {
  /** Display name (default: the directory's base name). */
  name?: string;
}

/**
 * Load a Hugging Face `LlamaForCausalLM` or `OPTForCausalLM` checkpoint directory: config.json plus
 * model.safetensors (or sharded model.safetensors.index.json), any of F32/F16/BF16 (decoded to float32).
 * Tensor names may carry the `model.` prefix (ForCausalLM files) or not (base-model files, as the
 * facebook/opt-* checkpoints). Linear weights are transposed to [in, out]; LLaMA q/k rows are reordered to
 * the interleaved-pair RoPE order. Throws ModelFormatError naming the file and tensor on a missing,
 * misshapen, non-finite or unexpected tensor. The result's `source.format` is 'hf'.
 */
export function loadHfModel(dir: string, opts: LoadHfOptions = {}): Model {
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new ModelFormatError(dir, 'not a directory (expected an HF checkpoint with config.json and model.safetensors)');
  const cfgFile = path.join(dir, HF_FILES.config);
  const json = readJson(cfgFile);
  const config = hfConfigToModelConfig(json, cfgFile);
  const finalNorm = hfHasFinalNorm(json, cfgFile);
  const src = openTensors(dir);
  try {
    const names = new Set(src.names);
    const g = HF_GLOBAL_TENSORS[config.arch];
    const base = HF_BASE_PREFIXES.find((b) => names.has(hfResolve(g.embed.hf, b)));
    if (base === undefined) {
      const tried = HF_BASE_PREFIXES.map((b) => `"${hfResolve(g.embed.hf, b)}"`).join(' or ');
      throw new ModelFormatError(dir, `no embedding tensor ${tried}: not a ${HF_CLASS[config.arch].architecture} checkpoint (tensors: ${src.names.slice(0, 5).join(', ')}${src.names.length > 5 ? ', …' : ''})`);
    }
    const plan = hfTensorPlan(config, base, finalNorm);
    const weights: HostWeights = {};
    for (const p of plan) weights[p.key] = readPlanned(src, names, p, config, dir);
    // Tensors transformers itself ignores: RoPE buffers, a stored copy of a tied head, a disabled final norm.
    const expected = new Set(plan.map((p) => p.hf));
    const ignorable = (n: string) =>
      HF_IGNORED_TENSORS.some((r) => r.test(n)) ||
      (config.tiedEmbeddings && n === hfResolve(g.lm_head.hf, base)) ||
      (!finalNorm && (n === hfResolve(g.norm_f.hf, base) || (g['norm_f.bias'] !== undefined && n === hfResolve(g['norm_f.bias'].hf, base))));
    const extra = src.names.filter((n) => !expected.has(n) && !ignorable(n));
    if (extra.length > 0) {
      throw new ModelFormatError(
        dir,
        `${extra.length} tensor(s) not part of a ${HF_CLASS[config.arch].architecture} with this config.json: ${extra.slice(0, 6).join(', ')}${extra.length > 6 ? ', …' : ''} (wrong num_hidden_layers, enable_bias or architecture?)`,
      );
    }
    return { config, weights, source: { name: opts.name ?? path.basename(path.resolve(dir)), path: dir, format: 'hf' } };
  } finally {
    src.close();
  }
}

function readPlanned(src: TensorSource, names: Set<string>, p: HfTensorPlanEntry, cfg: ModelConfig, dir: string): HostTensor {
  if (!names.has(p.hf)) {
    const hint = p.key === 'lm_head' ? ' (if the head shares the embedding, config.json needs "tie_word_embeddings": true)' : '';
    throw new ModelFormatError(dir, `tensor "${p.hf}" is missing; config.json implies shape [${p.hfShape}] ${p.why}${hint}`);
  }
  const { shape, file } = src.info(p.hf);
  if (shape.length !== p.hfShape.length || shape.some((s, i) => s !== p.hfShape[i])) {
    throw new ModelFormatError(file, `tensor "${p.hf}" has shape [${shape}], config.json implies [${p.hfShape}] ${p.why}`);
  }
  let data = src.read(p.hf).data;
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i])) throw new ModelFormatError(file, `tensor "${p.hf}" has a non-finite value (${data[i]}) at index ${i}`);
  }
  const sub = p.key.replace(/^layers\.\d+\./, '');
  const rope = cfg.arch === 'llama' ? HF_ROPE_PERMUTED[sub] : undefined;
  if (rope) data = permuteRopeRows(data, ropeHeads(cfg, rope), cfg.dHead, p.hfShape[1], 'fromHf');
  if (p.layout === 'linear') data = transpose2d(data, p.hfShape[0], p.hfShape[1]);
  else data = data.slice();
  return { shape: p.shape.slice(), data };
}

// ---------------------------------------------------------------------------------------------------------
// Save
// ---------------------------------------------------------------------------------------------------------

/** Options of {@link saveHfModel}. */
export interface SaveHfOptions {
  /** Storage dtype of every tensor (default 'F32'; F16/BF16 round to nearest even). */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Tokenizer files to write beside the weights (tokenizer.json, tokenizer_config.json). */
  tokenizer?: HfTokenizerFiles;
}

/**
 * Write a dense model as a Hugging Face checkpoint directory `dir` (created if needed): model.safetensors
 * (ForCausalLM names, `model.` prefix, [out, in] linears, HF RoPE row order, metadata {format: 'pt'}),
 * the tokenizer files when given, then config.json. Each file is written atomically; config.json comes
 * last, so a reader never sees a new config with old weights. A pruned model (config.layers) throws: save
 * it in the project format. Other files already in `dir` are left as they are. Returns the paths written.
 */
export function saveHfModel(model: Model, dir: string, opts: SaveHfOptions = {}): { files: string[] } {
  const cfg = model.config;
  const w = model.weights;
  if (cfg.layers) throw new Error(`saveHfModel: ${model.source.name} is pruned (config.layers set); HF configs cannot express per-layer widths, save it in the project format`);
  const finalNorm = w.norm_f !== undefined;
  const hfConfig = modelConfigToHfConfig(cfg, { finalNorm, dtype: opts.dtype });
  const plan = hfTensorPlan(cfg, HF_SAVE_BASE, finalNorm);
  const planned = new Set(plan.map((p) => p.key));
  const extra = Object.keys(w).filter((k) => !planned.has(k));
  if (extra.length > 0) {
    throw new Error(`saveHfModel: weights ${extra.join(', ')} have no place in an HF ${cfg.arch} checkpoint of this config${extra.includes('lm_head') ? ' (lm_head with tiedEmbeddings true)' : ''}`);
  }
  const tensors: Record<string, HostTensor> = {};
  for (const p of plan) {
    const t = w[p.key];
    if (!t) throw new Error(`saveHfModel: weight "${p.key}" is missing (expected shape [${p.shape}] ${p.why})`);
    if (t.shape.length !== p.shape.length || t.shape.some((s, i) => s !== p.shape[i]) || t.data.length !== p.shape.reduce((a, b) => a * b, 1)) {
      throw new Error(`saveHfModel: weight "${p.key}" has shape [${t.shape}], the config implies [${p.shape}] ${p.why}`);
    }
    let data = p.layout === 'linear' ? transpose2d(t.data, p.shape[0], p.shape[1]) : t.data;
    const rope = cfg.arch === 'llama' ? HF_ROPE_PERMUTED[p.key.replace(/^layers\.\d+\./, '')] : undefined;
    if (rope) data = permuteRopeRows(data, ropeHeads(cfg, rope), cfg.dHead, p.hfShape[1], 'toHf');
    tensors[p.hf] = { shape: p.hfShape.slice(), data };
  }
  fs.mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const weightsFile = path.join(dir, HF_FILES.weights);
  writeSafetensors(weightsFile, tensors, { dtype: opts.dtype ?? 'F32', metadata: { format: 'pt' } });
  files.push(weightsFile);
  if (opts.tokenizer) files.push(...writeHfTokenizerFiles(dir, opts.tokenizer));
  const cfgFile = path.join(dir, HF_FILES.config);
  writeJsonAtomic(cfgFile, hfConfig);
  files.push(cfgFile);
  return { files };
}
