// The project's saved-model directory: model.safetensors (project keys and [in, out] layout, see
// model/hostTensor.ts), config.json (architecture with per-layer kept units, source model name and sha256,
// tokenizer), report.json (how it was made), and a copy of the tokenizer so the directory stands alone.
// Every file is written atomically; an existing directory that is not a saved model is never overwritten.
import * as fs from 'fs';
import * as path from 'path';
import { Model } from './model';
import { ModelConfig, validateConfig } from './config';
import { checkWeights } from './shapes';
import { writeSafetensors, readSafetensors } from '../io/safetensors';
import { writeJsonAtomic, writeFileAtomic } from '../io/atomic';
import { ModelFormatError, UsageError } from '../errors';
import { LoadedModel, TokenizerSource, codecFromSource } from './codec';

export const PRUNED_FORMAT = 'structprune-pruned';
export const PRUNED_VERSION = 1;

interface SavedConfig {
  format: typeof PRUNED_FORMAT;
  version: number;
  layout: 'in-out';
  config: ModelConfig;
  source: { name: string; sha256?: string };
  tokenizer: { kind: 'llama2c'; file: string } | { kind: 'hf'; files: string[] } | null;
}

/** Whether `dir` holds a model saved by this project. */
export function isPrunedDir(dir: string): boolean {
  try {
    const j = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8'));
    return j && j.format === PRUNED_FORMAT;
  } catch {
    return false;
  }
}

/**
 * Save a (pruned) model to `dir`. Refuses a non-empty directory that is not a saved model, and refuses to
 * write over the model's own source file/directory.
 */
export function savePruned(dir: string, loaded: LoadedModel, report: unknown): { files: string[] } {
  const { model } = loaded;
  const abs = path.resolve(dir);
  if (model.source.path && path.resolve(model.source.path) === abs) throw new UsageError(`--out ${dir} is the input model itself: choose another directory`);
  if (fs.existsSync(abs)) {
    if (!fs.statSync(abs).isDirectory()) throw new UsageError(`--out ${dir} exists and is not a directory`);
    if (fs.readdirSync(abs).length > 0 && !isPrunedDir(abs)) throw new UsageError(`--out ${dir} is a non-empty directory that is not a saved model: refusing to overwrite it`);
  }
  fs.mkdirSync(abs, { recursive: true });
  const files: string[] = [];
  let tokenizer: SavedConfig['tokenizer'] = null;
  const ts = loaded.tokenizerSource;
  if (ts?.kind === 'llama2c') {
    writeFileAtomic(path.join(abs, 'tokenizer.bin'), fs.readFileSync(ts.file));
    tokenizer = { kind: 'llama2c', file: 'tokenizer.bin' };
    files.push('tokenizer.bin');
  } else if (ts?.kind === 'hf') {
    const names = ts.files.map((f) => path.basename(f));
    ts.files.forEach((f) => writeFileAtomic(path.join(abs, path.basename(f)), fs.readFileSync(f)));
    tokenizer = { kind: 'hf', files: names };
    files.push(...names);
  }
  writeSafetensors(path.join(abs, 'model.safetensors'), model.weights, { metadata: { format: PRUNED_FORMAT, layout: 'in-out' } });
  const cfg: SavedConfig = {
    format: PRUNED_FORMAT, version: PRUNED_VERSION, layout: 'in-out', config: model.config,
    source: { name: model.source.name, sha256: model.source.sha256 }, tokenizer,
  };
  writeJsonAtomic(path.join(abs, 'report.json'), report);
  writeJsonAtomic(path.join(abs, 'config.json'), cfg); // last: its presence marks a complete save
  files.push('model.safetensors', 'report.json', 'config.json');
  return { files };
}

/** Load a directory written by savePruned, validating every field and shape. */
export function loadPruned(dir: string): LoadedModel {
  const cfgFile = path.join(dir, 'config.json');
  let j: SavedConfig;
  try {
    j = JSON.parse(fs.readFileSync(cfgFile, 'utf8'));
  } catch (e) {
    throw new ModelFormatError(cfgFile, `not valid JSON: ${(e as Error).message}`);
  }
  if (!j || j.format !== PRUNED_FORMAT) throw new ModelFormatError(cfgFile, `not a saved StructPrune model (format "${j?.format}")`);
  if (j.version !== PRUNED_VERSION) throw new ModelFormatError(cfgFile, `format version ${j.version} is not supported (expected ${PRUNED_VERSION})`);
  if (j.layout !== 'in-out') throw new ModelFormatError(cfgFile, `unknown layout "${j.layout}"`);
  try {
    validateConfig(j.config);
  } catch (e) {
    throw new ModelFormatError(cfgFile, (e as Error).message);
  }
  const stFile = path.join(dir, 'model.safetensors');
  const { tensors } = readSafetensors(stFile);
  checkWeights(j.config, tensors, stFile);
  const model: Model = { config: j.config, weights: tensors, source: { name: j.source?.name ?? dir, sha256: j.source?.sha256, path: dir, format: 'pruned' } };
  let src: TokenizerSource | undefined;
  if (j.tokenizer?.kind === 'llama2c') src = { kind: 'llama2c', file: path.join(dir, j.tokenizer.file) };
  else if (j.tokenizer?.kind === 'hf') src = { kind: 'hf', dir, files: j.tokenizer.files.map((f) => path.join(dir, f)) };
  if (!src) throw new ModelFormatError(cfgFile, 'no tokenizer recorded');
  return { model, codec: codecFromSource(src, model.config.vocabSize), tokenizerSource: src };
}
