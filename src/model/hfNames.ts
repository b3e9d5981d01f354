// The Hugging Face vocabulary, as data: config.json keys and tensor names of `LlamaForCausalLM` and
// `OPTForCausalLM`, mapped to the project's normalised names (config.ts, hostTensor.ts). Foreign names
// appear here and in error messages only. References: transformers `configuration_llama.py`,
// `modeling_llama.py`, `configuration_opt.py`, `modeling_opt.py` (defaults below are theirs).
import { Arch, ModelConfig } from './config';

/** `architectures[0]` (or `model_type` when `architectures` is absent) → our arch. */
export const HF_ARCHITECTURES: Readonly<Record<string, Arch>> = Object.freeze({
  LlamaForCausalLM: 'llama',
  OPTForCausalLM: 'opt',
  llama: 'llama',
  opt: 'opt',
});

/** What `modelConfigToHfConfig` writes as `architectures` / `model_type`. */
export const HF_CLASS: Readonly<Record<Arch, { architecture: string; modelType: string }>> = Object.freeze({
  llama: { architecture: 'LlamaForCausalLM', modelType: 'llama' },
  opt: { architecture: 'OPTForCausalLM', modelType: 'opt' },
});

/**
 * One numeric or boolean ModelConfig field read from config.json. `fallback` names another key whose value
 * is used when `key` is absent (e.g. GQA off: num_key_value_heads = num_attention_heads); `default` is the
 * transformers default when both are absent; with neither, the key is required.
 */
export interface HfConfigKey {
  key: string;
  type: 'int' | 'number' | 'bool';
  fallback?: string;
  default?: number | boolean;
}

type MappedField =
  | 'dModel'
  | 'nLayers'
  | 'nHeads'
  | 'nKvHeads'
  | 'dFF'
  | 'vocabSize'
  | 'maxSeq'
  | 'normEps'
  | 'ropeTheta'
  | 'tiedEmbeddings'
  | 'bosId'
  | 'eosId'
  | 'preNorm'
  | 'biases'
  | 'dHead'
  | 'embedDim';

/** config.json keys per architecture, by ModelConfig field. */
export const HF_CONFIG_KEYS: Readonly<Record<Arch, Partial<Record<MappedField, HfConfigKey>>>> = Object.freeze({
  llama: {
    dModel: { key: 'hidden_size', type: 'int' },
    nLayers: { key: 'num_hidden_layers', type: 'int' },
    nHeads: { key: 'num_attention_heads', type: 'int' },
    nKvHeads: { key: 'num_key_value_heads', type: 'int', fallback: 'num_attention_heads' },
    dFF: { key: 'intermediate_size', type: 'int' },
    vocabSize: { key: 'vocab_size', type: 'int' },
    maxSeq: { key: 'max_position_embeddings', type: 'int' },
    normEps: { key: 'rms_norm_eps', type: 'number', default: 1e-6 },
    ropeTheta: { key: 'rope_theta', type: 'number', default: 10000 },
    tiedEmbeddings: { key: 'tie_word_embeddings', type: 'bool', default: false },
    bosId: { key: 'bos_token_id', type: 'int', default: 1 },
    eosId: { key: 'eos_token_id', type: 'int', default: 2 },
    dHead: { key: 'head_dim', type: 'int' }, // optional: hidden_size / num_attention_heads when absent
  },
  opt: {
    dModel: { key: 'hidden_size', type: 'int' },
    nLayers: { key: 'num_hidden_layers', type: 'int' },
    nHeads: { key: 'num_attention_heads', type: 'int' },
    dFF: { key: 'ffn_dim', type: 'int' },
    vocabSize: { key: 'vocab_size', type: 'int' },
    maxSeq: { key: 'max_position_embeddings', type: 'int' },
    tiedEmbeddings: { key: 'tie_word_embeddings', type: 'bool', default: true },
    bosId: { key: 'bos_token_id', type: 'int', default: 2 },
    eosId: { key: 'eos_token_id', type: 'int', default: 2 },
    preNorm: { key: 'do_layer_norm_before', type: 'bool', default: true },
    biases: { key: 'enable_bias', type: 'bool', default: true },
    embedDim: { key: 'word_embed_proj_dim', type: 'int', fallback: 'hidden_size' },
  },
});

