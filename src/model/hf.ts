// Hugging Face checkpoint folders ↔ Model: load (config.json + model.safetensors or a sharded index) and
// save. Config mapping in hfConfig.ts, RoPE row order in hfRope.ts, tensor sources in hfTensors.ts, names
// in hfNames.ts.
//
// Layout conversions, stated once: HF stores torch Linear weights [out, in]; we store [in, out]
// (hostTensor.ts), so every 'linear' tensor is transposed on load and save; LLaMA q/k rows are permuted
// between HF's rotate_half order and our interleaved pairs (hfRope.ts). Every tensor's shape is asserted
// against config.json (nanoGPT from_pretrained style); unknown tensors are an error, not silently dropped.
import * as fs from 'fs';
import * as path from 'path';
import { ModelConfig } from './config';
import { HostTensor, HostWeights, transpose2d } from './hostTensor';
import { Model } from './model';
import { ModelFormatError } from '../errors';
import { writeSafetensors } from '../io/safetensorsWriter';
import { writeJsonAtomic } from '../io/atomic';
import {
  HF_BASE_PREFIXES,
  HF_CLASS,
  HF_FILES,
  HF_GLOBAL_TENSORS,
  HF_IGNORED_TENSORS,
  HF_ROPE_PERMUTED,
  HF_SAVE_BASE,
  hfResolve,
  hfTensorPlan,
  HfTensorPlanEntry,
} from './hfNames';
import { hfConfigToModelConfig, hfHasFinalNorm, modelConfigToHfConfig } from './hfConfig';
import { permuteRopeRows, ropeHeads } from './hfRope';
import { openTensors, TensorSource } from './hfTensors';
import { checkWeightValues } from './finite';
import { HfTokenizerFiles, writeHfTokenizerFiles, HF_TOKENIZER_FILES } from './hfTokenizer';
import { checkOutputDir, isLeftover } from '../io/outputPath';
import { writeDirAtomic, acquireOutputLock, OutputLock } from '../io/atomicDir';

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
  if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory())
    throw new ModelFormatError(dir, 'not a directory (expected an HF checkpoint with config.json and model.safetensors)');
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
      throw new ModelFormatError(
        dir,
        `no embedding tensor ${tried}: not a ${HF_CLASS[config.arch].architecture} checkpoint (tensors: ${src.names.slice(0, 5).join(', ')}${src.names.length > 5 ? ', …' : ''})`,
      );
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
  checkWeightValues(file, p.hf, data);
  const sub = p.key.replace(/^layers\.\d+\./, '');
  const rope = cfg.arch === 'llama' ? HF_ROPE_PERMUTED[sub] : undefined;
  if (rope) data = permuteRopeRows(data, ropeHeads(cfg, rope), cfg.dHead, p.hfShape[1], 'fromHf');
  if (p.layout === 'linear') data = transpose2d(data, p.hfShape[0], p.hfShape[1]);
  else data = data.slice();
  return { shape: p.shape.slice(), data };
}

/** Options of {@link saveHfModel}. */
export interface SaveHfOptions {
  /** Storage dtype of every tensor (default 'F32'; F16/BF16 round to nearest even). */
  dtype?: 'F32' | 'F16' | 'BF16';
  /** Tokenizer files to write beside the weights (tokenizer.json, tokenizer_config.json). */
  tokenizer?: HfTokenizerFiles;
  /** A lock on `dir` already held by the caller (acquireOutputLock); otherwise one is taken for the save. */
  lock?: OutputLock;
}

/**
 * Write a dense model as a Hugging Face checkpoint directory `dir` (created if needed): model.safetensors
 * (ForCausalLM names, `model.` prefix, [out, in] linears, HF RoPE row order, metadata {format: 'pt'}),
 * the tokenizer files when given, and config.json. The folder is written beside `dir` and swapped in as a
 * whole, so a reader never sees a new config with old weights. Refuses (before any work) the model's own
 * folder and a non-empty folder holding anything but such a checkpoint. A pruned model (config.layers)
 * throws: save it in the project format. Returns the paths written.
 */
export function saveHfModel(model: Model, dir: string, opts: SaveHfOptions = {}): { files: string[] } {
  const cfg = model.config;
  const w = model.weights;
  checkOutputDir(dir, isSavedHfDir, { inputs: [model.source.path] });
  if (cfg.layers)
    throw new Error(
      `saveHfModel: ${model.source.name} is pruned (config.layers set); HF configs cannot express per-layer widths, save it in the project format`,
    );
  const finalNorm = w.norm_f !== undefined;
  const hfConfig = modelConfigToHfConfig(cfg, { finalNorm, dtype: opts.dtype });
  const plan = hfTensorPlan(cfg, HF_SAVE_BASE, finalNorm);
  const planned = new Set(plan.map((p) => p.key));
  const extra = Object.keys(w).filter((k) => !planned.has(k));
  if (extra.length > 0) {
    throw new Error(
      `saveHfModel: weights ${extra.join(', ')} have no place in an HF ${cfg.arch} checkpoint of this config${extra.includes('lm_head') ? ' (lm_head with tiedEmbeddings true)' : ''}`,
    );
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
  const files: string[] = [];
  const lock = opts.lock ?? acquireOutputLock(dir);
  try {
    writeDirAtomic(dir, (tmp) => {
      writeSafetensors(path.join(tmp, HF_FILES.weights), tensors, { dtype: opts.dtype ?? 'F32', metadata: { format: 'pt' } });
      files.push(HF_FILES.weights);
      if (opts.tokenizer) files.push(...writeHfTokenizerFiles(tmp, opts.tokenizer).map((f) => path.basename(f)));
      writeJsonAtomic(path.join(tmp, HF_FILES.config), hfConfig);
      files.push(HF_FILES.config);
    });
  } finally {
    if (!opts.lock) lock.release();
  }
  return { files: files.map((f) => path.join(dir, f)) };
}

/** Whether `dir` holds only what {@link saveHfModel} writes (so replacing it loses nothing else). */
export function isSavedHfDir(dir: string): boolean {
  const names = fs.readdirSync(dir).filter((n) => !isLeftover(n));
  const ours = new Set<string>([HF_FILES.config, HF_FILES.weights, HF_TOKENIZER_FILES.tokenizer, HF_TOKENIZER_FILES.config]);
  if (!names.includes(HF_FILES.config) || !names.includes(HF_FILES.weights) || !names.every((n) => ours.has(n))) return false;
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, HF_FILES.config), 'utf8'));
    return typeof j?.model_type === 'string' || Array.isArray(j?.architectures);
  } catch {
    return false;
  }
}
