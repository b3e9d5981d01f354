// Resolve model names: the name `stories260K` (verified in the data directory), a llama2.c `.bin`
// file, a saved model directory (this project's format, model/pruned.ts) or a Hugging Face checkpoint
// directory (model/hf.ts). Returns the model and its text codec.
import * as fs from 'fs';
import * as path from 'path';
import { loadLlama2c } from './llama2c';
import { LoadedModel, TokenizerSource, codecFromSource } from './codec';
import { loadHfModel } from './hf';
import { HF_FILES } from './hfNames';
import { HF_TOKENIZER_FILES } from './hfTokenizer';
import { isPrunedDir, loadPruned } from './pruned';
import { dataFile, DataDirOptions } from '../data/datadir';
import { UsageError } from '../errors';
import { recoverDir } from '../io/atomicDir';

/** The embedded default model. */
export const DEFAULT_MODEL = 'stories260K';
const STORIES260K_SHA256 = 'b0a507e7ad0f626624f17112325e66691f9076d622e1d3274d103d00299f2696';

export interface LoadModelOptions extends DataDirOptions {
  /** llama2.c tokenizer.bin for a `.bin` model given by path (default: tokenizer.bin / tok{vocab}.bin beside it). */
  tokenizer?: string;
}

function loadBin(file: string, name: string, tokFile: string | undefined, sha256?: string): LoadedModel {
  const model = loadLlama2c(file, name);
  if (sha256) model.source.sha256 = sha256;
  const dir = path.dirname(file);
  const tok = tokFile ?? [path.join(dir, 'tokenizer.bin'), path.join(dir, `tok${model.config.vocabSize}.bin`)].find((f) => fs.existsSync(f));
  if (!tok) throw new UsageError(`no tokenizer next to ${file}: name the llama2.c tokenizer.bin file with option \`tokenizer\``);
  const src: TokenizerSource = { kind: 'llama2c', file: tok };
  return { model, codec: codecFromSource(src, model.config.vocabSize), tokenizerSource: src };
}

function loadHfDir(dir: string): LoadedModel {
  const model = loadHfModel(dir);
  const files = [HF_TOKENIZER_FILES.tokenizer, HF_TOKENIZER_FILES.config].map((f) => path.join(dir, f)).filter((f) => fs.existsSync(f));
  if (!files.some((f) => f.endsWith(HF_TOKENIZER_FILES.tokenizer)))
    throw new UsageError(`${dir} has no ${HF_TOKENIZER_FILES.tokenizer}: a tokenizer is needed to evaluate or calibrate`);
  const src: TokenizerSource = { kind: 'hf', dir, files };
  return { model, codec: codecFromSource(src, model.config.vocabSize), tokenizerSource: src };
}

/** Load `stories260K`, a llama2.c `.bin`, a saved pruned model directory or an HF checkpoint directory. */
export async function loadModel(spec: string = DEFAULT_MODEL, opts: LoadModelOptions = {}): Promise<LoadedModel> {
  if (spec === DEFAULT_MODEL) {
    const file = await dataFile('stories260K', opts);
    return loadBin(file, DEFAULT_MODEL, opts.tokenizer ?? (await dataFile('tok512', opts)), STORIES260K_SHA256);
  }
  // A save killed between its two folder renames leaves the previous model beside the path: put it back.
  if (!fs.existsSync(spec)) recoverDir(spec);
  if (!fs.existsSync(spec))
    throw new UsageError(`model "${spec}": no such file or directory (use "${DEFAULT_MODEL}", a llama2.c .bin file, or a model directory)`);
  if (!fs.statSync(spec).isDirectory()) return loadBin(spec, path.basename(spec), opts.tokenizer);
  if (isPrunedDir(spec)) return loadPruned(spec);
  if (fs.existsSync(path.join(spec, HF_FILES.config))) return loadHfDir(spec);
  throw new UsageError(
    `model "${spec}": directory is neither a saved model (config.json with format "structprune-pruned") nor a Hugging Face checkpoint (config.json + model.safetensors)`,
  );
}