/**
 * config.json keys whose value must be one the forward implements; `default` is transformers' value when
 * the key is absent. Anything else is rejected with the key, the value and what is supported.
 */
export const HF_REQUIRED_VALUES: Readonly<Record<Arch, readonly { key: string; allowed: readonly unknown[]; default: unknown }[]>> = Object.freeze({
  llama: [
    { key: 'hidden_act', allowed: ['silu'], default: 'silu' },
    { key: 'attention_bias', allowed: [false], default: false },
    { key: 'mlp_bias', allowed: [false], default: false },
    { key: 'rope_scaling', allowed: [null], default: null },
  ],
  opt: [
    { key: 'activation_function', allowed: ['relu'], default: 'relu' },
    { key: 'layer_norm_elementwise_affine', allowed: [true], default: true },
  ],
});

/** OPT: `_remove_final_layer_norm` (with do_layer_norm_before) decides whether a final LayerNorm exists. */
export const HF_OPT_REMOVE_FINAL_NORM = '_remove_final_layer_norm';

/** Fixed ModelConfig fields of each architecture (not read from config.json). */
export const ARCH_CONSTANTS: Readonly<Record<Arch, Pick<ModelConfig, 'activation' | 'norm' | 'positions' | 'positionOffset'>>> = Object.freeze({
  llama: { activation: 'swiglu', norm: 'rms', positions: 'rope', positionOffset: 0 },
  opt: { activation: 'relu', norm: 'layer', positions: 'learned', positionOffset: 2 },
});

/** HF OPT's LayerNorm eps (torch default, not in config.json). */
export const OPT_LAYER_NORM_EPS = 1e-5;

/**
 * How a tensor is laid out in HF files relative to ours: 'linear' = torch Linear [out, in] in files,
 * [in, out] here (transposed on load and save); 'same' = identical (embeddings [n, d], vectors [n]).
 */
export type HfLayout = 'linear' | 'same';

/** An HF tensor name; `{base}` is the base-model prefix ('model.' in *ForCausalLM files, '' in base-model files). */
export interface HfTensorName {
  hf: string;
  layout: HfLayout;
}

/** Global (non-block) tensors by our key. */
export const HF_GLOBAL_TENSORS: Readonly<Record<Arch, Readonly<Record<string, HfTensorName>>>> = Object.freeze({
  llama: {
    embed: { hf: '{base}embed_tokens.weight', layout: 'same' },
    norm_f: { hf: '{base}norm.weight', layout: 'same' },
    lm_head: { hf: 'lm_head.weight', layout: 'linear' },
  },
  opt: {
    embed: { hf: '{base}decoder.embed_tokens.weight', layout: 'same' },
    pos_embed: { hf: '{base}decoder.embed_positions.weight', layout: 'same' },
    proj_in: { hf: '{base}decoder.project_in.weight', layout: 'linear' },
    proj_out: { hf: '{base}decoder.project_out.weight', layout: 'linear' },
    norm_f: { hf: '{base}decoder.final_layer_norm.weight', layout: 'same' },
    'norm_f.bias': { hf: '{base}decoder.final_layer_norm.bias', layout: 'same' },
    lm_head: { hf: 'lm_head.weight', layout: 'linear' },
  },
});

/** Prefix of block `{l}`'s tensors. */
export const HF_LAYER_PREFIX: Readonly<Record<Arch, string>> = Object.freeze({
  llama: '{base}layers.{l}.',
  opt: '{base}decoder.layers.{l}.',
});

