// Hugging Face config.json ↔ the project's ModelConfig (name tables in hfNames.ts). Foreign key names
// appear only here, in hfNames.ts and in error messages.
import { Arch, ModelConfig, validateConfig } from './config';
import { ModelFormatError } from '../errors';
import {
  ARCH_CONSTANTS,
  HF_ARCHITECTURES,
  HF_CLASS,
  HF_CONFIG_KEYS,
  HF_OPT_REMOVE_FINAL_NORM,
  HF_REQUIRED_VALUES,
  HfConfigKey,
  OPT_LAYER_NORM_EPS,
} from './hfNames';

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
  const supported = Object.values(HF_CLASS)
    .map((c) => c.architecture)
    .join(', ');
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
      throw new ModelFormatError(
        file,
        `"${r.key}": ${show(v)} is not supported for ${HF_CLASS[arch].architecture} (supported: ${r.allowed.map(show).join(', ')})`,
      );
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
      throw new ModelFormatError(
        file,
        `"hidden_size" ${dModel} is not divisible by "num_attention_heads" ${nHeads}${arch === 'llama' ? ' (set "head_dim")' : ''}`,
      );
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
    validateConfig(cfg, { headDimFree: j[HF_CONFIG_KEYS[arch].dHead?.key ?? ''] !== undefined && j[HF_CONFIG_KEYS[arch].dHead?.key ?? ''] !== null });
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
  if (remove !== undefined && typeof remove !== 'boolean')
    throw new ModelFormatError(file, `"${HF_OPT_REMOVE_FINAL_NORM}" must be true or false, got ${show(remove)}`);
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
  if (cfg.layers)
    throw new Error('modelConfigToHfConfig: a pruned model (config.layers set) has per-layer widths HF configs cannot express; save it in the project format');
  validateConfig(cfg, { headDimFree: cfg.arch === 'llama' });
  const finalNorm = opts.finalNorm ?? true;
  const arch = cfg.arch;
  const fixed = ARCH_CONSTANTS[arch];
  for (const k of Object.keys(fixed) as (keyof typeof fixed)[]) {
    if (cfg[k] !== fixed[k]) throw new Error(`modelConfigToHfConfig: ${arch} needs config.${k} = ${show(fixed[k])}, got ${show(cfg[k])}`);
  }
  if (arch === 'llama' && cfg.biases) throw new Error('modelConfigToHfConfig: LLaMA with biases is not supported (attention_bias/mlp_bias)');
  if (arch === 'llama' && !cfg.preNorm) throw new Error('modelConfigToHfConfig: LLaMA is always pre-norm (config.preNorm must be true)');
  if (arch === 'llama' && !finalNorm) throw new Error('modelConfigToHfConfig: LLaMA always has a final norm (weight norm_f)');
  if (arch === 'opt' && cfg.normEps !== OPT_LAYER_NORM_EPS)
    throw new Error(`modelConfigToHfConfig: HF OPT's LayerNorm eps is fixed at ${OPT_LAYER_NORM_EPS}, config.normEps is ${cfg.normEps}`);
  if (arch === 'opt' && cfg.nKvHeads !== cfg.nHeads) throw new Error(`modelConfigToHfConfig: OPT has no GQA (nKvHeads ${cfg.nKvHeads} ≠ nHeads ${cfg.nHeads})`);
  if (arch === 'opt' && cfg.dHead * cfg.nHeads !== cfg.dModel)
    throw new Error(`modelConfigToHfConfig: OPT needs nHeads·dHead = dModel (${cfg.nHeads}·${cfg.dHead} ≠ ${cfg.dModel})`);
  if (arch === 'opt' && !cfg.preNorm && finalNorm)
    throw new Error('modelConfigToHfConfig: a post-norm OPT (do_layer_norm_before false) cannot have a final LayerNorm in HF');
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
