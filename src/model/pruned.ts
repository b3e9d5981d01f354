// The project's saved-model directory: model.safetensors (project keys and [in, out] layout, see
// model/hostTensor.ts), config.json (architecture with per-layer kept units, source model name and sha256,
// tokenizer), report.json (how it was made), and a copy of the tokenizer so the directory stands alone.
// The folder is replaced as a whole; an existing folder that is not a saved model is never overwritten.
// The format is specified in docs/FORMAT.md.
import * as fs from 'fs';
import * as path from 'path';
import { Model } from './model';
import { ModelConfig, validateConfig } from './config';
import { checkWeights } from './shapes';
import { readSafetensors } from '../io/safetensorsReader';
import { writeSafetensors } from '../io/safetensorsWriter';
import { writeJsonAtomic, writeFileAtomic } from '../io/atomic';
import { ModelFormatError } from '../errors';
import { checkOutputDir } from '../io/outputPath';
import { writeDirAtomic, acquireOutputLock, OutputLock } from '../io/atomicDir';
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

/** Options of {@link savePruned}. */
export interface SavePrunedOptions {
  /** What to write as report.json (default: none written). */
  report?: unknown;
  /** A lock on `dir` already held by the caller (acquireOutputLock); otherwise one is taken for the save. */
  lock?: OutputLock;
}

/** Whether `dir` may receive a saved model; throws OutputPathError otherwise (see io/outputPath.ts). */
export function checkPrunedOutput(dir: string, loaded: LoadedModel): void {
  const ts = loaded.tokenizerSource;
  checkOutputDir(dir, isPrunedDir, { inputs: [loaded.model.source.path, ...(ts?.kind === 'llama2c' ? [ts.file] : ts?.kind === 'hf' ? ts.files : [])] });
}

/**
 * Save a (pruned) model to folder `dir` (format: docs/FORMAT.md). The folder is replaced as a whole (written
 * beside it, then swapped in), so a reader sees the old model or the new one, never a mix. Refuses the
 * model's own source, a non-empty folder that is not a saved model, and a folder another run is saving to.
 */
export function savePruned(loaded: LoadedModel, dir: string, opts: SavePrunedOptions = {}): { files: string[] } {
  const { model } = loaded;
  checkPrunedOutput(dir, loaded);
  const lock = opts.lock ?? acquireOutputLock(dir);
  try {
    const files: string[] = [];
    writeDirAtomic(dir, (tmp) => {
      let tokenizer: SavedConfig['tokenizer'] = null;
      const ts = loaded.tokenizerSource;
      if (ts?.kind === 'llama2c') {
        writeFileAtomic(path.join(tmp, 'tokenizer.bin'), fs.readFileSync(ts.file));
        tokenizer = { kind: 'llama2c', file: 'tokenizer.bin' };
        files.push('tokenizer.bin');
      } else if (ts?.kind === 'hf') {
        const names = ts.files.map((f) => path.basename(f));
        ts.files.forEach((f) => writeFileAtomic(path.join(tmp, path.basename(f)), fs.readFileSync(f)));
        tokenizer = { kind: 'hf', files: names };
        files.push(...names);
      }
      writeSafetensors(path.join(tmp, 'model.safetensors'), model.weights, { metadata: { format: PRUNED_FORMAT, layout: 'in-out' } });
      files.push('model.safetensors');
      const cfg: SavedConfig = {
        format: PRUNED_FORMAT,
        version: PRUNED_VERSION,
        layout: 'in-out',
        config: model.config,
        source: { name: model.source.name, sha256: model.source.sha256 },
        tokenizer,
      };
      if (opts.report !== undefined) {
        writeJsonAtomic(path.join(tmp, 'report.json'), opts.report);
        files.push('report.json');
      }
      writeJsonAtomic(path.join(tmp, 'config.json'), cfg);
      files.push('config.json');
    });
    return { files };
  } finally {
    if (!opts.lock) lock.release();
  }
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
  checkWeights(j.config, tensors, stFile); // shapes, and values finite and within ±MAX_ABS_WEIGHT
  const model: Model = { config: j.config, weights: tensors, source: { name: j.source?.name ?? dir, sha256: j.source?.sha256, path: dir, format: 'pruned' } };
  let src: TokenizerSource | undefined;
  if (j.tokenizer?.kind === 'llama2c') src = { kind: 'llama2c', file: path.join(dir, j.tokenizer.file) };
  else if (j.tokenizer?.kind === 'hf') src = { kind: 'hf', dir, files: j.tokenizer.files.map((f) => path.join(dir, f)) };
  if (!src) throw new ModelFormatError(cfgFile, 'no tokenizer recorded');
  return { model, codec: codecFromSource(src, model.config.vocabSize), tokenizerSource: src };
}