/** Block tensors by our key without the `layers.{l}.` prefix. */
export const HF_LAYER_TENSORS: Readonly<Record<Arch, Readonly<Record<string, HfTensorName>>>> = Object.freeze({
  llama: {
    attn_norm: { hf: 'input_layernorm.weight', layout: 'same' },
    'attn.q': { hf: 'self_attn.q_proj.weight', layout: 'linear' },
    'attn.k': { hf: 'self_attn.k_proj.weight', layout: 'linear' },
    'attn.v': { hf: 'self_attn.v_proj.weight', layout: 'linear' },
    'attn.o': { hf: 'self_attn.o_proj.weight', layout: 'linear' },
    ffn_norm: { hf: 'post_attention_layernorm.weight', layout: 'same' },
    'ffn.gate': { hf: 'mlp.gate_proj.weight', layout: 'linear' },
    'ffn.up': { hf: 'mlp.up_proj.weight', layout: 'linear' },
    'ffn.down': { hf: 'mlp.down_proj.weight', layout: 'linear' },
  },
  opt: {
    attn_norm: { hf: 'self_attn_layer_norm.weight', layout: 'same' },
    'attn_norm.bias': { hf: 'self_attn_layer_norm.bias', layout: 'same' },
    'attn.q': { hf: 'self_attn.q_proj.weight', layout: 'linear' },
    'attn.q.bias': { hf: 'self_attn.q_proj.bias', layout: 'same' },
    'attn.k': { hf: 'self_attn.k_proj.weight', layout: 'linear' },
    'attn.k.bias': { hf: 'self_attn.k_proj.bias', layout: 'same' },
    'attn.v': { hf: 'self_attn.v_proj.weight', layout: 'linear' },
    'attn.v.bias': { hf: 'self_attn.v_proj.bias', layout: 'same' },
    'attn.o': { hf: 'self_attn.out_proj.weight', layout: 'linear' },
    'attn.o.bias': { hf: 'self_attn.out_proj.bias', layout: 'same' },
    ffn_norm: { hf: 'final_layer_norm.weight', layout: 'same' },
    'ffn_norm.bias': { hf: 'final_layer_norm.bias', layout: 'same' },
    'ffn.fc1': { hf: 'fc1.weight', layout: 'linear' },
    'ffn.fc1.bias': { hf: 'fc1.bias', layout: 'same' },
    'ffn.fc2': { hf: 'fc2.weight', layout: 'linear' },
    'ffn.fc2.bias': { hf: 'fc2.bias', layout: 'same' },
  },
});

/** Base-model prefixes tried on load, in order (ForCausalLM files first, then bare base-model files). */
export const HF_BASE_PREFIXES = ['model.', ''] as const;

/** Base prefix written on save (the ForCausalLM layout). */
export const HF_SAVE_BASE = 'model.';

/**
 * Tensors present in some real checkpoints that transformers itself ignores on load: old LLaMA files carry
 * the RoPE buffer `rotary_emb.inv_freq`; a tied LM head may be stored anyway; an OPT file may keep a final
 * LayerNorm the config disables.
 */
export const HF_IGNORED_TENSORS: readonly RegExp[] = [/\.rotary_emb\.inv_freq$/];

/** LLaMA q/k weights whose rows HF stores in the rotate_half order (transformers convert_llama_weights_to_hf `permute`). */
export const HF_ROPE_PERMUTED: Readonly<Record<string, 'q' | 'k'>> = Object.freeze({ 'attn.q': 'q', 'attn.k': 'k' });

/** Resolve an HF name template for base prefix `base` and block `l`. */
export function hfResolve(template: string, base: string, l?: number): string {
  return template.replace('{base}', base).replace('{l}', l === undefined ? '{l}' : String(l));
}

/** One tensor of the plan: our key and shape ([in, out] for linears), the HF name and its shape in files. */
export interface HfTensorPlanEntry {
  key: string;
  shape: number[];
  hf: string;
  hfShape: number[];
  layout: HfLayout;
  /** Why the shape is what it is (config fields), for error messages. */
  why: string;
}

/**
 * Every tensor a dense HF checkpoint of `cfg` holds, in a stable order (globals, then blocks), with our key
 * and both shapes. `finalNorm` says whether the final norm exists (always for LLaMA; OPT: pre-norm and not
 * `_remove_final_layer_norm`). The tied LM head is omitted.
 */
export function hfTensorPlan(cfg: ModelConfig, base: string, finalNorm: boolean): HfTensorPlanEntry[] {
  if (cfg.layers) throw new Error('hfTensorPlan: pruned models (config.layers set) have no HF layout; save them in the project format');
  const d = cfg.dModel;
  const e = cfg.embedDim ?? d;
  const V = cfg.vocabSize;
  const qw = cfg.nHeads * cfg.dHead;
  const kvw = cfg.nKvHeads * cfg.dHead;
  const ff = cfg.dFF;
  const out: HfTensorPlanEntry[] = [];
  const add = (names: Readonly<Record<string, HfTensorName>>, sub: string, key: string, shape: number[], why: string, l?: number) => {
    const n = names[sub];
    if (!n) throw new Error(`hfTensorPlan: no HF name for "${sub}" (${cfg.arch})`);
    const prefix = l === undefined ? '' : hfResolve(HF_LAYER_PREFIX[cfg.arch], base, l);
    out.push({ key, shape, hf: prefix + hfResolve(n.hf, base), hfShape: n.layout === 'linear' ? [shape[1], shape[0]] : shape.slice(), layout: n.layout, why });
  };
  const g = HF_GLOBAL_TENSORS[cfg.arch];
  const L = HF_LAYER_TENSORS[cfg.arch];
  add(g, 'embed', 'embed', [V, e], `[vocabSize ${V}, ${cfg.embedDim ? 'embedDim' : 'dModel'} ${e}]`);
  if (cfg.arch === 'opt') {
    add(g, 'pos_embed', 'pos_embed', [cfg.maxSeq + cfg.positionOffset, d], `[maxSeq ${cfg.maxSeq} + offset ${cfg.positionOffset}, dModel ${d}]`);
    if (cfg.embedDim !== undefined) {
      add(g, 'proj_in', 'proj_in', [e, d], `[embedDim ${e}, dModel ${d}]`);
      add(g, 'proj_out', 'proj_out', [d, e], `[dModel ${d}, embedDim ${e}]`);
    }
  }
  const biased = cfg.arch === 'opt';
  for (let l = 0; l < cfg.nLayers; l++) {
    const p = `layers.${l}.`;
    const vec = (sub: string, n: number, why: string) => add(L, sub, p + sub, [n], why, l);
    const mat = (sub: string, r: number, c: number, why: string) => add(L, sub, p + sub, [r, c], why, l);
    vec('attn_norm', d, `[dModel ${d}]`);
    if (biased) vec('attn_norm.bias', d, `[dModel ${d}]`);
    mat('attn.q', d, qw, `[dModel ${d}, nHeads·dHead ${qw}]`);
    mat('attn.k', d, kvw, `[dModel ${d}, nKvHeads·dHead ${kvw}]`);
    mat('attn.v', d, kvw, `[dModel ${d}, nKvHeads·dHead ${kvw}]`);
    mat('attn.o', qw, d, `[nHeads·dHead ${qw}, dModel ${d}]`);
    if (cfg.biases) {
      vec('attn.q.bias', qw, `[nHeads·dHead ${qw}]`);
      vec('attn.k.bias', kvw, `[nKvHeads·dHead ${kvw}]`);
      vec('attn.v.bias', kvw, `[nKvHeads·dHead ${kvw}]`);
      vec('attn.o.bias', d, `[dModel ${d}]`);
    }
    vec('ffn_norm', d, `[dModel ${d}]`);
    if (biased) vec('ffn_norm.bias', d, `[dModel ${d}]`);
    if (cfg.activation === 'swiglu') {
      mat('ffn.gate', d, ff, `[dModel ${d}, dFF ${ff}]`);
      mat('ffn.up', d, ff, `[dModel ${d}, dFF ${ff}]`);
      mat('ffn.down', ff, d, `[dFF ${ff}, dModel ${d}]`);
    } else {
      mat('ffn.fc1', d, ff, `[dModel ${d}, dFF ${ff}]`);
      mat('ffn.fc2', ff, d, `[dFF ${ff}, dModel ${d}]`);
      if (cfg.biases) {
        vec('ffn.fc1.bias', ff, `[dFF ${ff}]`);
        vec('ffn.fc2.bias', d, `[dModel ${d}]`);
      }
    }
  }
  if (finalNorm) {
    add(g, 'norm_f', 'norm_f', [d], `[dModel ${d}]`);
    if (biased) add(g, 'norm_f.bias', 'norm_f.bias', [d], `[dModel ${d}]`);
  }
  if (!cfg.tiedEmbeddings) add(g, 'lm_head', 'lm_head', [e, V], `[${cfg.embedDim ? 'embedDim' : 'dModel'} ${e}, vocabSize ${V}]`);
  return out;
}

/** File names of an HF checkpoint directory. */
export const HF_FILES = Object.freeze({
  config: 'config.json',
  weights: 'model.safetensors',
  index: 'model.safetensors.index.json',
});
